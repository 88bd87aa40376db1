import DescentEngine

/// How a run ended.
public enum RunStatus: String, Sendable, Hashable, Codable {
  /// Trained every epoch, or stopped early as the file asked.
  case complete
  /// The loss or a gradient turned NaN or infinite; training stopped there.
  case diverged
  /// The run could not train, for a reason given in its result.
  case failed
  /// Successive halving stopped the run at a rung: its curve ends at the rung's epoch, and the
  /// settings that went on did better there.
  case halted
  /// Trained as far as it was asked to go for now (a rung of successive halving), with a
  /// checkpoint to go on from; never written as a result.
  case paused
}

/// The measurements of one epoch: one row of `curve.csv`.
public struct EpochRecord: Sendable, Hashable, Codable {
  public var epoch: Int
  /// Optimizer steps taken since the start of training.
  public var step: Int
  public var learningRate: Double
  /// The momentum (Adam's beta1) at the epoch's last step; `nil` for an optimizer without one.
  public var momentum: Double?
  public var trainingLoss: Double
  /// Loss and metrics on the held-out part; `nil` without one, or after divergence.
  public var validation: Evaluation?
  public var gradientNorm: Double
  /// Wall time since the run started.
  public var seconds: Double
}

/// Everything a finished run reports.
public struct RunResult: Sendable, Codable {
  public var index: Int
  public var id: String
  public var configHash: String
  public var status: RunStatus
  /// Why a failed run failed.
  public var message: String?
  public var stoppedEarly: Bool
  public var curve: [EpochRecord]
  /// Metrics on a separate test set, when the data has one.
  public var test: Evaluation?
  public var seconds: Double
  /// Training examples processed per second of wall time.
  public var samplesPerSecond: Double
  /// The version of Descent that computed the run; absent in results of versions before 0.2.0.
  public var descentVersion: String?
  /// The fingerprint of the arithmetic that computed the run (`EngineIdentity`).
  public var engine: String?

  /// Records `identity` as what computed the run.
  public mutating func record(_ identity: EngineIdentity) {
    descentVersion = identity.version
    engine = identity.engine
  }

  /// What computed the run, when the result records it.
  public var computedBy: EngineIdentity? {
    guard let descentVersion, let engine else { return nil }
    return EngineIdentity(version: descentVersion, engine: engine)
  }

  /// The last epoch's record.
  public var final: EpochRecord? { curve.last }

  /// The epoch with the lowest validation loss (the lowest training loss without validation).
  public var best: EpochRecord? {
    curve.filter { ($0.validation?.loss ?? $0.trainingLoss).isFinite }
      .min { ($0.validation?.loss ?? $0.trainingLoss) < ($1.validation?.loss ?? $1.trainingLoss) }
  }
}

