/// Everything that decides a training run, apart from its data.
public struct TrainingSettings: Sendable, Hashable {
  public var model: ModelSpec
  public var loss: Loss
  public var optimizer: OptimizerSettings
  public var schedule: ScheduleSettings
  public var clipping: GradientClipping
  public var epochs: Int
  public var batchSize: Int
  /// Whether an epoch leaves out its last batch when the batch size does not divide the
  /// examples (`DataLoader`'s `drop_last`): every batch is then full.
  public var dropLast: Bool
  /// The run's seed: initial weights, batch order and dropout masks all derive from it.
  public var seed: UInt64

  public init(
    model: ModelSpec, loss: Loss, optimizer: OptimizerSettings,
    schedule: ScheduleSettings = ScheduleSettings(.constant),
    clipping: GradientClipping = GradientClipping(), epochs: Int, batchSize: Int,
    dropLast: Bool = false, seed: UInt64
  ) {
    self.model = model
    self.loss = loss
    self.optimizer = optimizer
    self.schedule = schedule
    self.clipping = clipping
    self.epochs = epochs
    self.batchSize = batchSize
    self.dropLast = dropLast
    self.seed = seed
  }

  /// The batches of an epoch over `rows` examples; the last one is smaller when the batch size
  /// does not divide them, unless `dropLast` leaves it out.
  public func batchesPerEpoch(rows: Int) -> Int {
    // Not (rows + batchSize - 1) / batchSize, which overflows for a batch size near Int.max.
    rows / batchSize + (rows % batchSize == 0 || dropLast ? 0 : 1)
  }

  /// The examples an epoch over `rows` examples trains on: all of them, or with `dropLast`
  /// those of the full batches.
  public func examplesPerEpoch(rows: Int) -> Int {
    dropLast ? rows - rows % batchSize : rows
  }

  /// The steps of the learning-rate schedule over the whole training on `rows` examples;
  /// `Int.max` when there are more.
  public func scheduleSteps(rows: Int) -> Int {
    guard schedule.interval == .batch else { return epochs }
    let (steps, overflow) = epochs.multipliedReportingOverflow(by: batchesPerEpoch(rows: rows))
    return overflow ? .max : steps
  }
}
