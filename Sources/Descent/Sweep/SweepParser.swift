import Foundation

/// Reads the `sweep` section into a `Sweep`, reporting every problem with it.
///
/// Only the shape of the sweep is checked here. Each swept value is checked later exactly like
/// a value of the file, when it is put into its run's configuration.
struct SweepParser {
  var reader = ConfigReader()
  /// The base seed, the default seed of the random draws.
  let baseSeed: UInt64
  /// Where the section is in the file: `sweep`, or a study's `study.tune.space`.
  var path = "sweep"

  static let keys = ExperimentSchema.sweep.map(\.name)
  static let randomKeys = ExperimentSchema.random.map(\.name)
  static let distributions = ["uniform", "log_uniform", "int", "choice"]
  /// The top-level keys a sweep cannot set: they name or describe the experiment as a whole.
  static let fixedKeys = ["name", "description", "sweep", "expect"]

  init(baseSeed: UInt64, path: String = "sweep") {
    self.baseSeed = baseSeed
    self.path = path
  }

  /// The sweep of `node`, written at `location`; `nil` when it has problems (reported).
  mutating func parse(_ node: YAMLNode, location: InputLocation) -> Sweep? {
    let count = reader.problems.count
    guard let fields = reader.fields(of: node, path: path, keys: Self.keys, location: location)
    else { return nil }
    var sweep = Sweep(location: location)
    if let grid = fields["grid"] { sweep.grid = axes(grid, path: "\(path).grid") }
    if let zip = fields["zip"] { sweep.zip = zipAxes(zip) }
    if let random = fields["random"], !random.isNull {
      sweep.random = randomSearch(random, location: fields.keyLocation(of: "random"))
    }
    if let seeds = fields["seeds"] { sweep.seeds = seedList(seeds) }
    reader.read(
      &sweep.maxRuns, fields, "max_runs", IntegerRule(minimum: 1, maximum: Experiment.maximumRuns))
    checkDistinctKeys(sweep)
    return reader.problems.count == count ? sweep : nil
  }

  /// The keys of `grid` or `zip`, each with its non-empty list of values.
  private mutating func axes(_ node: YAMLNode, path: String) -> [SweepAxis] {
    guard !node.isNull else { return [] }
    guard let entries = node.entries else {
      reader.mismatch(node, key: path, expected: "a mapping of dotted keys to lists of values")
      return []
    }
    return entries.compactMap { entry in
      let key = path + "." + entry.key
      guard checkKey(entry, path: key) else { return nil }
      if let scale = entry.value.entries, scale.count == 1, Self.logGrids.contains(scale[0].key) {
        guard let values = logGrid(scale[0], key: key) else { return nil }
        return SweepAxis(key: entry.key, keyLocation: entry.keyLocation, values: values)
      }
      guard let values = entry.value.items, !values.isEmpty else {
        reader.mismatch(entry.value, key: key, expected: "a non-empty list of values")
        return nil
      }
      return SweepAxis(key: entry.key, keyLocation: entry.keyLocation, values: values)
    }
  }

  /// A grid axis written as powers: `{log2: [-6, -2]}` is 2^-6, 2^-5, ..., 2^-2.
  static let logGrids = ["log2", "log10"]

  /// The values of `{log2: [low, high]}` or `{log10: [low, high]}`, integers with
  /// `low <= high`, at most 100 values; each value is located at the list.
  private mutating func logGrid(_ entry: YAMLNode.Entry, key: String) -> [YAMLNode]? {
    let path = key + "." + entry.key
    guard let (lowNode, highNode) = pair(entry.value, key: path, of: "integer exponents"),
      let low = reader.integer(lowNode, key: path + ".0", IntegerRule(minimum: -300, maximum: 300)),
      let high = reader.integer(highNode, key: path + ".1", IntegerRule(minimum: -300, maximum: 300))
    else { return nil }
    guard low <= high, high - low < 100 else {
      reader.report(
        entry.value, key: path,
        "expected [low, high] with low <= high and at most 100 values, found \(entry.value.flowText)")
      return nil
    }
    let base = entry.key == "log2" ? 2.0 : 10.0
    return (low...high).map { exponent in
      .scalar(YAMLScalar.format(Foundation.pow(base, Double(exponent))), at: entry.value.location)
    }
  }

  /// `zip`'s axes, which must all have as many values as the first.
  private mutating func zipAxes(_ node: YAMLNode) -> [SweepAxis] {
    let axes = axes(node, path: "\(path).zip")
    guard let first = axes.first else { return [] }
    for axis in axes.dropFirst() where axis.values.count != first.values.count {
      reader.report(
        axis.keyLocation, key: "\(path).zip." + axis.key,
        "expected \(first.values.count) values like \(path).zip.\(first.key), found \(axis.values.count)"
      )
    }
    return axes
  }

  /// Whether a swept key can be swept: a dotted key of a run's setting.
  private mutating func checkKey(_ entry: YAMLNode.Entry, path: String) -> Bool {
    let settingPath = SettingPath(dotted: entry.key)
    guard settingPath.isWellFormed else {
      reader.report(entry.keyLocation, key: path, "expected a dotted key such as optimizer.lr")
      return false
    }
    if let first = settingPath.components.first, Self.fixedKeys.contains(first) {
      reader.report(
        entry.keyLocation, key: path,
        "\(first) cannot be swept; sweep settings under \(ConfigurationDecoder.keys.joined(separator: ", "))"
      )
      return false
    }
    return true
  }

  /// `random: {samples, seed, space}`.
  private mutating func randomSearch(_ node: YAMLNode, location: InputLocation) -> RandomSearch? {
    guard
      let fields = reader.fields(
        of: node, path: "\(path).random", keys: Self.randomKeys, location: location)
    else { return nil }
    let samples = reader.require(fields, "samples", expected: "an integer >= 1").flatMap {
      reader.integer($0, key: "\(path).random.samples", .positive)
    }
    var seed = baseSeed
    if let node = fields["seed"] { seed = reader.seed(node, key: "\(path).random.seed") ?? seed }
    let spaceNode = reader.require(
      fields, "space", expected: "a mapping of dotted keys to distributions")
    var space: [RandomSearch.Dimension] = []
    if let spaceNode { space = dimensions(spaceNode) }
    var sequence = RandomSearch.Sequence.random
    reader.read(&sequence, fields, "sequence")
    if sequence == .halton, space.count > RandomSearch.haltonBases.count {
      reader.report(
        fields.keyLocation(of: "space"), key: "\(path).random.space",
        "the Halton sequence takes at most \(RandomSearch.haltonBases.count) keys, found \(space.count)")
      return nil
    }
    guard let samples, !space.isEmpty else { return nil }
    return RandomSearch(samples: samples, seed: seed, space: space, sequence: sequence)
  }

  /// The keys of `space`, each with its distribution.
  private mutating func dimensions(_ node: YAMLNode) -> [RandomSearch.Dimension] {
    let spacePath = "\(path).random.space"
    guard let entries = node.entries, !entries.isEmpty else {
      reader.mismatch(node, key: spacePath, expected: "a mapping of dotted keys to distributions")
      return []
    }
    return entries.compactMap { entry in
      let key = spacePath + "." + entry.key
      guard checkKey(entry, path: key), let distribution = distribution(entry.value, key: key)
      else { return nil }
      return .init(
        key: entry.key, keyLocation: entry.keyLocation, distribution: distribution,
        location: entry.value.location)
    }
  }

  /// `{uniform: [a, b]}`, `{log_uniform: [a, b]}`, `{int: [a, b]}` or `{choice: [...]}`.
  private mutating func distribution(_ node: YAMLNode, key: String) -> Distribution? {
    let expected = "one of {uniform: [a, b]}, {log_uniform: [a, b]}, {int: [a, b]}, {choice: [...]}"
    guard let entries = node.entries, entries.count == 1, let entry = entries.first else {
      reader.mismatch(node, key: key, expected: expected)
      return nil
    }
    let nameNode = YAMLNode.scalar(entry.key, at: entry.keyLocation)
    guard let name = reader.name(nameNode, key: key, in: Self.distributions) else { return nil }
    let path = key + "." + name
    switch name {
    case "choice":
      guard let values = entry.value.items, !values.isEmpty else {
        reader.mismatch(entry.value, key: path, expected: "a non-empty list of values")
        return nil
      }
      return .choice(values)
    case "int":
      return integerRange(entry.value, key: path)
    default:
      let logarithmic = name == "log_uniform"
      guard
        let (low, high) = numberRange(
          entry.value, key: path, logarithmic ? .positive : .any,
          kind: logarithmic ? "positive numbers" : "numbers")
      else { return nil }
      return name == "log_uniform" ? .logUniform(low, high) : .uniform(low, high)
    }
  }

  /// `[low, high]` with `low < high`, both following `rule`.
  private mutating func numberRange(
    _ node: YAMLNode, key: String, _ rule: NumberRule, kind: String
  ) -> (Double, Double)? {
    guard let (lowNode, highNode) = pair(node, key: key, of: kind),
      let low = reader.number(lowNode, key: key + ".0", rule),
      let high = reader.number(highNode, key: key + ".1", rule)
    else { return nil }
    guard low < high else {
      reader.report(node, key: key, "expected [low, high] with low < high, found \(node.flowText)")
      return nil
    }
    return (low, high)
  }

  /// `[low, high]` of integers with `low <= high`.
  private mutating func integerRange(_ node: YAMLNode, key: String) -> Distribution? {
    guard let (lowNode, highNode) = pair(node, key: key, of: "integers"),
      let low = reader.integer(lowNode, key: key + ".0", .any),
      let high = reader.integer(highNode, key: key + ".1", .any)
    else { return nil }
    guard low <= high, !high.subtractingReportingOverflow(low).overflow, high - low < .max else {
      reader.report(node, key: key, "expected [low, high] with low <= high, found \(node.flowText)")
      return nil
    }
    return .integer(low, high)
  }

  /// The two items of a `[low, high]` list.
  private mutating func pair(
    _ node: YAMLNode, key: String, of kind: String
  ) -> (YAMLNode, YAMLNode)? {
    guard let items = node.items, items.count == 2 else {
      reader.mismatch(node, key: key, expected: "a list of two \(kind) [low, high]")
      return nil
    }
    return (items[0], items[1])
  }

  /// `seeds: [1, 2, 3]`: distinct integers >= 0.
  private mutating func seedList(_ node: YAMLNode) -> [UInt64] {
    guard !node.isNull else { return [] }
    guard let items = node.items, !items.isEmpty else {
      reader.mismatch(
        node, key: "\(path).seeds", expected: "a non-empty list of seeds such as [1, 2, 3]")
      return []
    }
    var seeds: [UInt64] = []
    for (index, item) in items.enumerated() {
      let key = "\(path).seeds.\(index)"
      guard let seed = reader.seed(item, key: key) else { continue }
      if seeds.contains(seed) {
        reader.report(item, key: key, "duplicate seed \(seed)")
      } else {
        seeds.append(seed)
      }
    }
    return seeds
  }

  /// A key may be swept by one axis only.
  private mutating func checkDistinctKeys(_ sweep: Sweep) {
    var owners: [String: String] = [:]
    let axes =
      sweep.grid.map { ($0.key, $0.keyLocation, "\(path).grid") }
      + sweep.zip.map { ($0.key, $0.keyLocation, "\(path).zip") }
      + (sweep.random?.space.map { ($0.key, $0.keyLocation, "\(path).random.space") } ?? [])
    for (key, location, owner) in axes {
      if let first = owners[key] {
        reader.report(location, key: owner + "." + key, "already swept by \(first)")
      } else {
        owners[key] = owner
      }
    }
  }
}
