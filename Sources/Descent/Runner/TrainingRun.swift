import DescentEngine
import Foundation

/// Trains one configuration of a sweep from start to end on data already prepared.
struct TrainingRun {
  let spec: RunSpec
  let data: PreparedData
  var stop: StopRequest?
  /// Threads the run's matrix products may use: the cores a sweep of fewer runs than jobs
  /// leaves idle.
  var threads = 1
  /// Where the run keeps its checkpoint; `nil` writes none.
  var checkpointPath: String?
  /// The epoch to train up to for now, before the configuration's last: the run then writes a
  /// checkpoint there and ends `paused`. The schedule is still planned on every epoch, so going
  /// on from the checkpoint later gives the bits of a run trained in one go.
  var epochLimit: Int?

  /// Trains, evaluating after every epoch, until the last epoch, early stopping, or divergence.
  /// A checkpoint at `checkpointPath` is resumed from; one is written at the end of an epoch
  /// when the configuration's policy says so.
  ///
  /// - Parameters:
  ///   - onResume: called once when a checkpoint was found, with what became of it.
  ///   - onEpoch: called after each epoch with its record, for progress display.
  /// - Throws: `Interrupted` when the stop request ends training before the run is complete;
  ///   `OutputError` when a checkpoint cannot be written.
  func train(
    onResume: (CheckpointResumption) -> Void = { _ in }, onEpoch: (EpochRecord) -> Void = { _ in }
  ) throws -> (RunResult, Network<Float>) {
    let configuration = spec.configuration
    let training = data.split.training
    let clock = ContinuousClock()
    var start = clock.now
    var trainer = Trainer(
      settings: configuration.trainingSettings(trainingRows: training.rows),
      featureCount: training.featureCount, inputShape: training.exampleShape,
      trainingRows: training.rows, threads: threads)
    if let path = configuration.initFrom {
      try trainer.loadSafetensors(try Data(contentsOf: URL(fileURLWithPath: path)), file: path)
    }
    var progress = Progress(
      curve: [], stopper: configuration.earlyStopping.map(EarlyStopper.init))
    if let checkpointPath, FileManager.default.fileExists(atPath: checkpointPath) {
      do {
        let checkpoint = try RunCheckpoint.read(checkpointPath, run: spec)
        try checkpoint.restore(into: &trainer, &progress)
        // The clock goes on from the time the checkpoint recorded.
        start = clock.now - .nanoseconds(Int64(progress.seconds * 1e9))
        onResume(.resumed(epoch: trainer.epoch))
      } catch let error as CheckpointError {
        onResume(.refused(error))
      }
    }
    var lastCheckpoint = clock.now
    var status = RunStatus.complete
    var stoppedEarly = false
    let epochs = configuration.training.epochs
    let until = min(epochs, epochLimit ?? epochs)
    while trainer.epoch < until {
      let summary = trainer.trainEpoch(on: training, stop: stop)
      if summary.interrupted { throw Interrupted(complete: 0, remaining: 1) }
      let validation =
        summary.diverged ? nil : data.split.validation.map { trainer.evaluate($0) }
      let record = EpochRecord(
        epoch: summary.epoch, step: summary.step, learningRate: summary.learningRate,
        momentum: summary.momentum, trainingLoss: summary.trainingLoss, validation: validation,
        gradientNorm: summary.gradientNorm, seconds: seconds(since: start, clock))
      progress.curve.append(record)
      onEpoch(record)
      if summary.diverged || !(validation?.loss.isFinite ?? true) {
        status = .diverged
        break
      }
      trainer.observe(validation?.loss ?? summary.trainingLoss)
      if progress.stopper?.shouldStop(after: record) == true {
        stoppedEarly = true
        break
      }
      let last = trainer.epoch == until
      if let checkpointPath, !last,
        configuration.checkpoint.isDue(
          afterEpoch: trainer.epoch, secondsSinceLast: seconds(since: lastCheckpoint, clock))
      {
        progress.seconds = seconds(since: start, clock)
        try RunCheckpoint(run: spec, trainer: trainer, progress: progress).write(to: checkpointPath)
        lastCheckpoint = clock.now
      }
    }
    if status == .complete, !stoppedEarly, trainer.epoch < epochs {
      status = .paused
    }
    let test = status != .complete ? nil : data.test.map { trainer.evaluate($0) }
    let elapsed = seconds(since: start, clock)
    if let checkpointPath, configuration.keepCheckpoint || status == .paused {
      progress.seconds = elapsed
      try RunCheckpoint(run: spec, trainer: trainer, progress: progress).write(to: checkpointPath)
    }
    let samples = Double(training.rows) * Double(progress.curve.count)
    var result = RunResult(
      index: spec.index, id: spec.id, configHash: spec.configHash, status: status, message: nil,
      stoppedEarly: stoppedEarly, curve: progress.curve, test: test, seconds: elapsed,
      samplesPerSecond: elapsed > 0 ? samples / elapsed : 0)
    result.record(EngineIdentity.current)
    return (result, trainer.network)
  }

  /// What the run has measured besides the trainer's state: the curve so far, early stopping's
  /// state and the wall time.
  struct Progress {
    var curve: [EpochRecord]
    var stopper: EarlyStopper?
    var seconds = 0.0
  }

  private func seconds(since start: ContinuousClock.Instant, _ clock: ContinuousClock) -> Double {
    let d = clock.now - start
    return Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
  }
}

/// Stops training when a monitored metric has not improved for `patience` epochs.
struct EarlyStopper {
  let settings: EarlyStopping
  private(set) var best: Double?
  private(set) var epochsWithoutImprovement = 0

  /// Writes what the stopper has seen.
  func saveState(to writer: inout CheckpointWriter) {
    writer.write(best)
    writer.write(epochsWithoutImprovement)
  }

  /// Replaces what the stopper has seen with what `saveState` wrote.
  mutating func restoreState(from reader: inout CheckpointReader) throws {
    best = try reader.readOptionalDouble()
    epochsWithoutImprovement = try reader.readInt()
  }

  init(_ settings: EarlyStopping) {
    self.settings = settings
  }

  /// Records an epoch; true once the metric has gone `patience` epochs without improving by
  /// more than `minDelta`.
  mutating func shouldStop(after record: EpochRecord) -> Bool {
    guard let value = settings.metric.value(in: record) else { return false }
    let sign = settings.metric.higherIsBetter ? -1.0 : 1.0
    if let best, sign * value >= sign * best - settings.minDelta {
      epochsWithoutImprovement += 1
    } else {
      best = value
      epochsWithoutImprovement = 0
    }
    return epochsWithoutImprovement >= settings.patience
  }
}

extension RunMetric {
  /// The metric's value in an epoch's record, if the epoch measured it.
  func value(in record: EpochRecord) -> Double? {
    switch self {
    case .trainLoss: record.trainingLoss
    case .valLoss: record.validation?.loss
    case .valAccuracy: record.validation?.accuracy
    case .valRMSE: record.validation?.rmse
    case .valR2: record.validation?.r2
    }
  }
}
