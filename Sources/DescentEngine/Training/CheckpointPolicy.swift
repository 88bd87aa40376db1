/// When a run writes a checkpoint (`training.checkpoint`).
///
/// Checkpoints are written at the end of an epoch; when they are written changes no number of
/// the run.
public enum CheckpointPolicy: Sendable, Hashable {
  /// At the end of the first epoch that ends `seconds` or more after the run started or last
  /// wrote one (`checkpoint: true`, the default, waits 30 s: short runs write none).
  case afterSeconds(Double)
  /// At the end of every `n`-th epoch (`checkpoint: {every: n}`).
  case everyEpochs(Int)
  /// Never (`checkpoint: false`).
  case off

  public static let standard = CheckpointPolicy.afterSeconds(30)

  /// Whether a checkpoint is due after `epoch` (counted from 1), `secondsSinceLast` after the
  /// last one.
  package func isDue(afterEpoch epoch: Int, secondsSinceLast: Double) -> Bool {
    switch self {
    case .afterSeconds(let seconds): secondsSinceLast >= seconds
    case .everyEpochs(let n): epoch % n == 0
    case .off: false
    }
  }

  /// The value as `config.yaml` writes it.
  package var resolvedText: String {
    switch self {
    case .afterSeconds: "true"
    case .everyEpochs(let n): "{every: \(n)}"
    case .off: "false"
    }
  }
}
