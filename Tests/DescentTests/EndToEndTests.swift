import Foundation
import Testing

@testable import Descent
@testable import DescentEngine

/// The real `descent` executable on real files in a temporary folder.
@Suite(.serialized)
struct EndToEndTests {
  @Test func flagshipRunsAndWritesTheDocumentedOutputs() throws {
    let out = try TemporaryFolder()
    let result = try descent(
      "run", Repository.experiment("sgd-vs-momentum"), "--set", "training.epochs=2",
      "--out", out.path, "--quiet")
    #expect(result.status == 0, "\(result.stderr)")
    let folder = out.path + "/sgd-vs-momentum"
    for file in ["experiment.yaml", "manifest.json", "summary.csv", "summary.md"] {
      #expect(FileManager.default.fileExists(atPath: folder + "/" + file), "\(file) is missing")
    }
    let summary = try lines(folder + "/summary.csv")
    #expect(
      summary.first
        == "index,id,optimizer.momentum,optimizer.lr,seed,status,epochs,train_loss,val_loss,"
        + "val_accuracy,best_val_loss,best_epoch,seconds,samples_per_second")
    #expect(summary.count == 1 + 18)
    let manifest = try manifestRuns(folder)
    #expect(manifest.count == 18)
    #expect(manifest.allSatisfy { $0["status"] as? String == "complete" })
    for run in manifest {
      let id = try #require(run["id"] as? String)
      let curve = try lines(folder + "/runs/\(id)/curve.csv")
      #expect(curve.first == "epoch,step,lr,momentum,train_loss,val_loss,val_accuracy,grad_norm,seconds")
      #expect(curve.count == 1 + 2)
      #expect(FileManager.default.fileExists(atPath: folder + "/runs/\(id)/config.yaml"))
    }
    #expect(try String(contentsOfFile: folder + "/experiment.yaml", encoding: .utf8)
      == String(contentsOfFile: Repository.experiment("sgd-vs-momentum"), encoding: .utf8))
  }

  @Test func resultsDoNotDependOnTheNumberOfJobs() throws {
    let one = try TemporaryFolder()
    let two = try TemporaryFolder()
    let file = try smallSweep(in: one)
    #expect(try descent("run", file, "--jobs", "1", "--out", one.path, "--quiet").status == 0)
    #expect(try descent("run", file, "--jobs", "2", "--out", two.path, "--quiet").status == 0)
    #expect(try snapshot(one.path + "/small") == snapshot(two.path + "/small"))
  }

  @Test func aSingleConvolutionalRunOnTwoThreadsGivesTheBitsOfOne() throws {
    // One run and --jobs 2: the run's products, convolutions, pooling and activations split
    // across both cores.
    let one = try TemporaryFolder()
    let two = try TemporaryFolder()
    let file = one.path + "/cnn.yaml"
    try """
      name: cnn
      seed: 2
      data: {source: digits, shape: [1, 8, 8]}
      model:
        layers:
          - {conv2d: 8, kernel: 3, padding: same, activation: relu}
          - {max_pool2d: 2}
          - {dropout: 0.1}
          - {conv2d: 16, kernel: 3, padding: 1, groups: 2, activation: tanh}
          - {avg_pool2d: 2}
          - flatten
          - {dense: 10}
      loss: cross_entropy
      optimizer: {name: sgd, lr: 0.05, momentum: 0.9}
      training: {epochs: 3, batch_size: 64}
      """.write(toFile: file, atomically: true, encoding: .utf8)
    #expect(try descent("run", file, "--jobs", "1", "--out", one.path, "--quiet").status == 0)
    #expect(try descent("run", file, "--jobs", "2", "--out", two.path, "--quiet").status == 0)
    #expect(try snapshot(one.path + "/cnn") == snapshot(two.path + "/cnn"))
  }

  @Test func everyMatrixProductKernelTrainsTheSameCurves() throws {
    // A convolutional network with batch norm and a residual block, then dense layers, once
    // on each kernel this CPU runs (DESCENT_KERNEL): the same curves and summaries.
    let kernels = MatrixProduct.Kernel.allCases.filter(\.isAvailable)
    let folders = try kernels.map { _ in try TemporaryFolder() }
    let file = folders[0].path + "/kernels.yaml"
    try """
      name: kernels
      seed: 3
      data: {source: digits, shape: [1, 8, 8]}
      model:
        layers:
          - {conv2d: 8, kernel: 3, padding: 1, bias: false}
          - batch_norm
          - {activation: relu}
          - residual:
              - {conv2d: 8, kernel: 3, padding: 1, bias: false}
              - batch_norm
            shortcut: identity
          - {activation: relu}
          - {max_pool2d: 2}
          - {conv2d: 33, kernel: 3, padding: 1}
          - flatten
          - {dense: 40, activation: relu}
          - {dense: 10}
      loss: cross_entropy
      optimizer: {name: sgd, lr: 0.05, momentum: 0.9}
      training: {epochs: 2, batch_size: 50}
      """.write(toFile: file, atomically: true, encoding: .utf8)
    for (kernel, folder) in zip(kernels, folders) {
      let result = try descent(
        ["run", file, "--jobs", "1", "--out", folder.path, "--quiet"],
        environment: ["DESCENT_KERNEL": kernel.rawValue])
      #expect(result.status == 0, "\(kernel): \(result.stderr)")
    }
    let reference = try snapshot(folders[0].path + "/kernels")
    for (kernel, folder) in zip(kernels, folders).dropFirst() {
      #expect(try snapshot(folder.path + "/kernels") == reference, "\(kernel)")
    }
  }

  @Test func aKernelTheCPUCannotRunIsRefused() throws {
    let missing = MatrixProduct.Kernel.allCases.first { !$0.isAvailable }
    for name in [missing?.rawValue, "sse9"].compactMap(\.self) {
      let result = try descent(
        ["bench", "--batch", "1", "--repetitions", "1"], environment: ["DESCENT_KERNEL": name])
      #expect(result.status == 64)
      #expect(result.stderr.contains("DESCENT_KERNEL:"), "\(result.stderr)")
      let flag = try descent(["bench", "--batch", "1", "--repetitions", "1", "--kernel", name])
      #expect(flag.status == 64)
      #expect(flag.stderr.contains("--kernel:"), "\(flag.stderr)")
    }
  }

  @Test func interruptedSweepResumesToIdenticalResults() throws {
    let reference = try TemporaryFolder()
    let interrupted = try TemporaryFolder()
    let file = try smallSweep(in: reference, epochs: 6)
    #expect(try descent("run", file, "--out", reference.path, "--quiet").status == 0)

    // Kill the runner once some runs are complete, then run the same command again.
    let process = try launch("run", file, "--jobs", "1", "--out", interrupted.path, "--quiet")
    let runs = interrupted.path + "/small/runs"
    let deadline = Date().addingTimeInterval(120)
    while completedRuns(in: runs) < 2 && process.isRunning && Date() < deadline {
      Thread.sleep(forTimeInterval: 0.005)
    }
    kill(process.processIdentifier, SIGKILL)
    process.waitUntilExit()
    let completedBefore = completedRuns(in: runs)
    #expect(completedBefore >= 2 && completedBefore < 8, "killed after \(completedBefore) runs")

    let resumed = try descent("run", file, "--out", interrupted.path)
    #expect(resumed.status == 0, "\(resumed.stderr)")
    #expect(resumed.stderr.contains("\(completedBefore) of 8 runs already complete"))
    #expect(try snapshot(interrupted.path + "/small") == snapshot(reference.path + "/small"))
  }

  @Test func rerunSkipsCompleteRunsAndFreshStartsOver() throws {
    let out = try TemporaryFolder()
    let file = try smallSweep(in: out)
    #expect(try descent("run", file, "--out", out.path, "--quiet").status == 0)
    let again = try descent("run", file, "--out", out.path)
    #expect(again.stderr.contains("small: 8 of 8 runs already complete, 0 to train"))
    let fresh = try descent("run", file, "--out", out.path, "--fresh")
    #expect(fresh.status == 0)
    #expect(!fresh.stderr.contains("already complete"))
    #expect(fresh.stderr.contains("[8/8]"))
  }

  @Test func badExperimentFileExitsWithBadInputAndWritesNothing() throws {
    let out = try TemporaryFolder()
    let file = out.path + "/broken.yaml"
    try "optimizer:\n  name: sgd\n  lr: -1\n".write(toFile: file, atomically: true, encoding: .utf8)
    let result = try descent("run", file, "--out", out.path + "/results")
    #expect(result.status == 65)
    #expect(result.stderr.contains("broken.yaml:3:7: optimizer.lr:"))
    #expect(!FileManager.default.fileExists(atPath: out.path + "/results"))
  }

  @Test func usageErrorsExitWith64() throws {
    let result = try descent("run", Repository.experiment("iris"), "--jobs", "0")
    #expect(result.status == 64)
    #expect(result.stderr.contains("--jobs must be at least 1, found 0"))
  }

  @Test func unwritableOutputExitsWith73BeforeTraining() throws {
    let out = try TemporaryFolder()
    let blocker = out.path + "/file"
    try "not a folder".write(toFile: blocker, atomically: true, encoding: .utf8)
    let result = try descent("run", Repository.experiment("iris"), "--out", blocker, "--quiet")
    #expect(result.status == 73)
    #expect(result.stderr.contains("cannot write"))
    #expect(try String(contentsOfFile: blocker, encoding: .utf8) == "not a folder")
  }

  @Test func shippedExperimentsValidate() throws {
    // Fashion-MNIST's files come from a Debian package that may not be installed.
    let fashionInstalled = FileManager.default.fileExists(
      atPath: "/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz")
    let files = try FileManager.default.contentsOfDirectory(atPath: Repository.root + "/experiments")
      .filter { $0.hasSuffix(".yaml") && (fashionInstalled || !$0.hasPrefix("fashion-mnist")) }
      .sorted().map { Repository.root + "/experiments/" + $0 }
    #expect(files.count >= 4)
    let result = try descent(["validate"] + files)
    #expect(result.status == 0, "\(result.stderr)")
    #expect(result.stdout.contains("sgd-vs-momentum.yaml: ok, 18 runs"))
  }

  @Test func planListsEveryRunWithItsSeed() throws {
    let result = try descent("plan", Repository.experiment("sgd-vs-momentum"))
    #expect(result.status == 0)
    let lines = result.stdout.split(separator: "\n")
    #expect(lines.first == "sgd-vs-momentum: 18 runs")
    #expect(lines.count == 19)
    #expect(lines.dropFirst().allSatisfy { $0.contains("seed=") && $0.contains("config=") })
  }

  @Test func gradcheckPassesOnTheShippedModel() throws {
    let result = try descent("gradcheck", Repository.experiment("iris"), "--rows", "4")
    #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
    #expect(result.stdout.contains("0.weight"))
    #expect(result.stdout.contains("passed (|analytic - numeric| <= 1e-05 + 0.001 * |numeric|)"))
  }

  @Test func summaryDescribesEachLayerWithItsShapeAndParameters() throws {
    let result = try descent("summary", Repository.experiment("digits-cnn"))
    #expect(result.status == 0, "\(result.stderr)")
    let lines = result.stdout.split(separator: "\n").map(String.init)
    #expect(lines.first == "digits-cnn: model of momentum-0.0_seed-1, input [1, 8, 8]")
    #expect(lines.contains { $0.hasPrefix("0      conv2d 16, 3x3, padding 1x1  [16, 8, 8]") })
    #expect(lines.contains { $0.hasPrefix("6      flatten") && $0.contains("[128]") })
    // 160 + 4640 + 1290 parameters.
    #expect(lines.contains { $0.hasPrefix("total") && $0.contains("6,090") })
  }

  @Test func summaryShowsEachBlocksLayersUnderIt() throws {
    let folder = try TemporaryFolder()
    let file = folder.path + "/blocks.yaml"
    try """
      data: {source: digits, shape: [1, 8, 8]}
      model:
        layers:
          - {conv2d: 4, kernel: 3, padding: 1, bias: false}
          - batch_norm
          - residual:
              - {conv2d: 8, kernel: 3, stride: 2, padding: 1, bias: false}
              - residual: [{conv2d: 8, kernel: 1}, layer_norm]
            shortcut: projection
          - global_avg_pool2d
          - flatten
          - {dense: 10}
      loss: cross_entropy
      optimizer: sgd
      """.write(toFile: file, atomically: true, encoding: .utf8)
    let result = try descent("summary", file)
    #expect(result.status == 0, "\(result.stderr)")
    // Each line with its runs of spaces as one.
    let lines = result.stdout.split(separator: "\n").map {
      $0.split(separator: " ").joined(separator: " ")
    }
    // A block's row counts its layers: 288 + 328 + 32 + 16 parameters.
    #expect(lines.contains("2 residual, projection shortcut [8, 4, 4] 664 6,144"))
    let strided = "2.body.0 conv2d 8, 3x3, stride 2x2, padding 1x1, no bias [8, 4, 4] 288 4,608"
    #expect(lines.contains(strided))
    #expect(lines.contains("2.body.1 residual, identity shortcut [8, 4, 4] 328 1,024"))
    #expect(lines.contains("2.body.1.body.1 layer_norm [8, 4, 4] 256 0"))
    #expect(lines.contains("2.shortcut.0 conv2d 8, 1x1, stride 2x2, no bias [8, 4, 4] 32 512"))
    #expect(lines.contains("2.shortcut.1 batch_norm [8, 4, 4] 16 0"))
    // The totals count each parameter once: 36 + 8 + 664 + 90.
    #expect(lines.contains("total 798 8,528"))
  }

  // MARK: - Helpers

  /// A sweep of 8 short runs on iris, written next to the results.
  private func smallSweep(in folder: TemporaryFolder, epochs: Int = 3) throws -> String {
    let file = folder.path + "/small.yaml"
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
      training: {epochs: \(epochs), batch_size: 8}
      sweep:
        grid:
          optimizer.momentum: [0.0, 0.9]
          optimizer.lr: [0.05, 0.2]
        seeds: [1, 2]
      """.write(toFile: file, atomically: true, encoding: .utf8)
    return file
  }

  private func completedRuns(in folder: String) -> Int {
    let runs = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
    return runs.filter { FileManager.default.fileExists(atPath: "\(folder)/\($0)/result.json") }
      .count
  }

  /// Every file of a results folder that the reproducibility promise covers, with the timing
  /// columns removed from CSV files and from the tables of Markdown files.
  private func snapshot(_ folder: String) throws -> [String: String] {
    var files: [String: String] = [:]
    let enumerator = FileManager.default.enumerator(atPath: folder)
    while let relative = enumerator?.nextObject() as? String {
      guard [".csv", ".md", ".yaml", ".svg"].contains(where: { relative.hasSuffix($0) })
      else { continue }
      let text = try String(contentsOfFile: folder + "/" + relative, encoding: .utf8)
      if relative.hasSuffix(".csv") {
        files[relative] = withoutTimingColumns(text)
      } else if relative.hasSuffix(".md") {
        files[relative] = withoutTimingColumnsInTables(text)
      } else {
        files[relative] = text
      }
    }
    return files
  }

  /// Whether a column holds timings: `seconds`, `samples_per_second`, or their summaries such as
  /// `seconds_mean`.
  private func isTiming(_ name: String) -> Bool {
    ["seconds", "samples_per_second"].contains { name == $0 || name.hasPrefix($0 + "_") }
  }

  private func withoutTimingColumns(_ csv: String) -> String {
    let rows = csv.split(separator: "\n", omittingEmptySubsequences: false).map {
      $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
    }
    guard let header = rows.first else { return csv }
    let keep = header.indices.filter { !isTiming(header[$0]) }
    return rows.map { row in keep.filter { $0 < row.count }.map { row[$0] }.joined(separator: ",") }
      .joined(separator: "\n")
  }

  /// Markdown with the timing columns of every table (runs of lines that start with `|`) removed.
  private func withoutTimingColumnsInTables(_ markdown: String) -> String {
    var output: [String] = []
    var keep: [Int]?
    for line in markdown.split(separator: "\n", omittingEmptySubsequences: false) {
      guard line.hasPrefix("|") else {
        keep = nil
        output.append(String(line))
        continue
      }
      let cells = line.split(separator: "|", omittingEmptySubsequences: false).dropFirst().dropLast()
        .map { $0.trimmingCharacters(in: .whitespaces) }
      let columns = keep ?? cells.indices.filter { !isTiming(cells[$0]) }
      keep = columns
      output.append(columns.filter { $0 < cells.count }.map { cells[$0] }.joined(separator: "|"))
    }
    return output.joined(separator: "\n")
  }

  private func lines(_ path: String) throws -> [String] {
    try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map(String.init)
  }

  private func manifestRuns(_ folder: String) throws -> [[String: Any]] {
    let data = try Data(contentsOf: URL(fileURLWithPath: folder + "/manifest.json"))
    let object = try JSONSerialization.jsonObject(with: data) as? [String: Any]
    return object?["runs"] as? [[String: Any]] ?? []
  }
}

/// Paths in the repository and the built executable.
enum Repository {
  static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .deletingLastPathComponent().deletingLastPathComponent().path

  static func experiment(_ name: String) -> String { root + "/experiments/\(name).yaml" }

  /// The `descent` executable beside the test bundle in the build folder.
  static let executable: String = {
    var folder = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    if folder.pathExtension == "xctest" || folder.path.contains(".xctest/") {
      folder = Bundle.main.bundleURL.deletingLastPathComponent()
    }
    return folder.appendingPathComponent("descent").path
  }()
}

struct CommandResult {
  var status: Int32
  var stdout: String
  var stderr: String
}

func launch(_ arguments: String...) throws -> Process {
  let process = Process()
  process.executableURL = URL(fileURLWithPath: Repository.executable)
  process.arguments = arguments
  process.standardOutput = FileHandle.nullDevice
  process.standardError = FileHandle.nullDevice
  try process.run()
  return process
}

func descent(_ arguments: String...) throws -> CommandResult {
  try descent(arguments)
}

/// Runs `descent` to completion and captures its output; `environment` adds to the test's own
/// environment variables, or replaces them.
func descent(_ arguments: [String], environment: [String: String] = [:]) throws -> CommandResult {
  #expect(
    FileManager.default.isExecutableFile(atPath: Repository.executable),
    "no descent executable at \(Repository.executable); build the package first")
  let process = Process()
  process.executableURL = URL(fileURLWithPath: Repository.executable)
  process.arguments = arguments
  process.currentDirectoryURL = URL(fileURLWithPath: Repository.root)
  if !environment.isEmpty {
    process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
  }
  let stdout = Pipe()
  let stderr = Pipe()
  process.standardOutput = stdout
  process.standardError = stderr
  try process.run()
  // Read both pipes to the end before waiting, so a full pipe cannot block the child.
  let group = DispatchGroup()
  nonisolated(unsafe) var errorData = Data()
  DispatchQueue.global().async(group: group) {
    errorData = stderr.fileHandleForReading.readDataToEndOfFile()
  }
  let outputData = stdout.fileHandleForReading.readDataToEndOfFile()
  group.wait()
  process.waitUntilExit()
  return CommandResult(
    status: process.terminationStatus, stdout: String(decoding: outputData, as: UTF8.self),
    stderr: String(decoding: errorData, as: UTF8.self))
}

/// A folder under the system's temporary folder, removed when the value goes away.
final class TemporaryFolder {
  let path: String

  init() throws {
    path = NSTemporaryDirectory() + "descent-tests-" + UUID().uuidString
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
  }

  deinit {
    try? FileManager.default.removeItem(atPath: path)
  }
}
