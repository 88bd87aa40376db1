import Foundation
import Testing

@testable import Descent

/// `--shard K/N` and `descent merge`: a sweep split over three jobs and put back together gives
/// the folder one job would have written.
struct ShardTests {
  // MARK: Choosing runs

  @Test func shardValuesAreRead() throws {
    let shard = try Shard(parsing: "2/3")
    #expect(shard.number == 2)
    #expect(shard.count == 3)
    #expect(shard.description == "2/3")
    #expect(try Shard(parsing: "1/1") == Shard(number: 1, count: 1))
    let values = ["0/3", "4/3", "x", "1/0", "2", "1/2/3", "-1/3", "1/"]
    let problems = values.map { (text: String) -> String in
      do {
        _ = try Shard(parsing: text)
        return "accepted"
      } catch {
        return "\(error)"
      }
    }
    #expect(
      problems == [
        "the shard number K must be between 1 and 3, found \"0/3\"",
        "the shard number K must be between 1 and 3, found \"4/3\"",
        "expected K/N, such as 2/4, or auto, found \"x\"",
        "the number of shards N must be at least 1, found \"1/0\"",
        "expected K/N, such as 2/4, or auto, found \"2\"",
        "expected K/N, such as 2/4, or auto, found \"1/2/3\"",
        "the shard number K must be between 1 and 3, found \"-1/3\"",
        "expected K/N, such as 2/4, or auto, found \"1/\"",
      ])
  }

  @Test func everyRunIsInExactlyOneShardAndShardsAreBalanced() {
    for count in 1...7 {
      for runs in 0...23 {
        let shards = (1...count).map { Shard(number: $0, count: count)! }
        let members = shards.map { shard in (0..<runs).filter(shard.contains) }
        #expect(members.flatMap { $0 }.sorted() == Array(0..<runs))
        let sizes = members.map(\.count)
        #expect(sizes.max()! - sizes.min()! <= 1, "\(runs) runs in \(count) shards: \(sizes)")
      }
    }
    let second = Shard(number: 2, count: 3)!
    #expect((0..<8).filter(second.contains) == [1, 4, 7])
  }

  @Test func badShardValuesAreUsageErrors() throws {
    for (value, message) in [
      ("0/3", "the shard number K must be between 1 and 3, found \"0/3\""),
      ("4/3", "the shard number K must be between 1 and 3, found \"4/3\""),
      ("x", "expected K/N, such as 2/4, or auto, found \"x\""),
    ] {
      let result = try descent("run", Repository.experiment("iris"), "--shard", value)
      #expect(result.status == 64)
      #expect(result.stderr.hasPrefix("Error: --shard: \(message)\n"), "\(result.stderr)")
    }
  }

  // MARK: Shards and merging, end to end

  @Test func threeShardsMergedGiveTheFolderOfOneRun() throws {
    let sweep = try ShardedSweep()
    let merge = try descent(
      ["merge"] + (1...3).map(sweep.shard) + [
        "--out", sweep.root + "/merged", "--junit",
        sweep.root + "/merged.xml",
      ])
    #expect(merge.status == 0, "\(merge.stderr)")
    #expect(
      merge.stdout == """
        merged 3 folders into \(sweep.root)/merged/small
        small: 4 expectation checks passed

        """)
    let merged = try ResultsSnapshot(sweep.root + "/merged/small")
    let single = try ResultsSnapshot(sweep.single)
    #expect(merged.files.keys.sorted() == single.files.keys.sorted())
    for name in ["summary.csv", "manifest.json", "summary.md", "experiment.yaml", "README.md"] {
      #expect(merged.files[name] != nil, "\(name) is missing")
      #expect(merged.files[name] == single.files[name], "\(name) differs")
    }
    let curves = single.files.keys.filter { $0.hasSuffix("/curve.csv") }
    #expect(curves.count == 8)
    for name in single.files.keys.sorted() {
      #expect(merged.files[name] == single.files[name], "\(name) differs")
    }
    #expect(!merged.files["manifest.json"]!.contains("shard"))
  }

  @Test func aShardHoldsItsRunsAndListsTheOthersAsPending() throws {
    let sweep = try ShardedSweep()
    let folder = sweep.shard(2)
    let manifest =
      try JSONSerialization.jsonObject(
        with: Data(contentsOf: URL(fileURLWithPath: folder + "/manifest.json"))) as! [String: Any]
    #expect(manifest["shard"] as? String == "2/3")
    let runs = manifest["runs"] as! [[String: Any]]
    #expect(
      runs.map { $0["status"] as! String } == [
        "pending", "complete", "pending", "pending", "complete", "pending", "pending", "complete",
      ])
    let summary = try String(contentsOfFile: folder + "/summary.csv", encoding: .utf8)
      .split(separator: "\n")
    #expect(summary.dropFirst().map { $0.prefix(2) } == ["1,", "4,", "7,"])
    let trained = try FileManager.default.contentsOfDirectory(atPath: folder + "/runs").sorted()
    #expect(trained == [1, 4, 7].map { runs[$0]["id"] as! String }.sorted())
    #expect(
      sweep.shardOutputs[1].stdout == """
        small: 3 runs (shard 2/3 of 8 runs); results in \(folder)
        small: shard 2/3: expectations are checked by descent merge, not on a shard

        """)
  }

  @Test func overlappingShardsWithTheSameResultsMerge() throws {
    let sweep = try ShardedSweep()
    let result = try descent(
      ["merge", sweep.single] + (1...3).map(sweep.shard) + [
        "--out", sweep.root + "/merged",
        "--quiet",
      ])
    #expect(result.status == 0, "\(result.stderr)")
    #expect(result.stdout.isEmpty)
  }

  @Test func differentResultsForTheSameRunAreRefused() throws {
    let sweep = try ShardedSweep()
    let path = sweep.single + "/runs/momentum-0.9_lr-0.05_seed-2/result.json"
    var result = try RunResult(json: Data(contentsOf: URL(fileURLWithPath: path)))
    result.curve[0].trainingLoss += 1
    try result.json().write(to: URL(fileURLWithPath: path))
    let merge = try descent(
      "merge", sweep.shard(3), sweep.single, "--out", sweep.root + "/merged")
    #expect(merge.status == 65)
    #expect(
      merge.stderr == """
        cannot merge: run momentum-0.9_lr-0.05_seed-2 has different results in \(sweep.shard(3)) \
        and \(sweep.single); a run trained twice by the same descent on the same kind of machine \
        gives the same numbers, so one of them was trained differently

        """)
    #expect(!FileManager.default.fileExists(atPath: sweep.root + "/merged"))
  }

  @Test func aMissingShardIsNamedWithTheCommandThatTrainsIt() throws {
    let sweep = try ShardedSweep()
    let merge = try descent(
      "merge", sweep.shard(1), sweep.shard(3), "--out", sweep.root + "/merged")
    #expect(merge.status == 65)
    #expect(
      merge.stderr == """
        cannot merge small: 3 of 8 runs are finished in none of the folders: \
        momentum-0.0_lr-0.05_seed-2, momentum-0.9_lr-0.05_seed-1, momentum-0.9_lr-0.2_seed-2; \
        train the missing shard with descent run FILE --shard 2/3 (FILE: the experiment file of \
        small) and merge again with the new folder

        """)
    #expect(!FileManager.default.fileExists(atPath: sweep.root + "/merged"))
  }

  @Test func foldersOfDifferentExperimentsAreRefused() throws {
    let sweep = try ShardedSweep()
    let other = try descent(
      "run", sweep.file, "--set", "name=other", "--shard", "2/3", "--out", sweep.root + "/other",
      "--quiet")
    #expect(other.status == 0)
    let names = try descent(
      "merge", sweep.shard(1), sweep.root + "/other/other", "--out", sweep.root + "/merged")
    #expect(names.status == 65)
    #expect(
      names.stderr
        == "cannot merge \(sweep.shard(1)) and \(sweep.root)/other/other: they hold different "
        + "experiments, \"small\" and \"other\"\n")

    let epochs = try descent(
      "run", sweep.file, "--set", "training.epochs=2", "--shard", "2/3", "--out",
      sweep.root + "/epochs", "--quiet")
    #expect(epochs.status == 0)
    let sweeps = try descent(
      "merge", sweep.shard(1), sweep.root + "/epochs/small", "--out", sweep.root + "/merged")
    #expect(sweeps.status == 65)
    #expect(
      sweeps.stderr.hasPrefix(
        "cannot merge \(sweep.shard(1)) and \(sweep.root)/epochs/small: their sweeps differ at "
          + "run 0: momentum-0.0_lr-0.05_seed-1 (config "))

    let edited = sweep.root + "/edited.yaml"
    try (String(contentsOfFile: sweep.file, encoding: .utf8) + "# a comment\n")
      .write(toFile: edited, atomically: true, encoding: .utf8)
    #expect(
      try descent("run", edited, "--shard", "2/3", "--out", sweep.root + "/edited", "--quiet")
        .status == 0)
    let files = try descent(
      "merge", sweep.shard(1), sweep.root + "/edited/small", "--out", sweep.root + "/merged")
    #expect(files.status == 65)
    #expect(
      files.stderr
        == "cannot merge \(sweep.shard(1)) and \(sweep.root)/edited/small: their experiment.yaml "
        + "files differ; run every shard from the same experiment file\n")
    #expect(!FileManager.default.fileExists(atPath: sweep.root + "/merged"))
  }

  @Test func foldersOfDifferentVersionsAreRefused() throws {
    let sweep = try ShardedSweep()
    let manifest = sweep.shard(2) + "/manifest.json"
    let text = try String(contentsOfFile: manifest, encoding: .utf8)
      .replacingOccurrences(
        of: "\"descent_version\" : \"\(Descent.version)\"", with: "\"descent_version\" : \"0.0.9\"")
    try text.write(toFile: manifest, atomically: true, encoding: .utf8)
    let merge = try descent(
      ["merge"] + (1...3).map(sweep.shard) + ["--out", sweep.root + "/merged"])
    #expect(merge.status == 65)
    #expect(
      merge.stderr
        == "cannot merge \(sweep.shard(1)) and \(sweep.shard(2)): they were written by different "
        + "versions of descent, \(Descent.version) and 0.0.9; run every shard with the same "
        + "descent\n")
  }

  @Test func foldersOfDifferentEnginesAreRefused() throws {
    let sweep = try ShardedSweep()
    let manifest = sweep.shard(3) + "/manifest.json"
    let engine = EngineIdentity.current.engine
    let text = try String(contentsOfFile: manifest, encoding: .utf8)
      .replacingOccurrences(
        of: "\"engine\" : \"\(engine)\"", with: "\"engine\" : \"00000000000000ff\"")
    try text.write(toFile: manifest, atomically: true, encoding: .utf8)
    let merge = try descent(
      ["merge"] + (1...3).map(sweep.shard) + ["--out", sweep.root + "/merged"])
    #expect(merge.status == 65)
    #expect(
      merge.stderr
        == "cannot merge \(sweep.shard(1)) and \(sweep.shard(3)): they were computed by different "
        + "engines, \(engine) and 00000000000000ff (a build or a machine whose arithmetic differs); "
        + "run every shard with the same descent\n")
  }

  @Test func theOutFoldersOfShardsAndPatternsMerge() throws {
    let sweep = try ShardedSweep()
    let single = try ResultsSnapshot(sweep.single)
    for (arguments, name) in [
      ((1...3).map { sweep.root + "/shards/\($0)" }, "out"),
      ([sweep.root + "/shards/*"], "pattern"),
      ([sweep.root + "/shards/[12]/small", sweep.root + "/shards/3"], "mixed"),
    ] {
      let merge = try descent(["merge"] + arguments + ["--out", sweep.root + "/" + name])
      #expect(merge.status == 0, "\(merge.stderr)")
      #expect(merge.stdout.hasPrefix("merged 3 folders into \(sweep.root)/\(name)/small\n"))
      #expect(try ResultsSnapshot(sweep.root + "/" + name + "/small").files == single.files)
    }
  }

  @Test func foldersThatHoldNoneOrSeveralResultsFoldersAreNamed() throws {
    let sweep = try ShardedSweep()
    let empty = sweep.root + "/empty"
    try FileManager.default.createDirectory(atPath: empty, withIntermediateDirectories: false)
    var merge = try descent("merge", empty, sweep.shard(1), "--out", sweep.root + "/merged")
    #expect(merge.status == 65)
    #expect(
      merge.stderr
        == "\(empty): not a results folder: there is no manifest.json (descent run writes one, "
        + "with summary.csv and runs/, in <out>/<experiment name>)\n")
    // shards/ holds 1/, 2/ and 3/, none of them a results folder: refused as one.
    merge = try descent("merge", sweep.root + "/shards", "--out", sweep.root + "/merged")
    #expect(merge.status == 65)
    #expect(
      merge.stderr.hasPrefix(
        "\(sweep.root)/shards: not a results folder: there is no manifest.json"))
    // A shard's --out folder with two experiments in it.
    try FileManager.default.copyItem(atPath: sweep.shard(2), toPath: sweep.root + "/shards/1/other")
    merge = try descent("merge", sweep.root + "/shards/1", "--out", sweep.root + "/merged")
    #expect(merge.status == 65)
    #expect(
      merge.stderr
        == "\(sweep.root)/shards/1: not a results folder, and it holds 2 of them, "
        + "\(sweep.root)/shards/1/other, \(sweep.shard(1)); name the one to merge, such as "
        + "\(sweep.root)/shards/1/other\n")
    merge = try descent("merge", sweep.root + "/nothing-*", "--out", sweep.root + "/merged")
    #expect(merge.status == 65)
    #expect(
      merge.stderr
        == "\(sweep.root)/nothing-*: no file or folder matches this pattern; name the results "
        + "folders of the shards, such as shards/*/NAME, or the folders given to --out, such as "
        + "shards/*\n")
    #expect(!FileManager.default.fileExists(atPath: sweep.root + "/merged"))
  }

  @Test func shardAutoReadsASlurmArrayTask() throws {
    let sweep = try ShardedSweep()
    let slurm = [
      "SLURM_ARRAY_TASK_ID": "2", "SLURM_ARRAY_TASK_MIN": "1", "SLURM_ARRAY_TASK_MAX": "3",
      "SLURM_ARRAY_TASK_COUNT": "3",
    ]
    let run = try descent(
      ["run", sweep.file, "--shard", "auto", "--out", sweep.root + "/auto", "--quiet"],
      environment: slurm)
    #expect(run.status == 0, "\(run.stderr)")
    #expect(
      run.stderr
        == "--shard auto: shard 2 of 3, from SLURM_ARRAY_TASK_ID=2, SLURM_ARRAY_TASK_MIN=1, "
        + "SLURM_ARRAY_TASK_COUNT=3, SLURM_ARRAY_TASK_MAX=3 (a Slurm job array)\n")
    #expect(
      try ResultsSnapshot(sweep.root + "/auto/small").files
        == ResultsSnapshot(sweep.shard(2)).files)
    // Without a scheduler's variables, or with ones that disagree: a usage error.
    var refused = try descent(
      ["run", sweep.file, "--shard", "auto", "--out", sweep.root + "/none"],
      environment: [
        "SLURM_ARRAY_TASK_ID": "", "JOB_COMPLETION_INDEX": "", "CI_NODE_INDEX": "",
        "BATCH_TASK_INDEX": "", "AWS_BATCH_JOB_ARRAY_INDEX": "",
      ])
    #expect(refused.status == 64)
    #expect(
      refused.stderr.hasPrefix(
        "Error: --shard auto: none of the variables that give a task's index is set: "))
    refused = try descent(
      ["run", sweep.file, "--shard", "auto/2", "--out", sweep.root + "/none"],
      environment: slurm)
    #expect(refused.status == 64)
    #expect(
      refused.stderr.hasPrefix(
        "Error: --shard auto/2: the Slurm array has 3 tasks (SLURM_ARRAY_TASK_MIN=1, "
          + "SLURM_ARRAY_TASK_COUNT=3, SLURM_ARRAY_TASK_MAX=3) but auto/2 says 2 shards; give "
          + "--shard auto, or auto/3\n"))
    #expect(!FileManager.default.fileExists(atPath: sweep.root + "/none"))
  }
}

/// A sweep of 8 runs on iris trained as three shards and once whole, in a temporary folder.
final class ShardedSweep {
  let folder: TemporaryFolder
  let file: String
  /// What each shard's `descent run` printed.
  private(set) var shardOutputs: [CommandResult] = []

  var root: String { folder.path }
  /// The results folder of the single run.
  var single: String { root + "/single/small" }

  /// The results folder of shard `number` of 3.
  func shard(_ number: Int) -> String { root + "/shards/\(number)/small" }

  init() throws {
    folder = try TemporaryFolder()
    file = folder.path + "/small.yaml"
    try """
    name: small
    seed: 5
    data: {source: iris, validation: 0.3}
    model:
      layers:
        - {dense: 8, activation: tanh}
        - {dropout: 0.1}
        - {dense: 3}
    loss: cross_entropy
    optimizer: {name: sgd, lr: 0.1}
    training: {epochs: 3, batch_size: 8}
    sweep:
      grid:
        optimizer.momentum: [0.0, 0.9]
        optimizer.lr: [0.05, 0.2]
      seeds: [1, 2]
    expect:
      - {metric: val_loss, aggregate: max, at_most: 100}
    """.write(toFile: file, atomically: true, encoding: .utf8)
    let whole = try descent("run", file, "--out", root + "/single", "--quiet")
    #expect(whole.status == 0, "\(whole.stderr)")
    for number in 1...3 {
      let result = try descent(
        "run", file, "--shard", "\(number)/3", "--out", root + "/shards/\(number)", "--jobs", "2")
      #expect(result.status == 0, "\(result.stderr)")
      shardOutputs.append(result)
    }
  }
}

/// The files of a results folder that the reproducibility promise covers, with wall times
/// taken out: timing columns of CSV files and Markdown tables, and the timings of each
/// `result.json`.
struct ResultsSnapshot {
  /// Each file's contents by its path relative to the folder.
  var files: [String: String] = [:]

  init(_ folder: String) throws {
    let enumerator = FileManager.default.enumerator(atPath: folder)
    while let relative = enumerator?.nextObject() as? String {
      let path = folder + "/" + relative
      var isFolder: ObjCBool = false
      guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder),
        !isFolder.boolValue
      else { continue }
      let data = try Data(contentsOf: URL(fileURLWithPath: path))
      let text = String(decoding: data, as: UTF8.self)
      switch URL(fileURLWithPath: relative).pathExtension {
      case "csv": files[relative] = Self.withoutTimingColumns(text)
      case "md": files[relative] = Self.withoutTimingColumnsInTables(text)
      case "json" where relative.hasSuffix("result.json"):
        files[relative] = String(
          decoding: try RunResult(json: data).withoutTimings.json(), as: UTF8.self)
      default: files[relative] = text
      }
    }
  }

  /// Whether a column holds timings: `seconds`, `samples_per_second`, or their summaries such as
  /// `seconds_mean`.
  private static func isTiming(_ name: String) -> Bool {
    ["seconds", "samples_per_second"].contains { name == $0 || name.hasPrefix($0 + "_") }
  }

  private static func withoutTimingColumns(_ csv: String) -> String {
    let rows = csv.split(separator: "\n", omittingEmptySubsequences: false).map {
      $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
    }
    guard let header = rows.first else { return csv }
    let keep = header.indices.filter { !isTiming(header[$0]) }
    return rows.map { row in keep.filter { $0 < row.count }.map { row[$0] }.joined(separator: ",") }
      .joined(separator: "\n")
  }

  /// Markdown with the timing columns of every table (runs of lines that start with `|`) removed.
  private static func withoutTimingColumnsInTables(_ markdown: String) -> String {
    var output: [String] = []
    var keep: [Int]?
    for line in markdown.split(separator: "\n", omittingEmptySubsequences: false) {
      guard line.hasPrefix("|") else {
        keep = nil
        output.append(String(line))
        continue
      }
      let cells = line.split(separator: "|", omittingEmptySubsequences: false).dropFirst()
        .dropLast().map { $0.trimmingCharacters(in: .whitespaces) }
      let columns = keep ?? cells.indices.filter { !isTiming(cells[$0]) }
      keep = columns
      output.append(columns.filter { $0 < cells.count }.map { cells[$0] }.joined(separator: "|"))
    }
    return output.joined(separator: "\n")
  }
}
