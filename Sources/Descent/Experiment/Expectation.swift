import DescentEngine

/// A check on the results of a sweep, from the file's `expect:` list.
///
/// The runs that match `conditions` are grouped by configuration (runs that differ only by
/// seed), and each group is checked on its own: the final value of `metric` in each run,
/// aggregated over the group's seeds, must lie within `atLeast` and `atMost`. With
/// `requiresComplete` (`status: complete`), every matching run must also have trained to the end
/// (neither diverged nor failed). `ExpectationCheck` does the checking, from a results folder's
/// files.
public struct Expectation: Sendable, Hashable {
  /// One `key: value` of `where`: a swept key and the value it must have.
  public struct Condition: Sendable, Hashable {
    public var key: String
    /// The value as YAML text, compared with `RunSpec.settings` values (numbers by value).
    public var value: String

    public init(key: String, value: String) {
      self.key = key
      self.value = value
    }
  }

  /// How the values of a configuration's seeds become the one value that is checked.
  public enum Aggregate: String, Sendable, Hashable, CaseIterable {
    case mean, min, max

    /// The aggregate of `values`, which are not empty.
    func apply(_ values: [Double]) -> Double {
      precondition(!values.isEmpty, "an aggregate of no values")
      switch self {
      case .mean: return values.reduce(0, +) / Double(values.count)
      case .min: return values.min()!
      case .max: return values.max()!
      }
    }
  }

  public var conditions: [Condition]
  /// The metric checked, or `nil` for an expectation that only asks for `status: complete`.
  public var metric: RunMetric?
  public var aggregate: Aggregate
  public var atLeast: Double?
  public var atMost: Double?
  /// Whether every matching run must complete (`status: complete`).
  public var requiresComplete: Bool
  /// Where the expectation is written, for the message when it fails.
  public var location: InputLocation

  public init(
    conditions: [Condition] = [], metric: RunMetric?, aggregate: Aggregate = .mean,
    atLeast: Double? = nil, atMost: Double? = nil, requiresComplete: Bool = false,
    location: InputLocation
  ) {
    self.conditions = conditions
    self.metric = metric
    self.aggregate = aggregate
    self.atLeast = atLeast
    self.atMost = atMost
    self.requiresComplete = requiresComplete
    self.location = location
  }

  /// Whether `run` is one of the runs this expectation is about.
  public func matches(_ run: RunSpec) -> Bool {
    matches(settings: run.settings)
  }

  /// Whether a run with these swept settings (values as written in YAML) is one of the runs
  /// this expectation is about.
  public func matches(settings: [(key: String, value: String)]) -> Bool {
    conditions.allSatisfy { condition in
      settings.contains { $0.key == condition.key && Self.same($0.value, condition.value) }
    }
  }

  /// Whether `value` lies within the bounds; NaN never does.
  public func accepts(_ value: Double) -> Bool {
    guard !value.isNaN else { return false }
    if let atLeast, value < atLeast { return false }
    if let atMost, value > atMost { return false }
    return true
  }

  /// The bounds in words: `at least 0.95`, `at most 0.3`, `between 0.9 and 0.95`.
  public var boundDescription: String {
    switch (atLeast, atMost) {
    case (let low?, let high?):
      "between \(NumberFormat.csv(low)) and \(NumberFormat.csv(high))"
    case (let low?, nil): "at least \(NumberFormat.csv(low))"
    case (nil, let high?): "at most \(NumberFormat.csv(high))"
    case (nil, nil): "any value"
    }
  }

  /// Whether two values written in YAML are equal: numbers by value (`0.90` is `0.9`), the rest
  /// as text.
  static func same(_ a: String, _ b: String) -> Bool {
    if let x = YAMLScalar.number(a), let y = YAMLScalar.number(b) { return x == y }
    return a == b
  }
}
