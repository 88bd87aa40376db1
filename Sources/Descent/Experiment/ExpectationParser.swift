/// Reads the `expect:` list.
struct ExpectationParser {
  var reader = ConfigReader()
  /// The keys the sweep sets (`seed` included with a seeds axis), the only keys `where` can
  /// select runs by.
  let sweptKeys: [String]

  static let keys = ["where", "metric", "at_least", "at_most"]

  init(sweptKeys: [String]) {
    self.sweptKeys = sweptKeys
  }

  /// The expectations of `node`, a list (or null for none).
  mutating func parse(_ node: SourceNode) -> [Expectation] {
    guard !node.isNull else { return [] }
    let example = "{where: {optimizer.momentum: 0.9}, metric: val_accuracy, at_least: 0.9}"
    guard
      let items = reader.list(
        node, key: "expect", expected: "a list of expectations such as \(example)")
    else { return [] }
    return items.enumerated().compactMap { index, item in expectation(item, path: "expect.\(index)")
    }
  }

  private mutating func expectation(_ node: SourceNode, path: String) -> Expectation? {
    guard node.entries != nil, let fields = reader.fields(of: node, path: path, keys: Self.keys)
    else {
      if node.entries == nil {
        reader.mismatch(node, key: path, expected: "a mapping with metric and at_least or at_most")
      }
      return nil
    }
    let count = reader.problems.count
    let metricNode = reader.require(
      fields, "metric",
      expected: "one of \(RunMetric.allCases.map(\.rawValue).joined(separator: ", "))")
    let metric = metricNode.flatMap { reader.choice($0, key: path + ".metric", RunMetric.self) }
    var atLeast: Double?
    var atMost: Double?
    reader.read(&atLeast, fields, "at_least", .any)
    reader.read(&atMost, fields, "at_most", .any)
    if fields["at_least"] == nil, fields["at_most"] == nil {
      reader.report(fields.location, key: path, "expected at_least or at_most, found neither")
    }
    let conditions = fields["where"].map { self.conditions($0, path: path + ".where") } ?? []
    guard let metric, reader.problems.count == count else { return nil }
    return Expectation(
      conditions: conditions, metric: metric, atLeast: atLeast, atMost: atMost,
      location: node.location)
  }

  /// `where: {swept.key: value, ...}`.
  private mutating func conditions(_ node: SourceNode, path: String) -> [Expectation.Condition] {
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

  private mutating func reportUnswept(_ entry: SourceNode.Entry, key: String) {
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
