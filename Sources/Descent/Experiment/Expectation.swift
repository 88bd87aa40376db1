/// A check on the results of a sweep, from the file's `expect:` list: the runs that match
/// `conditions` must have `metric` at least `atLeast` and at most `atMost`.
///
/// Only the shape is checked when the file loads; how results are aggregated over the matching
/// runs (each run, or the mean over seeds) is decided where expectations are checked.
public struct Expectation: Sendable, Hashable {
  /// One `key: value` of `where`: a swept key and the value it must have.
  public struct Condition: Sendable, Hashable {
    public var key: String
    /// The value as YAML text, compared with `RunSpec.settings` values (numbers by value).
    public var value: String
  }

  public var conditions: [Condition]
  public var metric: RunMetric
  public var atLeast: Double?
  public var atMost: Double?
  /// Where the expectation is written, for the message when it fails.
  public var location: InputLocation

  /// Whether `run` is one of the runs this expectation is about.
  public func matches(_ run: RunSpec) -> Bool {
    conditions.allSatisfy { condition in
      run.settings.contains { $0.key == condition.key && Self.same($0.value, condition.value) }
    }
  }

  /// Whether two values written in YAML are equal: numbers by value (`0.90` is `0.9`), the rest
  /// as text.
  static func same(_ a: String, _ b: String) -> Bool {
    if let x = YAMLScalar.number(a), let y = YAMLScalar.number(b) { return x == y }
    return a == b
  }
}
