import DescentEngine
import Foundation

/// Loads one experiment: parses the text, applies `--set` overrides, reads the top level and
/// the sweep, then decodes the configuration of every point of the sweep, collecting every
/// problem on the way.
struct ExperimentLoader {
  let file: String
  let baseDirectory: String
  /// The run limit when the file does not set `sweep.max_runs`.
  let maxRuns: Int
  /// The memory each run must fit in; `nil` for this machine's (`MemoryLimit.current()`).
  let memoryLimit: MemoryLimit?
  private var problems: [Diagnostic] = []
  /// Decodes each run's configuration; set once the run settings are read.
  private var decoder: RunDecoder!
  /// The memory limit in force, read once for every run of the sweep; `nil` when it cannot be
  /// read (a problem says why).
  private var limit: MemoryLimit?

  static let topLevelKeys = ExperimentSchema.top.map(\.name)

  init(file: String, baseDirectory: String, maxRuns: Int, memoryLimit: MemoryLimit? = nil) {
    self.file = file
    self.baseDirectory = baseDirectory
    self.maxRuns = maxRuns
    self.memoryLimit = memoryLimit
  }

  /// The experiment, or `Diagnostics` with every problem found.
  mutating func load(
    _ text: String, overrides: [String], sweeps: [String] = []
  ) throws(Diagnostics) -> Experiment {
    let (parsed, parseProblems) = YAMLParser(file: file).parse(text)
    problems += parseProblems
    guard var root = parsed else { throw sortedProblems() }
    apply(overrides.map(Override.parse) + sweeps.map(Override.sweep), to: &root)
    var reader = ConfigReader()
    let top = reader.fields(
      of: root, path: "", keys: Self.topLevelKeys, location: InputLocation(file: file))
    problems += reader.problems
    guard var top else { throw sortedProblems() }
    // `study: null` is no study, as `sweep: null` is no sweep.
    if top["study"]?.isNull == true { top = top.removing(["study"]) }
    if let memoryLimit {
      limit = memoryLimit
    } else {
      do throws(Diagnostic) {
        limit = try MemoryLimit.current()
      } catch {
        problems.append(error)
      }
    }

    let header = readHeader(top)
    let runTree = YAMLNode.mapping(
      top.entries.filter { ConfigurationDecoder.keys.contains($0.key) }, at: root.location)
    decoder = RunDecoder(
      file: file, baseDirectory: baseDirectory, runTree: runTree, limit: limit)
    if top["study"] != nil {
      return try loadStudy(top, text: text, header: header)
    }
    guard let sweep = readSweep(top, baseSeed: header.seed) else {
      // The file's own settings can still be checked, without the sweep.
      _ = decode(with: [])
      throw sortedProblems()
    }
    try checkRunCount(sweep)
    let runs = expand(sweep: sweep)
    let expectations = readExpectations(top, sweep: sweep, runs: runs)
    let report = readReport(top, sweep: sweep, runs: runs)
    guard problems.isEmpty, let header = header.valid else { throw sortedProblems() }
    return Experiment(
      name: header.name, description: header.description, seed: header.seed, sourceText: text,
      runs: runs, expectations: expectations, report: report)
  }

  /// An experiment with a `study:` section: its runs are the tuning candidates of the first
  /// rung, and the study decides the rest as results come in (`StudyRunner`).
  private mutating func loadStudy(
    _ top: Fields, text: String, header: Header
  ) throws(Diagnostics) -> Experiment {
    for key in ["sweep", "expect", "report"] where top[key] != nil {
      let reason =
        key == "sweep"
        ? "a study makes its own runs; tune under study.tune.space" : "is not available with a study"
      problems.append(top.keyLocation(of: key).diagnostic(key: key, reason))
    }
    var parser = StudyParser(baseSeed: header.seed)
    let study = parser.parse(top["study"]!, location: top.keyLocation(of: "study"))
    problems += parser.reader.problems
    guard let study else {
      _ = decode(with: [])
      throw sortedProblems()
    }
    let limit = min(maxRuns, Experiment.maximumRuns)
    let most = study.arms.reduce(0) { total, arm in
      total + (arm.space.runCount ?? .max / 2).multipliedReportingOverflow(by: study.tuningSeeds.count).partialValue
    }
    if most > limit {
      problems.append(
        top.keyLocation(of: "study").diagnostic(
          key: "study",
          "tunes \(most) runs, more than the limit of \(limit); narrow the spaces or raise --max-runs"))
      throw sortedProblems()
    }
    let factory = StudyRuns(study: study, decoder: decoder)
    var runs: [RunSpec] = []
    switch factory.tuningRuns() {
    case .success(let made): runs = made
    case .failure(let found): problems += found.problems
    }
    if problems.isEmpty, let first = runs.first {
      checkStudy(study, configuration: first.configuration, location: top.keyLocation(of: "study"))
    }
    guard problems.isEmpty, let header = header.valid else { throw sortedProblems() }
    var experiment = Experiment(
      name: header.name, description: header.description, seed: header.seed, sourceText: text,
      runs: runs)
    experiment.study = factory
    return experiment
  }

  /// What the study needs of every run: held-out data for its metric, and epochs enough for
  /// the rungs of halving.
  private mutating func checkStudy(
    _ study: Study, configuration: RunConfiguration, location: InputLocation
  ) {
    if configuration.data.validation == 0 {
      problems.append(
        study.metricLocation.diagnostic(
          key: "study.tune.metric",
          "\(study.metric.rawValue) needs held-out data; set data.validation above 0: settings are chosen on validation data, never on test data"
        ))
    }
    if let halving = study.halving, halving.minEpochs >= configuration.training.epochs {
      problems.append(
        halving.minEpochsLocation.diagnostic(
          key: "study.tune.halving.min_epochs",
          "expected fewer than training.epochs (\(configuration.training.epochs)), found \(halving.minEpochs)"
        ))
    }
  }

  // MARK: Steps

  /// Applies `--set` overrides, then `--sweep` axes, in order; a later one wins.
  private mutating func apply(
    _ overrides: [Result<Override, Diagnostic>], to root: inout YAMLNode
  ) {
    for parsed in overrides {
      switch parsed {
      case .success(let override):
        if let problem = root.set(override.path, to: override.value, keyLocation: override.location)
        {
          problems.append(problem)
        }
      case .failure(let problem):
        problems.append(problem)
      }
    }
  }

  private struct Header {
    var name: String
    var description = ""
    var seed = Experiment.defaultSeed
    var nameIsValid = true

    var valid: Header? { nameIsValid ? self : nil }
  }

  /// `name`, `description` and the base `seed`.
  private mutating func readHeader(_ top: Fields) -> Header {
    var reader = ConfigReader()
    let fileName = URL(fileURLWithPath: file).deletingPathExtension().lastPathComponent
    var header = Header(name: fileName)
    if let node = top["name"] {
      header.name = reader.string(node, key: "name") ?? header.name
      if !Experiment.isSafeFolderName(header.name), node.scalarText != nil {
        reader.report(
          node, key: "name",
          "expected a folder name of letters, digits, '-', '_' and '.', not starting with '.', found \(node.foundDescription)"
        )
      }
    } else if !Experiment.isSafeFolderName(fileName) {
      reader.report(
        top.location, key: "name",
        "the file name \(YAMLScalar.doubleQuoted(fileName)) is not a safe folder name; set name: to letters, digits, '-', '_' and '.'"
      )
    }
    if let node = top["description"], !node.isNull {
      header.description = reader.string(node, key: "description") ?? ""
    }
    if let node = top["seed"] { header.seed = reader.seed(node, key: "seed") ?? header.seed }
    header.nameIsValid = !reader.problems.contains { $0.key == "name" }
    // A bad seed is found again when runs are decoded; the repeat is dropped.
    problems += reader.problems
    return header
  }

  /// The sweep; an empty one without a `sweep` section; `nil` when it has problems.
  private mutating func readSweep(_ top: Fields, baseSeed: UInt64) -> Sweep? {
    let location = top.keyLocation(of: "sweep")
    guard let node = top["sweep"], !node.isNull else { return Sweep(location: location) }
    var parser = SweepParser(baseSeed: baseSeed)
    let sweep = parser.parse(node, location: location)
    problems += parser.reader.problems
    return sweep
  }

  /// Fails before anything is expanded when the sweep has more runs than allowed.
  private mutating func checkRunCount(_ sweep: Sweep) throws(Diagnostics) {
    let limit = min(sweep.maxRuns ?? maxRuns, Experiment.maximumRuns)
    let count = sweep.runCount
    if let count, count <= limit { return }
    let runs =
      count.map { "\($0) runs" }
      ?? "about \(String(format: "%.2g", sweep.approximateRunCount)) runs"
    problems.append(
      sweep.location.diagnostic(
        key: "sweep",
        "expands to \(runs), more than the limit of \(limit); narrow the sweep or raise sweep.max_runs"
      ))
    throw sortedProblems()
  }

  /// Every run of the sweep: each configuration is decoded once, then repeated over the seeds.
  private mutating func expand(sweep: Sweep) -> [RunSpec] {
    var points: [(assignments: [SweepAssignment], seed: UInt64?)] = []
    var configurations: [RunConfiguration] = []
    let seeds: [UInt64?] = sweep.seeds.isEmpty ? [nil] : sweep.seeds
    for assignments in sweep.configurations() {
      guard let configuration = decode(with: assignments) else { continue }
      for seed in seeds {
        var run = configuration
        if let seed {
          run.training.seed = Sweep.runSeed(base: configuration.training.seed, value: seed)
        }
        points.append((assignments, seed))
        configurations.append(run)
      }
    }
    guard problems.isEmpty else { return [] }
    let ids = RunIdentifiers.make(for: points)
    return configurations.indices.map { index in
      let point = points[index]
      var settings = point.assignments.map { (key: $0.key, value: $0.value.flowText) }
      if let seed = point.seed { settings.append((key: "seed", value: "\(seed)")) }
      return RunSpec(
        index: index, id: ids[index], settings: settings, configuration: configurations[index],
        resolvedYAML: ResolvedYAML.render(configurations[index]))
    }
  }

  /// The configuration of the run settings with `assignments` applied; problems are kept.
  private mutating func decode(with assignments: [SweepAssignment]) -> RunConfiguration? {
    let (configuration, found) = decoder.decode(with: assignments)
    problems += found
    return configuration
  }

  private mutating func readExpectations(
    _ top: Fields, sweep: Sweep, runs: [RunSpec]
  ) -> [Expectation] {
    guard let node = top["expect"] else { return [] }
    var parser = ExpectationParser(sweptKeys: sweep.keys + (sweep.seeds.isEmpty ? [] : ["seed"]))
    let expectations = parser.parse(node)
    problems += parser.reader.problems
    for (index, expectation) in expectations.enumerated()
    where !runs.isEmpty && !runs.contains(where: expectation.matches) {
      problems.append(
        expectation.location.diagnostic(key: "expect.\(index).where", "no run of the sweep matches")
      )
    }
    return expectations
  }

  /// The `report:` section; the defaults without one.
  private mutating func readReport(_ top: Fields, sweep: Sweep, runs: [RunSpec]) -> ReportOptions {
    guard let node = top["report"] else { return ReportOptions() }
    var parser = ReportSectionParser(sweptKeys: sweep.keys, runs: runs)
    let options = parser.parse(node, location: top.keyLocation(of: "report"))
    problems += parser.reader.problems
    return options
  }

  /// The problems without repeats (a problem of the file shows in every run of its sweep), those
  /// of `--set` first, then by position in the file.
  private func sortedProblems() -> Diagnostics {
    var seen = Set<Diagnostic>()
    let unique = problems.filter { seen.insert($0).inserted }
    let ordered = unique.enumerated().sorted { a, b in
      let x = a.element
      let y = b.element
      let (xFile, yFile) = (x.file == file ? 1 : 0, y.file == file ? 1 : 0)
      if xFile != yFile { return xFile < yFile }
      if xFile == 1 {
        let xPosition = (x.line ?? 0, x.column ?? 0)
        let yPosition = (y.line ?? 0, y.column ?? 0)
        if xPosition != yPosition { return xPosition < yPosition }
      }
      return a.offset < b.offset
    }
    return Diagnostics(ordered.map(\.element))
  }
}
