import DescentEngine

/// Reads the `study:` section into a `Study`, reporting every problem with it where it is
/// written. Each arm's settings and each tuning value are checked later like any value of the
/// file, when they are put into a run's configuration.
struct StudyParser {
  var reader = ConfigReader()
  let baseSeed: UInt64

  static let keys = ExperimentSchema.study.map(\.name)
  static let armKeys = ["set", "space"]
  static let tuneKeys = ExperimentSchema.keys(of: "tune", in: ExperimentSchema.study).map(\.name)
  static let halvingKeys = ExperimentSchema.keys(
    of: "halving", in: ExperimentSchema.keys(of: "tune", in: ExperimentSchema.study)
  ).map(\.name)
  static let confirmKeys = ExperimentSchema.keys(of: "confirm", in: ExperimentSchema.study).map(
    \.name)
  static let targetKeys = ExperimentSchema.target.map(\.name)
  /// Settings the study decides for every arm alike: the budget and the seeds.
  static let budgetKeys = ["training.epochs", "training.seed"]
  static let validationMetrics: [RunMetric] = [.valLoss, .valAccuracy, .valRMSE, .valR2]

  /// The study of `node`, written at `location`; `nil` when it has problems (reported).
  mutating func parse(_ node: YAMLNode, location: InputLocation) -> Study? {
    let count = reader.problems.count
    guard let fields = reader.fields(of: node, path: "study", keys: Self.keys, location: location)
    else { return nil }
    let tune = reader.require(fields, "tune", expected: "a mapping with keys space, seeds, metric")
      .flatMap {
        reader.fields(
          of: $0, path: "study.tune", keys: Self.tuneKeys,
          location: fields.keyLocation(of: "tune"))
      }
    var space: Sweep?
    if let tune, let spaceNode = reader.require(tune, "space", expected: "a mapping with grid, zip or random") {
      space = self.space(spaceNode, path: "study.tune.space", location: tune.keyLocation(of: "space"))
    }
    let arms = reader.require(fields, "arms", expected: "a mapping of arm names to settings")
      .flatMap { self.arms($0, space: space) } ?? []

    var study = Study(
      arms: arms, baseline: 0, tuningSeeds: [1], metric: .valLoss, extend: 2, halving: nil,
      confirmationSeeds: [], target: nil,
      metricLocation: tune.map { $0["metric"]?.location ?? $0.location } ?? location)
    if let node = fields["baseline"], let name = reader.string(node, key: "study.baseline") {
      if let position = arms.firstIndex(where: { $0.name == name }) {
        study.baseline = position
      } else if !arms.isEmpty {
        reader.mismatch(
          node, key: "study.baseline",
          expected: "one of the arms \(arms.map(\.name).joined(separator: ", "))")
      }
    }
    if let tune {
      if let node = tune["seeds"] { study.tuningSeeds = seeds(node, key: "study.tune.seeds") }
      if let node = tune["metric"] {
        let names = Self.validationMetrics.map(\.rawValue)
        if let name = reader.name(node, key: "study.tune.metric", in: names) {
          study.metric = RunMetric(rawValue: name)!
        }
      }
      reader.read(&study.extend, tune, "extend", IntegerRule(minimum: 0, maximum: 100))
      if let node = tune["halving"], !node.isNull { study.halving = halving(node, tune) }
    }
    study.confirmationSeeds = confirmationSeeds(fields, tuning: study.tuningSeeds)
    if let node = fields["target"], !node.isNull { study.target = target(node) }
    checkBudgets(study.arms)
    if let tune, study.extend > 0 {
      checkExtensible(study.arms, location: tune["extend"]?.location ?? tune.location)
    }
    return reader.problems.count == count ? study : nil
  }

  /// A sweep-like search space at `path`: grid, zip and random, no seeds.
  private mutating func space(_ node: YAMLNode, path: String, location: InputLocation) -> Sweep? {
    var parser = SweepParser(baseSeed: baseSeed, path: path)
    parser.reader = reader
    let sweep = parser.parse(node, location: location)
    reader = parser.reader
    guard let sweep else { return nil }
    if !sweep.seeds.isEmpty || sweep.maxRuns != nil {
      reader.report(
        location, key: path,
        "a study's space has no seeds or max_runs; tuning seeds are study.tune.seeds")
      return nil
    }
    for key in sweep.keys {
      guard let budget = Self.budgetKey(under: key) else { continue }
      reader.report(
        location, key: path + "." + key,
        "the study gives every arm the same \(budget); it cannot be tuned")
    }
    if sweep.runCount == 1 && sweep.keys.isEmpty {
      reader.report(location, key: path, "expected at least one setting to tune")
      return nil
    }
    return sweep
  }

  /// `arms:`: each `name: {key: value}` or `name: {set: {...}, space: {...}}`.
  private mutating func arms(_ node: YAMLNode, space: Sweep?) -> [Study.Arm]? {
    guard let entries = node.entries, !entries.isEmpty else {
      reader.mismatch(node, key: "study.arms", expected: "a mapping of arm names to settings")
      return nil
    }
    var arms: [Study.Arm] = []
    var names = Set<String>()
    for entry in entries {
      let path = "study.arms." + entry.key
      // Run ids hold the name, and some file systems ignore case.
      guard names.insert(entry.key.lowercased()).inserted else {
        reader.report(
          entry.keyLocation, key: path, "another arm has this name, ignoring case")
        continue
      }
      if !Experiment.isSafeFolderName(entry.key) {
        reader.report(
          entry.keyLocation, key: path,
          "an arm's name is part of run ids: letters, digits, '-', '_' and '.'")
        continue
      }
      guard let items = entry.value.entries else {
        reader.mismatch(
          entry.value, key: path, expected: "a mapping of dotted keys to values, or {set, space}")
        continue
      }
      var settingsNode = entry.value
      var armSpace = space
      if items.contains(where: { Self.armKeys.contains($0.key) }) {
        guard
          let fields = reader.fields(
            of: entry.value, path: path, keys: Self.armKeys, location: entry.keyLocation)
        else { continue }
        settingsNode = fields["set"] ?? .mapping([], at: entry.value.location)
        if let node = fields["space"] {
          armSpace = self.space(node, path: path + ".space", location: fields.keyLocation(of: "space"))
        }
      }
      guard let settings = armSettings(settingsNode, path: settingsNode == entry.value ? path : path + ".set")
      else { continue }
      guard let armSpace else {
        if space == nil && !reader.problems.contains(where: { $0.key?.hasPrefix("study.tune") == true }) {
          reader.report(entry.keyLocation, key: path, "has no space to tune; set study.tune.space")
        }
        continue
      }
      let swept = Set(armSpace.keys)
      for setting in settings where swept.contains(setting.key) {
        reader.report(
          setting.keyLocation, key: path + "." + setting.key,
          "is also tuned by the space; an arm fixes a setting or tunes it, not both")
      }
      arms.append(
        Study.Arm(name: entry.key, location: entry.keyLocation, settings: settings, space: armSpace))
    }
    if entries.count < 2 {
      reader.report(node, key: "study.arms", "expected at least two arms to compare")
    }
    return arms
  }

  /// An arm's fixed settings: dotted keys with one value each.
  private mutating func armSettings(_ node: YAMLNode, path: String) -> [SweepAssignment]? {
    guard let entries = node.entries else {
      reader.mismatch(node, key: path, expected: "a mapping of dotted keys to values")
      return nil
    }
    var settings: [SweepAssignment] = []
    for entry in entries {
      let key = path + "." + entry.key
      let settingPath = SettingPath(dotted: entry.key)
      guard settingPath.isWellFormed, let first = settingPath.components.first,
        ConfigurationDecoder.keys.contains(first)
      else {
        reader.report(
          entry.keyLocation, key: key,
          "expected a dotted key of a run's setting, such as optimizer.momentum")
        continue
      }
      if let budget = Self.budgetKey(under: entry.key) {
        reader.report(
          entry.keyLocation, key: key,
          "the study gives every arm the same \(budget); an arm cannot set it")
        continue
      }
      settings.append(
        SweepAssignment(
          key: entry.key, keyLocation: entry.keyLocation, value: entry.value, position: 0))
    }
    return settings
  }

  /// Distinct seeds, a non-empty list.
  private mutating func seeds(_ node: YAMLNode, key: String) -> [UInt64] {
    guard let items = node.items, !items.isEmpty else {
      reader.mismatch(node, key: key, expected: "a non-empty list of seeds such as [1, 2, 3]")
      return []
    }
    var seeds: [UInt64] = []
    for (index, item) in items.enumerated() {
      guard let seed = reader.seed(item, key: "\(key).\(index)") else { continue }
      if seeds.contains(seed) {
        reader.report(item, key: "\(key).\(index)", "duplicate seed \(seed)")
      } else {
        seeds.append(seed)
      }
    }
    return seeds
  }

  /// `halving: {eta, min_epochs}`.
  private mutating func halving(_ node: YAMLNode, _ tune: Fields) -> Study.Halving? {
    guard
      let fields = reader.fields(
        of: node, path: "study.tune.halving", keys: Self.halvingKeys,
        location: tune.keyLocation(of: "halving"))
    else { return nil }
    var halving = Study.Halving(
      eta: 3, minEpochs: 1,
      minEpochsLocation: fields["min_epochs"]?.location ?? tune.keyLocation(of: "halving"))
    reader.read(&halving.eta, fields, "eta", IntegerRule(minimum: 2, maximum: 100))
    reader.read(&halving.minEpochs, fields, "min_epochs", IntegerRule(minimum: 1, maximum: 1_000_000))
    return halving
  }

  /// `confirm: {seeds: N | [...]}`: 10 seeds after the largest tuning seed by default.
  private mutating func confirmationSeeds(_ fields: Fields, tuning: [UInt64]) -> [UInt64] {
    func after(_ count: Int) -> [UInt64] {
      let first = (tuning.max() ?? 0) &+ 1
      return (0..<UInt64(count)).map { first &+ $0 }
    }
    guard let node = fields["confirm"], !node.isNull else { return after(10) }
    guard
      let confirm = reader.fields(
        of: node, path: "study.confirm", keys: Self.confirmKeys,
        location: fields.keyLocation(of: "confirm")),
      let seedsNode = confirm["seeds"]
    else { return after(10) }
    if seedsNode.items != nil {
      let seeds = self.seeds(seedsNode, key: "study.confirm.seeds")
      for (index, seed) in seeds.enumerated() where tuning.contains(seed) {
        reader.report(
          seedsNode.items![index], key: "study.confirm.seeds.\(index)",
          "seed \(seed) is a tuning seed; confirmation runs on fresh seeds")
      }
      return seeds
    }
    guard
      let count = reader.integer(
        seedsNode, key: "study.confirm.seeds", IntegerRule(minimum: 2, maximum: 1000))
    else { return [] }
    return after(count)
  }

  /// `target: {metric, value}`.
  private mutating func target(_ node: YAMLNode) -> ReportOptions.Target? {
    guard let fields = reader.fields(of: node, path: "study.target", keys: Self.targetKeys),
      let metricNode = reader.require(fields, "metric", expected: "a validation metric"),
      let valueNode = reader.require(fields, "value", expected: "a number")
    else { return nil }
    guard
      let name = reader.name(
        metricNode, key: "study.target.metric", in: Self.validationMetrics.map(\.rawValue)),
      let value = reader.number(valueNode, key: "study.target.value", .any)
    else { return nil }
    return ReportOptions.Target(metric: RunMetric(rawValue: name)!, value: value)
  }

  /// The budget key `key` sets, itself or a mapping above it (`training`); `nil` for others.
  static func budgetKey(under key: String) -> String? {
    budgetKeys.first { $0 == key || $0.hasPrefix(key + ".") }
  }

  /// Edge extension needs, in every arm, a grid axis of two numbers or more to extend or refine,
  /// or the arms would spend different budgets.
  private mutating func checkExtensible(_ arms: [Study.Arm], location: InputLocation) {
    for arm in arms {
      let numeric = arm.space.grid.contains { axis in
        axis.values.count >= 2
          && axis.values.allSatisfy { $0.plainText.flatMap(YAMLScalar.number) != nil }
      }
      if !numeric {
        reader.report(
          location, key: "study.tune.extend",
          "arm \(arm.name) has no grid axis of two numbers or more to extend; set extend: 0")
      }
    }
  }

  /// Every arm tunes as many candidates: the same budget.
  private mutating func checkBudgets(_ arms: [Study.Arm]) {
    guard let first = arms.first, let size = first.space.runCount else { return }
    for arm in arms.dropFirst() where arm.space.runCount != size {
      reader.report(
        arm.location, key: "study.arms." + arm.name,
        "tunes \(arm.space.runCount.map { "\($0) candidate\($0 == 1 ? "" : "s")" } ?? "too many candidates") and \(first.name) \(size); every arm gets the same budget"
      )
    }
  }
}
