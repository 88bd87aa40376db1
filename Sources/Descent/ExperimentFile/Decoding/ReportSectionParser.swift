import DescentEngine

/// Reads the `report:` section: the metric the report ranks and compares by, the swept settings
/// it compares arms on, the targets it times and the level of its confidence intervals.
///
/// Like `expect:`, the section is read once for the whole experiment, after the sweep and the
/// runs: `compare` must name swept settings, and every metric must be one that some run
/// measures, so that a mistake is reported before training rather than when the report is built.
struct ReportSectionParser {
  var reader = ConfigReader()
  /// The settings the sweep varies, the seed aside: the only ones arms can differ in.
  let sweptKeys: [String]
  /// What the runs train, classifiers (`true`) or regressions (`false`); `nil` when the runs are
  /// not known (the file has other problems), and metrics are not checked against them.
  let tasks: Set<Bool>?
  /// Whether any run holds out a validation set.
  let validated: Bool

  static let keys = ExperimentSchema.report.map(\.name)
  static let targetKeys = ExperimentSchema.target.map(\.name)

  init(sweptKeys: [String], runs: [RunSpec]) {
    self.sweptKeys = sweptKeys
    let configurations = runs.map(\.configuration)
    tasks =
      configurations.isEmpty ? nil : Set(configurations.map(\.training.loss.isClassification))
    validated = configurations.contains { $0.data.validation > 0 }
  }

  /// The options of `node`, the section's value; the defaults for null. Problems are reported
  /// and leave the default of the option at fault.
  ///
  /// - Parameters:
  ///   - location: where the `report` key is written.
  mutating func parse(_ node: YAMLNode, location: InputLocation) -> ReportOptions {
    var options = ReportOptions()
    guard
      let fields = reader.fields(of: node, path: "report", keys: Self.keys, location: location)
    else { return options }
    if let node = fields["metric"], !node.isNull {
      options.metric = metric(node, key: fields.path(of: "metric"))
    }
    if let node = fields["compare"], !node.isNull {
      options.compare = compare(node, key: fields.path(of: "compare"))
    }
    if let node = fields["targets"], !node.isNull {
      options.targets = targets(node, key: fields.path(of: "targets"))
    }
    reader.read(&options.confidence, fields, "confidence", .openUnitInterval)
    return options
  }

  // MARK: Keys

  /// A metric by name that some run measures.
  private mutating func metric(_ node: YAMLNode, key: String) -> RunMetric? {
    guard let metric = reader.choice(node, key: key, RunMetric.self) else { return nil }
    guard let tasks else { return metric }
    if let classification = metric.classification, !tasks.contains(classification) {
      let kind = classification ? "train regression models" : "train classifiers"
      let usable = RunMetric.allCases.filter { $0.classification.map(tasks.contains) ?? true }
      reader.report(
        node, key: key,
        "\(metric.rawValue) does not apply: the runs \(kind); expected one of "
          + usable.map(\.rawValue).joined(separator: ", "))
      return nil
    }
    if metric.needsValidation && !validated {
      reader.report(
        node, key: key,
        "\(metric.rawValue) needs a validation set; set data.validation above 0 or use train_loss")
      return nil
    }
    return metric
  }

  /// `compare: [swept.key, ...]`: each a swept setting, once.
  private mutating func compare(_ node: YAMLNode, key: String) -> [String]? {
    guard
      let items = reader.list(
        node, key: key, expected: "a list of swept settings such as [optimizer.momentum]")
    else { return nil }
    var keys: [String] = []
    for (index, item) in items.enumerated() {
      let itemKey = "\(key).\(index)"
      guard let name = item.scalarText, !item.isNull else {
        reader.mismatch(item, key: itemKey, expected: "a swept setting such as optimizer.momentum")
        continue
      }
      if sweptKeys.contains(name) {
        if keys.contains(name) {
          reader.report(item, key: itemKey, "\(name) is listed twice")
        } else {
          keys.append(name)
        }
      } else if name == "seed" {
        reader.report(
          item, key: itemKey,
          "the seeds pair the runs of the arms, so they cannot be compared on; \(sweptList)")
      } else {
        let remedy = KeySuggestion.nearest(to: name, in: sweptKeys).map {
          "did you mean '\($0)'?"
        }
        reader.report(
          item, key: itemKey,
          "\(name) is not a swept setting, so there are no arms to compare; "
            + (remedy ?? sweptList))
      }
    }
    return keys
  }

  /// How messages name the settings that can be compared on.
  private var sweptList: String {
    sweptKeys.isEmpty
      ? "the file sweeps nothing"
      : "the swept settings are: \(sweptKeys.joined(separator: ", "))"
  }

  /// `targets: [{metric: val_accuracy, value: 0.95}, ...]`, each given once.
  private mutating func targets(_ node: YAMLNode, key: String) -> [ReportOptions.Target] {
    let example = "{metric: val_accuracy, value: 0.95}"
    guard let items = reader.list(node, key: key, expected: "a list of targets such as \(example)")
    else { return [] }
    var targets: [ReportOptions.Target] = []
    var positions: [ReportOptions.Target: Int] = [:]
    for (index, item) in items.enumerated() {
      let itemKey = "\(key).\(index)"
      guard let target = target(item, key: itemKey) else { continue }
      if let first = positions[target] {
        reader.report(item, key: itemKey, "repeats \(key).\(first); remove one")
      } else {
        positions[target] = index
        targets.append(target)
      }
    }
    return targets
  }

  /// One target: a metric some run measures and a value it can take.
  private mutating func target(_ node: YAMLNode, key: String) -> ReportOptions.Target? {
    guard node.entries != nil,
      let fields = reader.fields(of: node, path: key, keys: Self.targetKeys)
    else {
      reader.mismatch(
        node, key: key, expected: "a target such as {metric: val_accuracy, value: 0.95}")
      return nil
    }
    let names = "one of \(RunMetric.allCases.map(\.rawValue).joined(separator: ", "))"
    var measure: RunMetric?
    if let node = reader.require(fields, "metric", expected: names) {
      measure = metric(node, key: fields.path(of: "metric"))
    }
    var value: Double?
    if let node = reader.require(fields, "value", expected: "a number") {
      let rule = measure.map(Self.reachable) ?? .any
      value = reader.number(node, key: fields.path(of: "value"), rule)
    }
    guard let measure, let value else { return nil }
    return ReportOptions.Target(metric: measure, value: value)
  }

  /// The values `metric` can take, so that a target no run could ever reach (an accuracy of 95
  /// meant as a percentage) is reported.
  private static func reachable(_ metric: RunMetric) -> NumberRule {
    switch metric {
    case .valAccuracy: NumberRule(lower: 0, upper: 1, description: "an accuracy in [0, 1]")
    case .valR2: NumberRule(upper: 1, description: "a number <= 1")
    case .trainLoss, .valLoss, .valRMSE: .nonNegative
    }
  }
}
