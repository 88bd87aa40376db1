import DescentEngine
import Foundation
import Yams

/// A results folder read back from its files: `manifest.json` for the runs and their settings,
/// `summary.csv` for timings, `runs/<id>/curve.csv` for every epoch, `experiment.yaml` for the
/// description, and the options of the experiment's `report:` section from the manifest. The
/// report is built from this alone, so `descent run` and `descent report` give the same bytes.
struct ResultsFolder: Sendable {
  /// The folder's path, as the caller named it.
  var path: String
  /// The experiment's name.
  var name: String
  /// The experiment's `description`, or empty.
  var description: String
  /// The Descent version that wrote the runs.
  var descentVersion: String
  /// Every run, in sweep order.
  var runs: [RunRecord]
  /// The swept settings other than the seed, in sweep order.
  var sweptKeys: [String]
  /// Whether the runs measured `val_accuracy` (classification) and `val_rmse, val_r2`
  /// (regression); a folder can hold both.
  var classification: Bool
  var regression: Bool
  /// Whether any run measured a validation loss.
  var validated: Bool
  /// The options of the experiment's `report:` section, or the defaults.
  var reportOptions: ReportOptions

  /// Reads the results folder at `path`.
  ///
  /// - Throws: `Diagnostic` naming the file when the folder is not a results folder, a file is
  ///   missing or a file is malformed.
  init(path: String) throws {
    self.path = path
    var isFolder: ObjCBool = false
    guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder), isFolder.boolValue
    else {
      throw Diagnostic(file: path, message: "no such folder")
    }
    let manifestPath = Self.join(path, "manifest.json")
    guard let manifestData = FileManager.default.contents(atPath: manifestPath) else {
      throw Diagnostic(
        file: path,
        message: "not a results folder: there is no manifest.json (descent run writes one, with "
          + "summary.csv and runs/, in <out>/<experiment name>)")
    }
    let manifest: Manifest
    do {
      let decoder = JSONDecoder()
      decoder.keyDecodingStrategy = .convertFromSnakeCase
      manifest = try decoder.decode(Manifest.self, from: manifestData)
    } catch {
      throw Diagnostic(
        file: manifestPath, message: "not a manifest written by descent: \(Self.reason(error))")
    }
    name = manifest.experiment
    descentVersion = manifest.descentVersion
    reportOptions = try manifest.reportOptions(file: manifestPath)
    description = Self.description(ofExperimentIn: path)

    let summaryPath = Self.join(path, "summary.csv")
    guard let summaryText = try? String(contentsOfFile: summaryPath, encoding: .utf8) else {
      throw Diagnostic(
        file: summaryPath,
        message: "missing: the sweep has not finished; run the same descent run command again to "
          + "finish it")
    }
    let summary = try CSVTable(text: summaryText, path: summaryPath)
    let timings = try Self.timings(in: summary)
    classification = summary.column("val_accuracy") != nil
    regression = summary.column("val_rmse") != nil

    var keys: [String] = []
    var runs: [RunRecord] = []
    for entry in manifest.runs {
      let settings = entry.settings.filter { $0.key != "seed" }.map {
        Setting(key: $0.key, value: $0.value)
      }
      for setting in settings where !keys.contains(setting.key) { keys.append(setting.key) }
      let status: RunStatus?
      if entry.status == "pending" {
        status = nil
      } else if let known = RunStatus(rawValue: entry.status) {
        status = known
      } else {
        throw Diagnostic(
          file: manifestPath, key: "runs.\(entry.index).status",
          message: "expected complete, diverged, failed, halted or pending, found \"\(entry.status)\"")
      }
      let curvePath = Self.join(path, "runs", entry.id, "curve.csv")
      var curve: [EpochRecord] = []
      if let text = try? String(contentsOfFile: curvePath, encoding: .utf8) {
        curve = try Self.curve(CSVTable(text: text, path: curvePath))
      } else if status == .complete || status == .diverged {
        throw Diagnostic(
          file: curvePath, message: "missing: every complete or diverged run has a curve.csv")
      }
      let timing = timings[entry.id]
      runs.append(
        RunRecord(
          index: entry.index, id: entry.id, settings: settings, seed: entry.seed, status: status,
          curve: curve, seconds: timing?.seconds, samplesPerSecond: timing?.samplesPerSecond))
    }
    self.runs = runs
    sweptKeys = keys
    validated = runs.contains { $0.curve.contains { $0.validation != nil } }
  }

  /// The metrics the runs measured, in the order tables list them.
  var metrics: [RunMetric] {
    var metrics: [RunMetric] = [.trainLoss]
    if validated { metrics.append(.valLoss) }
    if validated && classification { metrics.append(.valAccuracy) }
    if validated && regression { metrics += [.valRMSE, .valR2] }
    return metrics
  }

  /// `seconds` and `samples_per_second` of each run in `summary.csv`, by run id.
  private static func timings(
    in summary: CSVTable
  ) throws -> [String: (seconds: Double?, samplesPerSecond: Double?)] {
    let id = try summary.requireColumn("id")
    let seconds = try summary.requireColumn("seconds")
    let throughput = try summary.requireColumn("samples_per_second")
    var timings: [String: (seconds: Double?, samplesPerSecond: Double?)] = [:]
    for row in summary.rows.indices {
      timings[summary.rows[row][id]] = (
        try summary.number(row: row, column: seconds),
        try summary.number(row: row, column: throughput)
      )
    }
    return timings
  }

  /// The epochs of a `curve.csv`; a row without `val_loss` has no validation.
  private static func curve(_ table: CSVTable) throws -> [EpochRecord] {
    let epoch = try table.requireColumn("epoch")
    let lr = try table.requireColumn("lr")
    let trainLoss = try table.requireColumn("train_loss")
    let valLoss = try table.requireColumn("val_loss")
    let step = table.column("step")
    let momentum = table.column("momentum")
    let accuracy = table.column("val_accuracy")
    let rmse = table.column("val_rmse")
    let r2 = table.column("val_r2")
    let gradientNorm = table.column("grad_norm")
    let seconds = table.column("seconds")
    func number(_ row: Int, _ column: Int?) throws -> Double? {
      try column.flatMap { try table.number(row: row, column: $0) }
    }
    return try table.rows.indices.map { row in
      var validation: Evaluation?
      if let loss = try number(row, valLoss) {
        validation = Evaluation(
          loss: loss, accuracy: try number(row, accuracy), rmse: try number(row, rmse),
          r2: try number(row, r2))
      }
      return EpochRecord(
        epoch: try table.integer(row: row, column: epoch),
        step: try step.map { try table.integer(row: row, column: $0) } ?? 0,
        learningRate: try number(row, lr) ?? .nan, momentum: try number(row, momentum),
        trainingLoss: try number(row, trainLoss) ?? .nan, validation: validation,
        gradientNorm: try number(row, gradientNorm) ?? .nan, seconds: try number(row, seconds) ?? 0)
    }
  }

  /// The `description` of the folder's `experiment.yaml`, or empty when it has none or cannot
  /// be read: the description only decorates the report.
  private static func description(ofExperimentIn folder: String) -> String {
    guard let text = try? String(contentsOfFile: join(folder, "experiment.yaml"), encoding: .utf8),
      let document = try? Yams.load(yaml: text) as? [String: Any],
      let description = document["description"] as? String
    else { return "" }
    return description.trimmingCharacters(in: .whitespacesAndNewlines)
  }

  /// `folder/a/b`, keeping a relative folder relative so that messages name it as the user did.
  static func join(_ folder: String, _ components: String...) -> String {
    var path = folder.count > 1 && folder.hasSuffix("/") ? String(folder.dropLast()) : folder
    for component in components { path += "/" + component }
    return path
  }

  private static func reason(_ error: Error) -> String {
    switch error {
    case DecodingError.keyNotFound(let key, let context):
      let path = (context.codingPath + [key]).map(\.stringValue).joined(separator: ".")
      return "no \(path)"
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
