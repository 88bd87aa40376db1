import Foundation
import Testing

@testable import Descent
@testable import DescentEngine

/// Interruptions and concurrent processes: the real `descent` executable stopped by Ctrl-C,
/// SIGTERM and SIGKILL, and started twice on one folder.
@Suite(.serialized)
struct InterruptionTests {
  @Test(arguments: [SIGINT, SIGTERM])
  func signalStopsAtAStepKeepsWhatIsCompleteAndResumes(signal: Int32) throws {
    let reference = try TemporaryFolder()
    let interrupted = try TemporaryFolder()
    let file = try sweep(in: reference, epochs: 40)
    #expect(try descent("run", file, "--out", reference.path, "--quiet").status == 0)

    let process = try launch(
      "run", file, "--jobs", "1", "--out", interrupted.path, stderr: interrupted.path + "/err")
    let runs = interrupted.path + "/sweep/runs"
    try waitUntil { completedRuns(in: runs) >= 1 || !process.isRunning }
    kill(process.processIdentifier, signal)
    process.waitUntilExit()
    let stderr = try String(contentsOfFile: interrupted.path + "/err", encoding: .utf8)
    #expect(process.terminationStatus == 130, "\(stderr)")
    #expect(stderr.contains("stopping: runs in flight end at their next step"))
    let complete = completedRuns(in: runs)
    #expect(stderr.contains("interrupted: \(complete) runs complete, \(8 - complete) not"))
    let statuses = try manifestStatuses(interrupted.path + "/sweep")
    #expect(statuses.filter { $0 == "complete" }.count == complete)
    #expect(statuses.filter { $0 == "pending" }.count == 8 - complete)

    let resumed = try descent("run", file, "--out", interrupted.path)
    #expect(resumed.status == 0, "\(resumed.stderr)")
    #expect(resumed.stderr.contains("\(complete) of 8 runs already complete"))
    #expect(try snapshot(interrupted.path + "/sweep") == snapshot(reference.path + "/sweep"))
  }

  @Test func killedTwentyTimesEndsIdenticalAndNeverTruncated() throws {
    let reference = try TemporaryFolder()
    let killed = try TemporaryFolder()
    let file = try sweep(in: reference, epochs: 12)
    let start = Date()
    #expect(try descent("run", file, "--jobs", "1", "--out", reference.path, "--quiet").status == 0)
    let duration = Date().timeIntervalSince(start)

    // Twenty kills spread over the length of a whole sweep, at moments drawn with a fixed seed;
    // every fourth attempt starts over with --fresh, so that kills also land mid-training late
    // in the sweep and while complete runs are being rewritten.
    var moment: UInt64 = 0x9E37_79B9_7F4A_7C15
    for attempt in 0..<20 {
      moment = moment &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
      let fraction = (Double(attempt) + Double(moment >> 11) / Double(1 << 53)) / 20
      var arguments = ["run", file, "--jobs", "2", "--out", killed.path, "--quiet"]
      if attempt % 4 == 3 { arguments.append("--fresh") }
      let process = try launch(arguments)
      Thread.sleep(forTimeInterval: fraction * duration)
      kill(process.processIdentifier, SIGKILL)
      process.waitUntilExit()
      try expectNothingTruncated(killed.path + "/sweep", source: file, attempt: attempt)
    }
    let finished = try descent("run", file, "--out", killed.path, "--quiet")
    #expect(finished.status == 0, "\(finished.stderr)")
    #expect(try snapshot(killed.path + "/sweep") == snapshot(reference.path + "/sweep"))
  }

  @Test func aLongRunKilledTwentyTimesResumesFromItsCheckpointsToTheSameBits() throws {
    let reference = try TemporaryFolder()
    let killed = try TemporaryFolder()
    let file = try longRun(in: reference)
    let start = Date()
    #expect(try descent("run", file, "--out", reference.path, "--quiet").status == 0)
    let epoch = Date().timeIntervalSince(start) / 40

    // Twenty kills, each a fraction of an epoch (drawn with a fixed seed) after the attempt
    // wrote a new checkpoint: every attempt makes progress, whatever the machine's speed, and
    // the kills land anywhere in an epoch, some while a checkpoint is being written.
    let checkpoint = killed.path + "/long/runs/run/" + RunCheckpoint.fileName
    func checkpointFile() -> Int? {
      (try? FileManager.default.attributesOfItem(atPath: checkpoint))?[.systemFileNumber] as? Int
    }
    var moment: UInt64 = 0x2545_F491_4F6C_DD1D
    var resumedEpochs: [Int] = []
    for attempt in 0..<20 {
      moment = moment &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
      let fraction = 0.5 * Double(moment >> 11) / Double(1 << 53)
      let errors = killed.path + "/stderr-\(attempt)"
      let before = checkpointFile()
      let process = try launch(["run", file, "--out", killed.path], stderr: errors)
      try waitUntil { checkpointFile() != before || !process.isRunning }
      Thread.sleep(forTimeInterval: fraction * epoch)
      kill(process.processIdentifier, SIGKILL)
      process.waitUntilExit()
      try expectNothingTruncated(killed.path + "/long", source: file, attempt: attempt)
      let stderr = try String(contentsOfFile: errors, encoding: .utf8)
      #expect(!stderr.contains("starts over"), "attempt \(attempt): \(stderr)")
      if let range = stderr.range(of: "resumes from its checkpoint after epoch ") {
        resumedEpochs.append(Int(stderr[range.upperBound...].prefix { $0.isNumber })!)
      }
    }
    // The run went on from its checkpoints, further and further.
    #expect(resumedEpochs.count == 19, "\(resumedEpochs)")
    #expect(resumedEpochs == Array(Set(resumedEpochs)).sorted(), "\(resumedEpochs)")
    let finished = try descent("run", file, "--out", killed.path)
    #expect(finished.status == 0, "\(finished.stderr)")
    #expect(try snapshot(killed.path + "/long") == snapshot(reference.path + "/long"))
    let result = "/long/runs/run/result.json"
    #expect(
      try RunResult(json: Data(contentsOf: URL(fileURLWithPath: killed.path + result)))
        .withoutTimings.json()
        == RunResult(json: Data(contentsOf: URL(fileURLWithPath: reference.path + result)))
        .withoutTimings.json())
    let weights = "/long/runs/run/weights.safetensors"
    #expect(
      FileManager.default.contents(atPath: killed.path + weights)
        == FileManager.default.contents(atPath: reference.path + weights))
    // The checkpoint goes once the run is complete.
    #expect(!FileManager.default.fileExists(atPath: killed.path + "/long/runs/run/checkpoint.bin"))
  }

  @Test func aStudyKilledEightTimesEndsWithTheSameRungsChoicesAndCurves() throws {
    let reference = try TemporaryFolder()
    let killed = try TemporaryFolder()
    let file = reference.path + "/study.yaml"
    try StudyTests.yaml().write(toFile: file, atomically: true, encoding: .utf8)
    let start = Date()
    #expect(try descent("run", file, "--out", reference.path, "--quiet").status == 0)
    let duration = Date().timeIntervalSince(start)
    var moment: UInt64 = 0x2545_F491_4F6C_DD1D
    for attempt in 0..<8 {
      moment = moment &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
      let fraction = (Double(attempt) + Double(moment >> 11) / Double(1 << 53)) / 8
      let process = try launch("run", file, "--out", killed.path, "--quiet")
      Thread.sleep(forTimeInterval: fraction * duration)
      kill(process.processIdentifier, SIGKILL)
      process.waitUntilExit()
    }
    let finished = try descent("run", file, "--out", killed.path, "--quiet")
    #expect(finished.status == 0, "\(finished.stderr)")
    var expected = try snapshot(reference.path + "/study")
    var found = try snapshot(killed.path + "/study")
    expected["study.md"] = try String(contentsOfFile: reference.path + "/study/study.md", encoding: .utf8)
    found["study.md"] = try String(contentsOfFile: killed.path + "/study/study.md", encoding: .utf8)
    #expect(found == expected)
  }

  @Test func secondProcessOnTheSameFolderRefuses() throws {
    let out = try TemporaryFolder()
    let file = try sweep(in: out, epochs: 400)
    let first = try launch("run", file, "--jobs", "1", "--out", out.path, "--quiet")
    defer {
      kill(first.processIdentifier, SIGKILL)
      first.waitUntilExit()
    }
    try waitUntil {
      FileManager.default.fileExists(atPath: out.path + "/sweep/experiment.yaml")
        || !first.isRunning
    }
    let second = try descent("run", file, "--out", out.path, "--quiet")
    #expect(second.status == 75)
    #expect(
      second.stderr
        == "\(out.path)/sweep: another descent process is writing this folder; wait for it to "
        + "finish, or write elsewhere with --out\n")
  }

  // MARK: - Helpers

  /// A sweep of 8 runs on iris.
  private func sweep(in folder: TemporaryFolder, epochs: Int) throws -> String {
    let file = folder.path + "/sweep.yaml"
    try """
      name: sweep
      seed: 3
      data: {source: iris, validation: 0.3}
      model:
        layers:
          - {dense: 16, activation: tanh}
          - {dense: 3}
      loss: cross_entropy
      optimizer: {name: sgd, lr: 0.1}
      training: {epochs: \(epochs), batch_size: 4}
      sweep:
        grid:
          optimizer.momentum: [0.0, 0.9]
          optimizer.lr: [0.02, 0.1]
        seeds: [1, 2]
      """.write(toFile: file, atomically: true, encoding: .utf8)
    return file
  }

  /// One run on the digits as images, with batch norm, dropout, momentum and a schedule, that
  /// writes a checkpoint after every epoch.
  private func longRun(in folder: TemporaryFolder) throws -> String {
    let file = folder.path + "/long.yaml"
    try """
      name: long
      seed: 3
      data: {source: digits, shape: [1, 8, 8], validation: 0.2, normalize: standard}
      model:
        layers:
          - {conv2d: 4, kernel: 3, padding: 1, bias: false}
          - batch_norm
          - {activation: relu}
          - {max_pool2d: 2}
          - flatten
          - {dense: 16, activation: relu}
          - {dropout: 0.2}
          - {dense: 10}
      loss: cross_entropy
      optimizer: {name: sgd, lr: 0.05, momentum: 0.9}
      schedule: {name: one_cycle, cycle_momentum: true}
      training:
        epochs: 40
        batch_size: 32
        save_weights: true
        checkpoint: {every: 1}
        early_stopping: {metric: val_loss, patience: 100}
      """.write(toFile: file, atomically: true, encoding: .utf8)
    return file
  }

  private func waitUntil(_ condition: () -> Bool) throws {
    let deadline = Date().addingTimeInterval(120)
    while !condition() {
      guard Date() < deadline else { throw TimeoutError() }
      Thread.sleep(forTimeInterval: 0.002)
    }
  }

  private struct TimeoutError: Error {}

  private func launch(_ arguments: String..., stderr: String? = nil) throws -> Process {
    try launch(arguments, stderr: stderr)
  }

  private func launch(_ arguments: [String], stderr: String? = nil) throws -> Process {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: Repository.executable)
    process.arguments = arguments
    process.standardOutput = FileHandle.nullDevice
    if let stderr {
      FileManager.default.createFile(atPath: stderr, contents: nil)
      process.standardError = FileHandle(forWritingAtPath: stderr)
    } else {
      process.standardError = FileHandle.nullDevice
    }
    try process.run()
    return process
  }

  private func completedRuns(in folder: String) -> Int {
    let runs = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
    return runs.filter { FileManager.default.fileExists(atPath: "\(folder)/\($0)/result.json") }
      .count
  }

  private func manifestStatuses(_ folder: String) throws -> [String] {
    let data = try Data(contentsOf: URL(fileURLWithPath: folder + "/manifest.json"))
    let object = try JSONSerialization.jsonObject(with: data) as? [String: Any]
    let runs = object?["runs"] as? [[String: Any]] ?? []
    return runs.compactMap { $0["status"] as? String }
  }

  /// Every file that looks complete is: JSON parses, every CSV row has the header's columns,
  /// experiment.yaml is the file as given, other YAML, Markdown and SVG end with a newline.
  private func expectNothingTruncated(_ folder: String, source: String, attempt: Int) throws {
    let enumerator = FileManager.default.enumerator(atPath: folder)
    while let relative = enumerator?.nextObject() as? String {
      let path = folder + "/" + relative
      let name = (relative as NSString).lastPathComponent
      guard !name.hasPrefix("."), let data = FileManager.default.contents(atPath: path) else {
        continue
      }
      if name.hasSuffix(".json") {
        #expect(
          (try? JSONSerialization.jsonObject(with: data)) != nil,
          "attempt \(attempt): \(relative) is not valid JSON")
      } else if name.hasSuffix(".csv") {
        let rows = String(decoding: data, as: UTF8.self).split(separator: "\n")
        let width = rows.first.map(fieldCount)
        #expect(
          data.last == UInt8(ascii: "\n") && rows.allSatisfy { fieldCount($0) == width },
          "attempt \(attempt): \(relative) is truncated")
      } else if name == "experiment.yaml" {
        #expect(
          data == FileManager.default.contents(atPath: source),
          "attempt \(attempt): experiment.yaml is not the file as given")
      } else if name == RunCheckpoint.fileName {
        let bytes = [UInt8](data)
        var stored = CheckpointReader(bytes, from: max(bytes.count - 8, 0))
        #expect(
          bytes.count > 8
            && RunCheckpoint.checksum(bytes.dropLast(8)) == (try? stored.readUInt64()),
          "attempt \(attempt): \(relative) is truncated")
      } else if name.hasSuffix(".yaml") || name.hasSuffix(".md") || name.hasSuffix(".svg") {
        #expect(data.last == UInt8(ascii: "\n"), "attempt \(attempt): \(relative) is truncated")
      }
    }
  }

  /// The fields of a CSV row, counting commas outside quotes.
  private func fieldCount(_ row: Substring) -> Int {
    var quoted = false
    var count = 1
    for character in row {
      if character == "\"" { quoted.toggle() } else if character == "," && !quoted { count += 1 }
    }
    return count
  }

  private func snapshot(_ folder: String) throws -> [String: String] {
    var files: [String: String] = [:]
    let enumerator = FileManager.default.enumerator(atPath: folder)
    while let relative = enumerator?.nextObject() as? String {
      guard relative.hasSuffix("curve.csv") || relative.hasSuffix("config.yaml")
        || relative == "summary-grouped.csv" || relative == "manifest.json"
      else { continue }
      let text = try String(contentsOfFile: folder + "/" + relative, encoding: .utf8)
      files[relative] = relative.hasSuffix(".csv") ? withoutTimings(text) : text
    }
    return files
  }

  private func withoutTimings(_ csv: String) -> String {
    let rows = csv.split(separator: "\n").map {
      $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
    }
    guard let header = rows.first else { return csv }
    let keep = header.indices.filter {
      !["seconds", "samples_per_second", "seconds_mean", "seconds_std",
        "samples_per_second_mean", "samples_per_second_std"].contains(header[$0])
    }
    return rows.map { row in keep.filter { $0 < row.count }.map { row[$0] }.joined(separator: ",") }
      .joined(separator: "\n")
  }
}
