import DescentEngine
import Foundation

/// What a report ranks by, which arms it compares, and which targets it times.
public struct ReportOptions: Sendable, Hashable {
  /// A value of a metric to reach, such as `val_accuracy` 0.95: the report gives the first epoch
  /// at which each run reached it.
  public struct Target: Sendable, Hashable, CustomStringConvertible {
    public var metric: RunMetric
    public var value: Double

    public init(metric: RunMetric, value: Double) {
      self.metric = metric
      self.value = value
    }

    /// Reads `METRIC=VALUE`, such as `val_accuracy=0.95`; `nil` when the text is not of that
    /// form, the metric is unknown or the value is not a finite number.
    public init?(_ text: String) {
      let parts = text.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
      guard parts.count == 2,
        let metric = RunMetric(rawValue: parts[0].trimmingCharacters(in: .whitespaces)),
        let value = Double(parts[1].trimmingCharacters(in: .whitespaces)), value.isFinite
      else { return nil }
      self.init(metric: metric, value: value)
    }

    /// `val_accuracy=0.95`.
    public var description: String { "\(metric.rawValue)=\(value)" }

    /// The column name in the grouped table: `epochs_to_val_accuracy_0.95`.
    var columnName: String { "epochs_to_\(metric.rawValue)_\(value)" }

    /// How the target reads in prose: `val_accuracy ≥ 0.95`.
    var condition: String { "\(metric.rawValue) \(metric.higherIsBetter ? "≥" : "≤") \(value)" }
  }

  /// The final metric that ranks configurations and that arms are compared on; `nil` ranks by
  /// `val_loss` when the runs were validated and by `train_loss` otherwise.
  public var metric: RunMetric?
  /// The swept settings to compare arms on, seed by seed; `nil` compares on every swept setting
  /// that takes exactly two values (such as `optimizer.momentum: [0.0, 0.9]`), `[]` on none.
  public var compare: [String]?
  /// The targets whose epoch of first reaching the report gives, in this order.
  public var targets: [Target]
  /// The level of the confidence intervals of paired differences.
  public var confidence: Double

  public init(
    metric: RunMetric? = nil, compare: [String]? = nil, targets: [Target] = [],
    confidence: Double = 0.95
  ) {
    precondition(confidence > 0 && confidence < 1, "a confidence level between 0 and 1")
    self.metric = metric
    self.compare = compare
    self.targets = targets
    self.confidence = confidence
  }
}
