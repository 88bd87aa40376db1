import Foundation
import Testing

@testable import Descent

/// A disk that fills in the middle of a sweep, simulated by `DESCENT_FAULT_ENOSPC_AFTER`
/// (`DiskFullFault`; there is no small file system to fill without root): the real `descent`
/// exits 73 naming the file it could not write, every file written before is whole, no
/// temporary file is left behind, and the same command completes the sweep once there is room.
@Suite(.serialized)
struct DiskFullTests {
  /// The files a sweep of two runs with saved weights writes on one job, in order.
  static let writes = [
    "experiment.yaml", "manifest.json",
    "runs/seed-1/config.yaml", "runs/seed-1/curve.csv", "runs/seed-1/weights.safetensors",
    "runs/seed-1/result.json",
    "runs/seed-2/config.yaml", "runs/seed-2/curve.csv", "runs/seed-2/weights.safetensors",
    "runs/seed-2/result.json",
    "manifest.json", "summary.csv", "summary-grouped.csv", "comparison.csv", "summary.md",
    "plots/loss.svg", "plots/learning-rate.svg", "README.md",
  ]

  @Test func aDiskThatFillsAtAnyWriteExits73AndLeavesEveryEarlierFileWhole() throws {
    let reference = try TemporaryFolder()
    let file = try sweep(in: reference, seeds: 2)
    let complete = try descent(["run", file, "--jobs", "1", "--out", reference.path, "--quiet"])
    #expect(complete.status == 0, "\(complete.stderr)")
    let expected = try ResultsSnapshot(reference.path + "/full").files
    #expect(Set(expected.keys) == Set(Self.writes))

    for filesBeforeFull in Self.writes.indices {
      let out = try TemporaryFolder()
      let folder = out.path + "/full"
      let full = try descent(
        ["run", file, "--jobs", "1", "--out", out.path, "--quiet"],
        environment: ["DESCENT_FAULT_ENOSPC_AFTER": "\(filesBeforeFull)"])
      let failed = Self.writes[filesBeforeFull]
      #expect(full.status == 73, "disk full after \(filesBeforeFull) files")
      #expect(
        full.stderr == "\(folder)/\(failed): cannot write: No space left on device\n",
        "disk full after \(filesBeforeFull) files")

      // Exactly the files written before, each whole: no partial file, no temporary file.
      let written = Self.writes.prefix(filesBeforeFull)
      try expectWhole(folder, files: Set(written), reference: reference.path + "/full")
      if written.filter({ $0 == "manifest.json" }).count == 1 {
        #expect(try manifestStatuses(folder) == ["pending", "pending"])
      }

      let resumed = try descent(["run", file, "--jobs", "1", "--out", out.path, "--quiet"])
      #expect(resumed.status == 0, "after \(filesBeforeFull) files: \(resumed.stderr)")
      #expect(try ResultsSnapshot(folder).files == expected, "after \(filesBeforeFull) files")
      #expect(try weights(folder) == weights(reference.path + "/full"))
    }
  }

  @Test(arguments: [3, 6, 9, 12])
  func aDiskThatFillsWhileTwoRunsTrainExits73(filesBeforeFull: Int) throws {
    let reference = try TemporaryFolder()
    let out = try TemporaryFolder()
    let file = try sweep(in: reference, seeds: 4)
    let complete = try descent(["run", file, "--jobs", "1", "--out", reference.path, "--quiet"])
    #expect(complete.status == 0, "\(complete.stderr)")

    let folder = out.path + "/full"
    let full = try descent(
      ["run", file, "--jobs", "2", "--out", out.path, "--quiet"],
      environment: ["DESCENT_FAULT_ENOSPC_AFTER": "\(filesBeforeFull)"])
    #expect(full.status == 73)
    // Which run's file meets the full disk depends on how the two runs are scheduled.
    let message = full.stderr.split(separator: "\n").map(String.init)
    let pattern =
      #/.*/full/runs/seed-[1-4]/(config\.yaml|curve\.csv|weights\.safetensors|result\.json): cannot write: No space left on device/#
    #expect(message.count == 1 && message[0].hasPrefix(folder + "/runs/"), "\(full.stderr)")
    #expect(message.first?.wholeMatch(of: pattern) != nil, "\(full.stderr)")

    let files = try filesIn(folder)
    #expect(files.count == filesBeforeFull, "\(files.sorted())")
    try expectWhole(folder, files: files, reference: reference.path + "/full")

    let resumed = try descent(["run", file, "--jobs", "2", "--out", out.path, "--quiet"])
    #expect(resumed.status == 0, "\(resumed.stderr)")
    #expect(
      try ResultsSnapshot(folder).files == ResultsSnapshot(reference.path + "/full").files)
  }

  @Test func aCheckpointThatCannotBeWrittenExits73NotAFailedRun() throws {
    let reference = try TemporaryFolder()
    let out = try TemporaryFolder()
    let file = try sweep(in: reference, seeds: 1, checkpointEvery: 1)
    let complete = try descent(["run", file, "--out", reference.path, "--quiet"])
    #expect(complete.status == 0, "\(complete.stderr)")

    // experiment.yaml, manifest.json, config.yaml, then the checkpoint after epoch 1.
    let folder = out.path + "/full"
    let full = try descent(
      ["run", file, "--out", out.path, "--quiet"], environment: ["DESCENT_FAULT_ENOSPC_AFTER": "3"])
    #expect(full.status == 73)
    #expect(
      full.stderr
        == "\(folder)/runs/seed-1/checkpoint.bin: cannot write: No space left on device\n")
    try expectWhole(
      folder, files: ["experiment.yaml", "manifest.json", "runs/seed-1/config.yaml"],
      reference: reference.path + "/full")

    let resumed = try descent(["run", file, "--out", out.path, "--quiet"])
    #expect(resumed.status == 0, "\(resumed.stderr)")
    #expect(
      try ResultsSnapshot(folder).files == ResultsSnapshot(reference.path + "/full").files)
  }

  @Test func aReportThatCannotBeWrittenExits73() throws {
    let out = try TemporaryFolder()
    let file = try sweep(in: out, seeds: 2)
    let complete = try descent(["run", file, "--out", out.path, "--quiet"])
    #expect(complete.status == 0, "\(complete.stderr)")
    let folder = out.path + "/full"
    let before = try ResultsSnapshot(folder).files

    let full = try descent(
      ["report", folder], environment: ["DESCENT_FAULT_ENOSPC_AFTER": "1"])
    #expect(full.status == 73)
    // The report writes summary-grouped.csv, then comparison.csv.
    #expect(full.stderr == "\(folder)/comparison.csv: cannot write: No space left on device\n")
    #expect(try ResultsSnapshot(folder).files == before)
  }

  // MARK: - Helpers

  /// A sweep over `seeds` seeds of short runs on iris that save their weights, in `folder`.
  private func sweep(in folder: TemporaryFolder, seeds: Int, checkpointEvery: Int? = nil) throws
    -> String
  {
    let file = folder.path + "/full.yaml"
    let checkpoint = checkpointEvery.map { ", checkpoint: {every: \($0)}" } ?? ""
    try """
    name: full
    seed: 5
    data: {source: iris, validation: 0.3}
    model:
      layers:
        - {dense: 8, activation: tanh}
        - {dense: 3}
    loss: cross_entropy
    optimizer: {name: sgd, lr: 0.1, momentum: 0.9}
    training: {epochs: 3, batch_size: 8, save_weights: true\(checkpoint)}
    sweep:
      seeds: [\((1...seeds).map(String.init).joined(separator: ", "))]
    """.write(toFile: file, atomically: true, encoding: .utf8)
    return file
  }

  /// Every file under `folder`, hidden ones included, by path relative to it.
  private func filesIn(_ folder: String) throws -> Set<String> {
    var files: Set<String> = []
    let enumerator = FileManager.default.enumerator(atPath: folder)
    while let relative = enumerator?.nextObject() as? String {
      var isFolder: ObjCBool = false
      if FileManager.default.fileExists(atPath: folder + "/" + relative, isDirectory: &isFolder),
        !isFolder.boolValue
      {
        files.insert(relative)
      }
    }
    return files
  }

  /// `folder` holds exactly `files`, and each is whole: the same as in a complete sweep's
  /// folder, timings aside, but for a `manifest.json` written before the sweep, which lists
  /// every run as pending.
  private func expectWhole(_ folder: String, files: Set<String>, reference: String) throws {
    let present = try filesIn(folder)
    #expect(present.filter { $0.hasSuffix(".tmp") }.isEmpty, "\(present.sorted())")
    #expect(present == files)
    let snapshot = try ResultsSnapshot(folder).files
    let complete = try ResultsSnapshot(reference).files
    for file in present {
      if file == "manifest.json", try manifestStatuses(folder).allSatisfy({ $0 == "pending" }) {
        #expect(try manifestStatuses(folder).count == manifestStatuses(reference).count)
      } else {
        #expect(snapshot[file] == complete[file], "\(file) is not whole")
      }
    }
    for file in present where file.hasSuffix(".safetensors") {
      #expect(
        FileManager.default.contents(atPath: folder + "/" + file)
          == FileManager.default.contents(atPath: reference + "/" + file), "\(file) is not whole")
    }
  }

  private func manifestStatuses(_ folder: String) throws -> [String] {
    let data = try Data(contentsOf: URL(fileURLWithPath: folder + "/manifest.json"))
    let object = try JSONSerialization.jsonObject(with: data) as? [String: Any]
    let runs = object?["runs"] as? [[String: Any]] ?? []
    return runs.compactMap { $0["status"] as? String }
  }

  /// The bytes of every run's weights.
  private func weights(_ folder: String) throws -> [String: Data] {
    var weights: [String: Data] = [:]
    for file in try filesIn(folder) where file.hasSuffix(".safetensors") {
      weights[file] = FileManager.default.contents(atPath: folder + "/" + file)
    }
    return weights
  }
}
