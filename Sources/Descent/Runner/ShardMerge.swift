import Foundation

/// Puts the results folders of the shards of a sweep (`descent run --shard K/N`) together into
/// one results folder, the same as a single `descent run` of the whole sweep writes, apart from
/// the timing columns.
///
/// The folders must hold the same experiment: the same name, the same `experiment.yaml` bytes,
/// the same runs with the same configuration hashes, written by the same version of Descent.
/// Every run must be finished (complete, diverged or failed) in at least one folder; a run
/// finished in several must have the same results in each, timings aside.
public enum ShardMerge {
  /// Merges `folders` into `<outputDirectory>/<experiment name>`.
  ///
  /// Copies each run's folder from a folder that finished it, then writes `experiment.yaml`,
  /// `manifest.json` (without a shard), `summary.csv` and the report as `ExperimentRunner`
  /// does, from the merged folder's files.
  ///
  /// - Returns: the merged results folder.
  /// - Throws: `MergeError` when the folders cannot be merged, `Diagnostic` when one is not a
  ///   results folder, `OutputError` when the merged folder cannot be written; nothing is
  ///   written then, apart from an `OutputError`.
  public static func merge(folders: [String], outputDirectory: String) throws -> String {
    precondition(!folders.isEmpty, "merge needs at least one folder")
    let shards = try folders.map { try ResultFiles(folder: $0) }
    let sources = try folders.map { try experimentText(in: $0) }
    let first = shards[0]
    for (shard, source) in zip(shards, sources).dropFirst() {
      try checkSameExperiment(shard, source, as: first, sources[0])
    }
    let origins = try origins(of: shards)
    let target = URL(fileURLWithPath: outputDirectory).appendingPathComponent(first.experiment).path
    let lock = try FolderLock(folder: target)
    defer { withExtendedLifetime(lock) {} }

    try AtomicFile.write(sources[0], to: ResultsFolder.join(target, "experiment.yaml"))
    for (run, origin) in zip(first.manifest.runs, origins) {
      try copyRun(run.id, from: shards[origin].path, to: target)
    }
    var manifest = first.manifest
    manifest.shard = nil
    manifest = manifest.recording(origins.indices.map { shards[origins[$0]].results[$0] })
    try AtomicFile.write(try manifest.json(), to: ResultsFolder.join(target, "manifest.json"))
    try ResultFiles(folder: target).writeSummaries()
    return target
  }

  /// The results folders that the arguments of `descent merge` name, in order.
  ///
  /// An argument is a results folder; or a folder that holds exactly one results folder (the
  /// `--out` folder of a shard, such as `shards/2`), which stands for it; or a pattern with
  /// `*`, `?` or `[` that is not itself a path (`'shards/*'`, quoted so that descent expands
  /// it, as on a shell that does not), which stands for every path it matches, in the order of
  /// their names with numbers compared as numbers (`shards/2` before `shards/10`).
  ///
  /// - Throws: `Diagnostic` when a pattern matches nothing, or a folder without `manifest.json`
  ///   holds several results folders. A folder that is not a results folder is left for
  ///   `merge(folders:outputDirectory:)` to refuse.
  public static func resultsFolders(named arguments: [String]) throws -> [String] {
    var folders: [String] = []
    for argument in arguments {
      var paths = [argument]
      if argument.contains(where: { "*?[".contains($0) }),
        !FileManager.default.fileExists(atPath: argument)
      {
        paths = matches(of: argument)
        guard !paths.isEmpty else {
          throw Diagnostic(
            file: argument,
            message: "no file or folder matches this pattern; name the results folders of the "
              + "shards, such as shards/*/NAME, or the folders given to --out, such as shards/*")
        }
      }
      for path in paths {
        folders.append(try resultsFolder(in: path))
      }
    }
    return folders
  }

  /// `path`, or the one results folder it holds when it is not a results folder itself.
  private static func resultsFolder(in path: String) throws -> String {
    let manager = FileManager.default
    guard !manager.fileExists(atPath: ResultsFolder.join(path, "manifest.json")),
      let entries = try? manager.contentsOfDirectory(atPath: path)
    else { return path }
    let inside = entries.sorted().filter {
      manager.fileExists(atPath: ResultsFolder.join(path, $0, "manifest.json"))
    }
    guard inside.count <= 1 else {
      let names = inside.map { ResultsFolder.join(path, $0) }
      throw Diagnostic(
        file: path,
        message: "not a results folder, and it holds \(inside.count) of them, "
          + names.joined(separator: ", ") + "; name the one to merge, such as \(names[0])")
    }
    return inside.first.map { ResultsFolder.join(path, $0) } ?? path
  }

  /// The paths that match the pattern `pattern` (glob(3)), names with numbers in numeric order.
  private static func matches(of pattern: String) -> [String] {
    var found = glob_t()
    defer { globfree(&found) }
    guard glob(pattern, 0, nil, &found) == 0 else { return [] }
    let paths = (0..<Int(found.gl_pathc)).compactMap {
      found.gl_pathv[$0].map { String(cString: $0) }
    }
    return paths.sorted { $0.compare($1, options: .numeric) == .orderedAscending }
  }

  /// The bytes of the folder's `experiment.yaml`.
  private static func experimentText(in folder: String) throws -> Data {
    let path = ResultsFolder.join(folder, "experiment.yaml")
    guard let data = FileManager.default.contents(atPath: path) else {
      throw Diagnostic(file: path, message: "missing: every results folder has the experiment file")
    }
    return data
  }

  /// Throws unless `shard` holds the same experiment as `first`, written by the same version.
  private static func checkSameExperiment(
    _ shard: ResultFiles, _ source: Data, as first: ResultFiles, _ firstSource: Data
  ) throws {
    func refuse(_ reason: String) -> MergeError {
      MergeError("cannot merge \(first.path) and \(shard.path): \(reason)")
    }
    guard shard.experiment == first.experiment else {
      throw refuse(
        "they hold different experiments, \"\(first.experiment)\" and \"\(shard.experiment)\"")
    }
    guard shard.manifest.descentVersion == first.manifest.descentVersion else {
      throw refuse(
        "they were written by different versions of descent, \(first.manifest.descentVersion) "
          + "and \(shard.manifest.descentVersion); run every shard with the same descent")
    }
    guard shard.manifest.engine == first.manifest.engine else {
      let engines = [first, shard].map { $0.manifest.engine ?? "unrecorded" }
      throw refuse(
        "they were computed by different engines, \(engines[0]) and \(engines[1]) (a build or "
          + "a machine whose arithmetic differs); run every shard with the same descent")
    }
    guard source == firstSource else {
      throw refuse(
        "their experiment.yaml files differ; run every shard from the same experiment file")
    }
    let mine = first.manifest.runs
    let theirs = shard.manifest.runs
    guard mine.count == theirs.count else {
      throw refuse(
        "their sweeps differ: \(mine.count) runs and \(theirs.count) runs; run every shard with "
          + "the same --set options")
    }
    for (a, b) in zip(mine, theirs) where a.id != b.id || a.configHash != b.configHash {
      throw refuse(
        "their sweeps differ at run \(a.index): \(a.id) (config \(a.configHash)) and \(b.id) "
          + "(config \(b.configHash)); run every shard with the same --set options")
    }
  }

  /// For each run of the sweep, the position of a folder that finished it.
  ///
  /// - Throws: `MergeError` when a run is finished in no folder, or has different results in
  ///   two.
  private static func origins(of shards: [ResultFiles]) throws -> [Int] {
    let runs = shards[0].manifest.runs
    var origins: [Int?] = Array(repeating: nil, count: runs.count)
    for (position, run) in runs.enumerated() {
      for (folder, shard) in shards.enumerated() {
        guard let result = shard.results[position] else { continue }
        guard let origin = origins[position] else {
          origins[position] = folder
          continue
        }
        let earlier = shards[origin].results[position]!
        if try earlier.withoutTimings.json() != result.withoutTimings.json() {
          throw MergeError(
            "cannot merge: run \(run.id) has different results in \(shards[origin].path) and "
              + "\(shard.path); a run trained twice by the same descent on the same kind of "
              + "machine gives the same numbers, so one of them was trained differently")
        }
      }
    }
    let missing = runs.indices.filter { origins[$0] == nil }
    guard missing.isEmpty else {
      throw MergeError(missingRuns: missing.map { runs[$0] }, of: shards)
    }
    return origins.map { $0! }
  }

  /// Copies the files of run `id` from `folder` into `target`, `result.json` last, so that an
  /// interrupted merge never leaves a run that looks complete without its files.
  private static func copyRun(_ id: String, from folder: String, to target: String) throws {
    let source = ResultsFolder.join(folder, "runs", id)
    let destination = ResultsFolder.join(target, "runs", id)
    let names = ((try? FileManager.default.contentsOfDirectory(atPath: source)) ?? [])
      .filter { !$0.hasPrefix(".") }.sorted { a, b in
        (a == "result.json" ? 1 : 0, a) < (b == "result.json" ? 1 : 0, b)
      }
    for name in names {
      let path = ResultsFolder.join(source, name)
      guard let data = FileManager.default.contents(atPath: path) else { continue }
      try AtomicFile.write(data, to: ResultsFolder.join(destination, name))
    }
  }
}
