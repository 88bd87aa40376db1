import DescentEngine
import Foundation

/// `manifest.json`: what the results folder holds, run by run, and what the experiment expects
/// of it.
///
/// Everything that is computed after training (`summary.csv`, the expectations, merging shards)
/// is computed from this file and the runs' `result.json`, never from the experiment in
/// memory, so `descent run`, `descent merge` and `descent check` agree. Fields added after the
/// first version are optional, so folders written before them still read.
struct Manifest: Codable, Sendable {
  struct Setting: Codable, Sendable, Hashable {
    var key: String
    var value: String
  }

  struct Run: Codable, Sendable {
    var index: Int
    var id: String
    var settings: [Setting]
    var seed: UInt64
    /// `complete`, `diverged`, `failed`, or `pending` for a run not finished yet (or trained by
    /// another shard).
    var status: String
    var configHash: String
    var epochs: Int?
    /// `classification` or `regression`, from the run's loss; absent in older folders.
    var task: String?

    /// Whether the run trains a classifier; older folders, which do not say, are taken as
    /// classification.
    var isClassification: Bool { task != Task.regression }

    /// The swept settings as `RunSpec.settings` gives them.
    var settingPairs: [(key: String, value: String)] { settings.map { ($0.key, $0.value) } }

    /// The value of the seeds axis (the `seed` setting), or the run's own seed without one: how
    /// the run is named among the seeds of its configuration.
    var seedLabel: String { settings.first { $0.key == "seed" }?.value ?? "\(seed)" }
  }

  /// The values of `Run.task`.
  enum Task {
    static let classification = "classification"
    static let regression = "regression"
  }

  /// One item of the experiment's `expect:` list, as `Expectation` holds it.
  struct Check: Codable, Sendable, Hashable {
    /// The `where` conditions, in file order.
    var `where`: [Setting]
    var metric: String?
    /// `mean`, `min` or `max`, with a metric.
    var aggregate: String?
    var atLeast: Double?
    var atMost: Double?
    /// `complete` when the file asks every matching run to complete.
    var status: String?
    /// Where the expectation is written: the file as named on the command line, line, column.
    var file: String
    var line: Int?
    var column: Int?

    init(_ expectation: Expectation) {
      `where` = expectation.conditions.map { Setting(key: $0.key, value: $0.value) }
      metric = expectation.metric?.rawValue
      aggregate = expectation.metric == nil ? nil : expectation.aggregate.rawValue
      atLeast = expectation.atLeast
      atMost = expectation.atMost
      status = expectation.requiresComplete ? RunStatus.complete.rawValue : nil
      file = expectation.location.file
      line = expectation.location.line
      column = expectation.location.column
    }

    /// The expectation this entry records, or `nil` when a name in it is not one this version
    /// of Descent knows.
    var expectation: Expectation? {
      var metric: RunMetric?
      if let name = self.metric {
        guard let known = RunMetric(rawValue: name) else { return nil }
        metric = known
      }
      guard let aggregate = Expectation.Aggregate(rawValue: aggregate ?? "mean") else { return nil }
      return Expectation(
        conditions: `where`.map { Expectation.Condition(key: $0.key, value: $0.value) },
        metric: metric, aggregate: aggregate, atLeast: atLeast, atMost: atMost,
        requiresComplete: status == RunStatus.complete.rawValue,
        location: InputLocation(file: file, line: line, column: column))
    }
  }

  /// The experiment's `report:` section, as `ReportOptions` holds it, so that the report can be
  /// rebuilt from the folder alone.
  struct ReportSection: Codable, Sendable, Hashable {
    struct Target: Codable, Sendable, Hashable {
      var metric: String
      var value: Double
    }

    /// Absent: the report's default metric.
    var metric: String?
    /// Absent: every swept setting with exactly two values; empty: none.
    var compare: [String]?
    var targets: [Target]
    var confidence: Double

    init(_ options: ReportOptions) {
      metric = options.metric?.rawValue
      compare = options.compare
      targets = options.targets.map { Target(metric: $0.metric.rawValue, value: $0.value) }
      confidence = options.confidence
    }

    /// The options this entry records.
    ///
    /// - Parameters:
    ///   - file: the manifest's path, for messages.
    /// - Throws: `Diagnostic` when a metric is not one this version of Descent knows or the
    ///   confidence level is not in (0, 1): the report cannot be built as the file asked.
    func options(file: String) throws -> ReportOptions {
      func known(_ name: String, key: String) throws -> RunMetric {
        guard let metric = RunMetric(rawValue: name) else {
          let names = RunMetric.allCases.map(\.rawValue).joined(separator: ", ")
          throw Diagnostic(
            file: file, key: key,
            message: "expected one of \(names), found \(YAMLScalar.doubleQuoted(name))")
        }
        return metric
      }
      guard confidence > 0 && confidence < 1 else {
        throw Diagnostic(
          file: file, key: "report.confidence",
          message: "expected a number in (0, 1), found \(NumberFormat.csv(confidence))")
      }
      return ReportOptions(
        metric: try metric.map { try known($0, key: "report.metric") }, compare: compare,
        targets: try targets.enumerated().map { index, target in
          ReportOptions.Target(
            metric: try known(target.metric, key: "report.targets.\(index).metric"),
            value: target.value)
        },
        confidence: confidence)
    }
  }

  var experiment: String
  var descentVersion: String
  /// The fingerprint of the arithmetic of the build that wrote the folder (`EngineIdentity`);
  /// absent in folders of versions before 0.2.0.
  var engine: String?
  /// `K/N` when the folder holds one shard of the sweep (`--shard K/N`); absent otherwise.
  var shard: String?
  /// The grid axes given on the command line (`--sweep`), which a resumed run or another shard
  /// must give the same; absent when there were none.
  var sweep: [String]?
  /// The experiment's expectations; absent in older folders.
  var expectations: [Check]?
  /// The experiment's `report:` section; absent when the file has none (and in older folders),
  /// which means the report's defaults.
  var report: ReportSection?
  var runs: [Run]

  /// The manifest of `experiment` with every run pending.
  init(experiment: Experiment, shard: Shard? = nil) {
    self.experiment = experiment.name
    descentVersion = Descent.version
    engine = EngineIdentity.current.engine
    self.shard = shard?.description
    sweep = experiment.commandLineSweep.isEmpty ? nil : experiment.commandLineSweep
    expectations = experiment.expectations.map(Check.init)
    report = experiment.report == ReportOptions() ? nil : ReportSection(experiment.report)
    runs = experiment.runs.map { run in
      Run(
        index: run.index, id: run.id,
        settings: run.settings.map { Setting(key: $0.key, value: $0.value) },
        seed: run.configuration.training.seed, status: "pending", configHash: run.configHash,
        epochs: nil,
        task: run.configuration.training.loss.isClassification
          ? Task.classification : Task.regression)
    }
  }

  /// This manifest with each run's status and epochs taken from `results` (by position; `nil`
  /// leaves a run pending).
  func recording(_ results: [RunResult?]) -> Manifest {
    precondition(results.count == runs.count, "one result (or nil) per run")
    var manifest = self
    for (position, result) in results.enumerated() {
      manifest.runs[position].status = result?.status.rawValue ?? "pending"
      manifest.runs[position].epochs = result?.curve.count
    }
    return manifest
  }

  /// The expectations this folder records, skipping any this version cannot read.
  var checks: [Expectation] {
    (expectations ?? []).compactMap(\.expectation)
  }

  /// The report's options this folder records; the defaults when it records none.
  ///
  /// - Throws: as `ReportSection.options(file:)`.
  func reportOptions(file: String) throws -> ReportOptions {
    try report?.options(file: file) ?? ReportOptions()
  }

  func json() throws -> Data {
    let encoder = JSONEncoder()
    encoder.keyEncodingStrategy = .convertToSnakeCase
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    return try encoder.encode(self) + Data("\n".utf8)
  }

  /// Reads the manifest at `path`.
  ///
  /// - Throws: `Diagnostic` naming the file when it is missing or is not a manifest.
  static func read(_ path: String) throws -> Manifest {
    guard let data = FileManager.default.contents(atPath: path) else {
      throw Diagnostic(file: path, message: "missing: not a results folder written by descent run")
    }
    do {
      let decoder = JSONDecoder()
      decoder.keyDecodingStrategy = .convertFromSnakeCase
      return try decoder.decode(Manifest.self, from: data)
    } catch {
      throw Diagnostic(
        file: path, message: "not a manifest written by descent: \(Self.reason(error))")
    }
  }

  /// A decoding error in words, with the path of the value at fault.
  private static func reason(_ error: Error) -> String {
    switch error {
    case DecodingError.keyNotFound(let key, let context):
      return "no " + (context.codingPath + [key]).map(\.stringValue).joined(separator: ".")
    case DecodingError.typeMismatch(_, let context), DecodingError.valueNotFound(_, let context):
      let path = context.codingPath.map(\.stringValue).joined(separator: ".")
      return "\(path): \(context.debugDescription)"
    case DecodingError.dataCorrupted(let context):
      return context.debugDescription
    default:
      return "\(error)"
    }
  }
}

/// Facts about this build of Descent that results record.
public enum Descent {
  public static let version = "0.2.0"
}
