/// One training run: a network, its optimizer and schedule, and its random streams.
///
/// A trainer owns all of its state, so runs train side by side on different threads without
/// sharing anything but their read-only data. After `init`, training and evaluation allocate
/// nothing on the heap.
public struct Trainer: Sendable {
  /// What one epoch of training did.
  public struct EpochSummary: Sendable, Hashable {
    public var epoch: Int
    /// Optimizer steps taken since the start of training.
    public var step: Int
    /// The learning rate of the epoch's last step.
    public var learningRate: Double
    /// The momentum (Adam's beta1) of the epoch's last step; `nil` for an optimizer without one.
    public var momentum: Double?
    /// The mean training loss over the epoch's examples, measured as they were trained on.
    public var trainingLoss: Double
    /// The mean global gradient norm over the epoch's steps, before clipping.
    public var gradientNorm: Double
    /// Whether the loss or a gradient turned NaN or infinite; training stopped there.
    public var diverged: Bool
    /// Whether a stop request ended the epoch before its last batch.
    public var interrupted: Bool = false
  }

  public let settings: TrainingSettings
  public package(set) var network: Network<Float>
  private var optimizer: any Optimizer
  public private(set) var schedule: LearningRateSchedule
  private var orderRandom: RandomGenerator
  private var dropoutRandom: RandomGenerator
  private var order: [Int]
  /// Epochs trained so far.
  public private(set) var epoch = 0
  /// Optimizer steps taken so far.
  public private(set) var step = 0

  /// Builds the network for `settings` and data of `featureCount` features and `rows` training
  /// examples, drawing its initial weights from the run's seed.
  ///
  /// - Parameters:
  ///   - inputShape: the shape of one example; flat by default.
  ///   - threads: threads the network's matrix products may use (the same bits for any).
  public init(
    settings: TrainingSettings, featureCount: Int, inputShape: TensorShape? = nil,
    trainingRows rows: Int, threads: Int = 1
  ) {
    precondition(settings.batchSize > 0 && rows > 0, "a run needs a batch size and examples")
    self.settings = settings
    var initRandom = RandomGenerator(seed: settings.seed, stream: .initialization)
    let capacity = min(settings.batchSize, rows)
    network = Network(
      spec: settings.model, inputShape: inputShape ?? .flat(featureCount),
      batchCapacity: max(capacity, 1), threads: threads, random: &initRandom)
    optimizer = settings.optimizer.makeOptimizer(parameterCount: network.parameters.count)
    schedule = LearningRateSchedule(
      settings: settings.schedule, baseRate: settings.optimizer.learningRate,
      trainingSteps: settings.scheduleSteps(rows: rows))
    orderRandom = RandomGenerator(seed: settings.seed, stream: .dataOrder)
    dropoutRandom = RandomGenerator(seed: settings.seed, stream: .dropout)
    order = Array(0..<rows)
  }

  /// Replaces the network's parameters, for a run that starts from saved weights.
  public mutating func setParameters(_ values: [Float]) {
    network.setParameters(values)
  }

  /// Writes everything the next epochs depend on: the epoch and step counts, the parameters,
  /// buffers and counters, the optimizer's and schedule's state, the data order and both random
  /// streams. A trainer of the same settings restored from it trains on to the same bits.
  public func saveState(to writer: inout CheckpointWriter) {
    writer.write(epoch)
    writer.write(step)
    writer.write(network.parameters)
    writer.write(network.buffers)
    writer.write(network.counters)
    optimizer.saveState(to: &writer)
    schedule.saveState(to: &writer)
    orderRandom.saveState(to: &writer)
    dropoutRandom.saveState(to: &writer)
    writer.write(order)
  }

  /// Replaces the state with what `saveState` wrote, for a trainer built with the same
  /// settings and data.
  ///
  /// - Throws: `CheckpointError` when the state does not fit this trainer; the trainer is then
  ///   unchanged.
  public mutating func restoreState(from reader: inout CheckpointReader) throws {
    var restored = self
    try restored.restore(from: &reader)
    self = restored
  }

  private mutating func restore(from reader: inout CheckpointReader) throws {
    epoch = try reader.readInt()
    step = try reader.readInt()
    guard epoch >= 0, step >= 0 else { throw CheckpointError.damaged("a count is negative") }
    network.setParameters(try reader.readFloats(count: network.parameters.count, "the parameters"))
    let buffers = try reader.readFloats(count: network.buffers.count, "the buffers")
    let counters = try reader.readInt64s()
    guard counters.count == network.counters.count else {
      throw CheckpointError.foreign("the counters differ from this model's")
    }
    network.setBuffers(buffers, counters: counters)
    try optimizer.restoreState(from: &reader)
    try schedule.restoreState(from: &reader)
    try orderRandom.restoreState(from: &reader)
    try dropoutRandom.restoreState(from: &reader)
    let order = try reader.readInts()
    guard order.count == self.order.count, order.sorted() == Array(0..<order.count) else {
      throw CheckpointError.foreign("the data order is not one of this run's examples")
    }
    self.order = order
  }

  /// The learning rate the next optimizer step will use.
  public var learningRate: Double { schedule.learningRate(at: scheduleClock) }

  /// The momentum (Adam's beta1) the next optimizer step will use: the schedule's when it
  /// cycles momentum, else the configured one; `nil` for Adagrad, which has none.
  public var momentum: Double? {
    guard settings.optimizer.name != .adagrad else { return nil }
    return schedule.momentum(at: scheduleClock) ?? settings.optimizer.cyclableMomentum
  }

  private var scheduleClock: Int {
    settings.schedule.interval == .batch ? step : epoch
  }

  /// Trains one pass over `data` in a fresh random order, in batches of the configured size
  /// (the last one smaller when the size does not divide the data, or left out with
  /// `dropLast`).
  ///
  /// - Parameter stop: checked before every step; once requested, the epoch ends there and is
  ///   reported as interrupted.
  public mutating func trainEpoch(on data: Dataset, stop: StopRequest? = nil) -> EpochSummary {
    precondition(data.rows == order.count, "the training data changed size between epochs")
    precondition(data.featureCount == network.inputWidth, "feature count differs from the network's")
    orderRandom.shuffle(&order)
    let batchSize = network.batchCapacity
    var lossSum = 0.0
    var normSum = 0.0
    var steps = 0
    var rate = learningRate
    var momentumInForce = momentum
    var diverged = false
    var interrupted = false
    var start = 0
    let trained = settings.examplesPerEpoch(rows: order.count)
    while start < trained {
      if stop?.isRequested == true {
        interrupted = true
        break
      }
      let count = min(batchSize, trained - start)
      let indices = order[start..<start + count]
      network.withBatchBuffers { data.gather(indices, inputs: $0, targets: $1) }
      network.forward(batch: count, mode: .training, random: &dropoutRandom)
      let loss = Double(network.loss(settings.loss, batch: count, backward: true))
      rate = learningRate
      let momentum = schedule.momentum(at: scheduleClock)
      momentumInForce = self.momentum
      let clipping = settings.clipping
      let norm = network.gradients.withUnsafeMutableBufferPointer { clipping.apply(to: $0) }
      guard loss.isFinite, norm.isFinite else {
        // Report the divergence in the epoch's loss even when only the gradient overflowed.
        diverged = true
        lossSum += (loss.isFinite ? .infinity : loss) * Double(count)
        start += count
        break
      }
      optimizer.step(
        parameters: &network.parameters, gradients: network.gradients, learningRate: rate,
        momentum: momentum)
      lossSum += loss * Double(count)
      normSum += norm
      steps += 1
      step += 1
      start += count
    }
    epoch += 1
    return EpochSummary(
      epoch: epoch, step: step, learningRate: rate, momentum: momentumInForce,
      trainingLoss: lossSum / Double(max(start, 1)),
      gradientNorm: normSum / Double(max(steps, 1)), diverged: diverged, interrupted: interrupted)
  }

  /// Tells the schedule the epoch's monitored metric (used by `plateau`).
  public mutating func observe(_ metric: Double) {
    schedule.observe(metric)
  }

  /// The loss and metrics of the network on `data`, with dropout off.
  public mutating func evaluate(_ data: Dataset) -> Evaluation {
    var sums = MetricSums()
    var random = dropoutRandom  // unused in evaluation mode
    var start = 0
    while start < data.rows {
      let count = min(network.batchCapacity, data.rows - start)
      network.withBatchBuffers { data.gather(start..<start + count, inputs: $0, targets: $1) }
      network.forward(batch: count, mode: .evaluation, random: &random)
      network.accumulateMetrics(settings.loss, batch: count, into: &sums)
      start += count
    }
    return sums.evaluation
  }
}
