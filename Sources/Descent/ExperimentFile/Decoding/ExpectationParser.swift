import DescentEngine

/// Reads the `expect:` list.
struct ExpectationParser {
  var reader = ConfigReader()
  /// The keys the sweep sets (`seed` included with a seeds axis), the only keys `where` can
  /// select runs by.
  let sweptKeys: [String]

  static let keys = ExperimentSchema.expectation.map(\.name)

  init(sweptKeys: [String]) {
    self.sweptKeys = sweptKeys
  }

  /// The expectations of `node`, a list (or null for none).
  mutating func parse(_ node: YAMLNode) -> [Expectation] {
    guard !node.isNull else { return [] }
    let example = "{where: {optimizer.momentum: 0.9}, metric: val_accuracy, at_least: 0.9}"
    guard
      let items = reader.list(
        node, key: "expect", expected: "a list of expectations such as \(example)")
    else { return [] }
    return items.enumerated().compactMap { index, item in
      expectation(item, path: "expect.\(index)")
    }
  }

  private mutating func expectation(_ node: YAMLNode, path: String) -> Expectation? {
    guard node.entries != nil, let fields = reader.fields(of: node, path: path, keys: Self.keys)
    else {
      if node.entries == nil {
        reader.mismatch(
          node, key: path,
          expected: "a mapping with metric and at_least, at_most or between, or status: complete")
      }
      return nil
    }
    let count = reader.problems.count
    var atLeast: Double?
    var atMost: Double?
    reader.read(&atLeast, fields, "at_least", .any)
    reader.read(&atMost, fields, "at_most", .any)
    if let atLeast, let atMost, atMost < atLeast, let node = fields["at_most"] {
      reader.mismatch(
        node, key: fields.path(of: "at_most"),
        expected: "a number >= at_least (\(NumberFormat.csv(atLeast)))")
    }
    if let between = between(fields) {
      (atLeast, atMost) = (between.low, between.high)
    }
    let hasBound = ["at_least", "at_most", "between"].contains { fields[$0] != nil }

    var aggregate = Expectation.Aggregate.mean
    reader.read(&aggregate, fields, "aggregate")
    let requiresComplete =
      fields["status"].flatMap { reader.name($0, key: fields.path(of: "status"), in: ["complete"]) }
      != nil

    let metric = self.metric(fields, hasBound: hasBound)
    if let node = fields["metric"], !node.isNull, !hasBound {
      reader.report(fields.location, key: path, "expected at_least, at_most or between, found none")
    }
    let conditions = fields["where"].map { self.conditions($0, path: path + ".where") } ?? []
    guard reader.problems.count == count, metric != nil || requiresComplete else { return nil }
    return Expectation(
      conditions: conditions, metric: metric, aggregate: aggregate, atLeast: atLeast,
      atMost: atMost, requiresComplete: requiresComplete, location: node.location)
  }

  /// The metric, which a bound or an aggregate needs; an expectation without one must ask for
  /// `status: complete`.
  private mutating func metric(_ fields: Fields, hasBound: Bool) -> RunMetric? {
    let names = "one of \(RunMetric.allCases.map(\.rawValue).joined(separator: ", "))"
    if let node = fields["metric"], !node.isNull {
      return reader.choice(node, key: fields.path(of: "metric"), RunMetric.self)
    }
    if hasBound || fields["aggregate"] != nil {
      _ = reader.require(fields, "metric", expected: names)
    } else if fields["status"] == nil {
      reader.report(
        fields.location, key: fields.path,
        "expected a metric with at_least, at_most or between, or status: complete; found neither")
    }
    return nil
  }

  /// `between: [low, high]`, alone: it says what `at_least` and `at_most` would.
  private mutating func between(_ fields: Fields) -> (low: Double, high: Double)? {
    guard let node = fields["between"] else { return nil }
    let key = fields.path(of: "between")
    if fields["at_least"] != nil || fields["at_most"] != nil {
      reader.report(
        fields.keyLocation(of: "between"), key: key,
        "between cannot be combined with at_least or at_most; use between alone")
      return nil
    }
    let bounds = node.items?.compactMap { $0.plainText.flatMap(YAMLScalar.number) }
    guard let bounds, bounds.count == 2, node.items?.count == 2 else {
      reader.mismatch(node, key: key, expected: "a list of two numbers [low, high]")
      return nil
    }
    guard bounds[0] <= bounds[1] else {
      reader.report(
        node, key: key, "expected the lower bound first, found \(node.flowText)")
      return nil
    }
    return (bounds[0], bounds[1])
  }

  /// `where: {swept.key: value, ...}`.
  private mutating func conditions(_ node: YAMLNode, path: String) -> [Expectation.Condition] {
    guard !node.isNull else { return [] }
    guard let entries = node.entries else {
      reader.mismatch(node, key: path, expected: "a mapping of swept keys to values")
      return []
    }
    var conditions: [Expectation.Condition] = []
    for entry in entries {
      let key = path + "." + entry.key
      guard sweptKeys.contains(entry.key) else {
        reportUnswept(entry, key: key)
        continue
      }
      guard entry.value.scalarText != nil else {
        reader.mismatch(entry.value, key: key, expected: "a single value")
        continue
      }
      conditions.append(.init(key: entry.key, value: entry.value.flowText))
    }
    return conditions
  }

  private mutating func reportUnswept(_ entry: YAMLNode.Entry, key: String) {
    guard !sweptKeys.isEmpty else {
      reader.report(entry.keyLocation, key: key, "not a swept key; the file sweeps nothing")
      return
    }
    if let suggestion = KeySuggestion.nearest(to: entry.key, in: sweptKeys) {
      reader.report(entry.keyLocation, key: key, "not a swept key; did you mean '\(suggestion)'?")
    } else {
      reader.report(
        entry.keyLocation, key: key,
        "not a swept key; expected one of \(sweptKeys.joined(separator: ", "))")
    }
  }
}
