import Foundation

/// Trains one configuration of a sweep from start to end on data already prepared.
struct TrainingRun {
  let spec: RunSpec
  let data: PreparedData
  var stop: StopRequest?
  /// Threads the run's matrix products may use: the cores a sweep of fewer runs than jobs
  /// leaves idle.
  var threads = 1

  /// Trains, evaluating after every epoch, until the last epoch, early stopping, or divergence.
  ///
  /// - Parameter onEpoch: called after each epoch with its record, for progress display.
  /// - Throws: `Interrupted` when the stop request ends training before the run is complete.
  func train(onEpoch: (EpochRecord) -> Void = { _ in }) throws -> (RunResult, Network<Float>) {
    let configuration = spec.configuration
    let training = data.split.training
    let clock = ContinuousClock()
    let start = clock.now
    var trainer = Trainer(
      settings: configuration.trainingSettings(trainingRows: training.rows),
      featureCount: training.featureCount, inputShape: training.exampleShape,
      trainingRows: training.rows, threads: threads)
    if let path = configuration.initFrom {
      try trainer.loadSafetensors(try Data(contentsOf: URL(fileURLWithPath: path)), file: path)
    }
    var curve: [EpochRecord] = []
    var status = RunStatus.complete
    var stopper = configuration.earlyStopping.map(EarlyStopper.init)
    var stoppedEarly = false
    for _ in 0..<configuration.training.epochs {
      let summary = trainer.trainEpoch(on: training, stop: stop)
      if summary.interrupted { throw Interrupted(complete: 0, remaining: 1) }
      let validation =
        summary.diverged ? nil : data.split.validation.map { trainer.evaluate($0) }
      let record = EpochRecord(
        epoch: summary.epoch, step: summary.step, learningRate: summary.learningRate,
        trainingLoss: summary.trainingLoss, validation: validation,
        gradientNorm: summary.gradientNorm, seconds: seconds(since: start, clock))
      curve.append(record)
      onEpoch(record)
      if summary.diverged || !(validation?.loss.isFinite ?? true) {
        status = .diverged
        break
      }
      trainer.observe(validation?.loss ?? summary.trainingLoss)
      if stopper?.shouldStop(after: record) == true {
        stoppedEarly = true
        break
      }
    }
    let test = status == .diverged ? nil : data.test.map { trainer.evaluate($0) }
    let elapsed = seconds(since: start, clock)
    let samples = Double(training.rows) * Double(curve.count)
    let result = RunResult(
      index: spec.index, id: spec.id, configHash: spec.configHash, status: status, message: nil,
      stoppedEarly: stoppedEarly, curve: curve, test: test, seconds: elapsed,
      samplesPerSecond: elapsed > 0 ? samples / elapsed : 0)
    return (result, trainer.network)
  }

  private func seconds(since start: ContinuousClock.Instant, _ clock: ContinuousClock) -> Double {
    let d = clock.now - start
    return Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
  }
}

/// Stops training when a monitored metric has not improved for `patience` epochs.
struct EarlyStopper {
  let settings: EarlyStopping
  private var best: Double?
  private var epochsWithoutImprovement = 0

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
