import Foundation

/// A results folder as its `manifest.json` and the runs' `result.json` describe it.
///
/// This is what everything after training is computed from: `summary.csv` and the report
/// (`writeSummaries`), the expectations (`ExpectationCheck`), and the merging of shards
/// (`ShardMerge`). `descent run`, `descent merge` and `descent check` all go through it, so a
/// folder gives the same tables and the same verdicts whichever command wrote or reads it.
public struct ResultFiles: Sendable {
  /// The folder, as the caller named it.
  public var path: String
  var manifest: Manifest
  /// The result of each run of `manifest.runs`, by position; `nil` for a pending run.
  var results: [RunResult?]

  /// Reads the results folder at `folder`.
  ///
  /// - Throws: `Diagnostic` naming the file when the folder is not a results folder, or a run
  ///   the manifest lists as finished has no readable `result.json`.
  public init(folder: String) throws {
    var isFolder: ObjCBool = false
    guard FileManager.default.fileExists(atPath: folder, isDirectory: &isFolder),
      isFolder.boolValue
    else {
      throw Diagnostic(file: folder, message: "no such folder")
    }
    let manifestPath = ResultsFolder.join(folder, "manifest.json")
    guard FileManager.default.fileExists(atPath: manifestPath) else {
      throw Diagnostic(file: folder, message: Self.notAResultsFolder(folder))
    }
    path = folder
    manifest = try Manifest.read(manifestPath)
    results = try manifest.runs.concurrentMap { run in
      guard run.status != "pending" else { return nil }
      return try Self.result(of: run, in: folder)
    }
  }

  init(path: String, manifest: Manifest, results: [RunResult?]) {
    self.path = path
    self.manifest = manifest
    self.results = results
  }

  /// The experiment's name.
  public var experiment: String { manifest.experiment }

  /// The shard the folder holds, when it holds one (`--shard`).
  public var shard: String? { manifest.shard }

  /// The experiment's expectations, as the manifest records them.
  public var expectations: [Expectation] { manifest.checks }

  /// The runs the folder holds a result for, in sweep order.
  public var finishedResults: [RunResult] { results.compactMap { $0 } }

  /// Writes `summary.csv` from the manifest and the results, then the report from the
  /// folder's files, with the options the manifest records.
  ///
  /// - Throws: `OutputError` when a file cannot be written; `Diagnostic` when a file the
  ///   report reads is malformed.
  func writeSummaries() throws {
    let table = SummaryTable(runs: manifest.runs, results: results)
    try AtomicFile.write(table.csv(), to: ResultsFolder.join(path, "summary.csv"))
    try Report.write(folder: path)
  }

  /// The `result.json` of `run`, checked against the manifest's entry.
  private static func result(of run: Manifest.Run, in folder: String) throws -> RunResult {
    let path = ResultsFolder.join(folder, "runs", run.id, "result.json")
    guard let data = FileManager.default.contents(atPath: path) else {
      throw Diagnostic(
        file: path,
        message: "missing: manifest.json lists run \(run.id) as \(run.status), and every "
          + "finished run has a result.json")
    }
    let result: RunResult
    do {
      result = try RunResult(json: data)
    } catch {
      throw Diagnostic(file: path, message: "not a result written by descent: \(error)")
    }
    guard result.id == run.id, result.configHash == run.configHash else {
      throw Diagnostic(
        file: path,
        message: "the result of another configuration (config hash \(result.configHash), "
          + "manifest.json says \(run.configHash)); run the sweep again to replace it")
    }
    // A run reused from an earlier invocation keeps the position it had then.
    var placed = result
    placed.index = run.index
    return placed
  }

  /// The message for a folder without `manifest.json`, naming the results folders inside it
  /// when it holds some (the `--out` folder of a run rather than the experiment's folder).
  static func notAResultsFolder(_ folder: String) -> String {
    let entries = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
    let inside = entries.sorted().filter {
      FileManager.default.fileExists(atPath: ResultsFolder.join(folder, $0, "manifest.json"))
    }
    guard !inside.isEmpty else {
      return "not a results folder: there is no manifest.json (descent run writes one, with "
        + "summary.csv and runs/, in <out>/<experiment name>)"
    }
    let names = inside.map { ResultsFolder.join(folder, $0) }.joined(separator: ", ")
    return "not a results folder: there is no manifest.json; it holds the results folder"
      + (inside.count == 1 ? " " : "s ") + names
  }
}
