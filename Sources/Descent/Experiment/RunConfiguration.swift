import DescentEngine

/// Everything that decides one run of a sweep, with every default filled in.
public struct RunConfiguration: Sendable, Hashable {
  public var data: DataSettings
  /// The model, loss, optimizer, schedule, clipping, epochs, batch size and the run's seed.
  ///
  /// `training.schedule.warmupSteps` already holds the warmup when it does not depend on the
  /// data; use `trainingSettings(trainingRows:)` to get it right in every case.
  public var training: TrainingSettings
  /// The warmup as the file gave it (see `Warmup`).
  public var warmup: Warmup
  public var earlyStopping: EarlyStopping?
  /// Whether the run writes its final weights.
  public var saveWeights: Bool
  /// The absolute path of a safetensors file the run starts from, or `nil`.
  public var initFrom: String?
  /// When the run writes checkpoints; it changes no number, so it is not part of the
  /// configuration's hash.
  public var checkpoint = CheckpointPolicy.standard
  /// Whether the run's last checkpoint stays once the run is complete.
  public var keepCheckpoint = false
  /// The shape of one example of the data, as the network takes it (`data.shape`, or the
  /// source's own).
  public var inputShape: TensorShape?
  /// The memory the run needs (see `MemoryEstimate`), when the configuration came from a file
  /// whose data was inspected.
  public var memory: MemoryEstimate?

  public init(
    data: DataSettings, training: TrainingSettings, warmup: Warmup = .disabled,
    earlyStopping: EarlyStopping? = nil, saveWeights: Bool = false, initFrom: String? = nil
  ) {
    self.data = data
    self.training = training
    self.warmup = warmup
    self.earlyStopping = earlyStopping
    self.saveWeights = saveWeights
    self.initFrom = initFrom
  }

  /// The training settings with the warmup converted to steps of the schedule's interval, for a
  /// training part of `trainingRows` examples (the batches of an epoch are counted as
  /// `Trainer` counts them: the last one may be smaller).
  public func trainingSettings(trainingRows: Int) -> TrainingSettings {
    var settings = training
    settings.schedule.warmupSteps = warmup.scheduleSteps(
      interval: training.schedule.interval,
      batchesPerEpoch: training.batchesPerEpoch(rows: trainingRows))
    return settings
  }
}
