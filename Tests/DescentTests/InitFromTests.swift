import Foundation
import Testing

@testable import Descent

/// `model.init_from` is checked when the file is loaded, run by run, and again when a run
/// starts.
@Suite struct InitFromTests {
  /// The minimal experiment with a first layer of `width`, starting from each of `files` in
  /// turn (a zip with the widths when several).
  static func experiment(widths: [Int], files: [String]) -> String {
    BadInput.minimal(
      after: """
        sweep:
          zip:
            model.layers.0.dense: [\(widths.map(String.init).joined(separator: ", "))]
            model.init_from: [\(files.joined(separator: ", "))]
        """)
  }

  /// The weights of the minimal network with a first layer of `width`.
  static func weights(width: Int) -> Data {
    Data(
      BadInput.weights([
        ("0.weight", [width, 4]), ("0.bias", [width]), ("2.weight", [3, width]), ("2.bias", [3]),
      ]))
  }

  @Test func eachSweptFileIsCheckedAgainstItsRunsModel() throws {
    let folder = try TemporaryFolder()
    try Self.weights(width: 8).write(to: URL(fileURLWithPath: folder.path + "/w8.safetensors"))
    try Self.weights(width: 16).write(to: URL(fileURLWithPath: folder.path + "/w16.safetensors"))
    let good = Self.experiment(
      widths: [8, 16], files: ["w8.safetensors", "w16.safetensors"])
    let experiment = try Experiment.load(
      yaml: good, file: "x.yaml", baseDirectory: folder.path)
    #expect(
      experiment.runs.map(\.configuration.initFrom)
        == ["w8", "w16"].map {
          URL(fileURLWithPath: folder.path + "/\($0).safetensors").standardizedFileURL.path
        })

    let crossed = Self.experiment(
      widths: [8, 16, 16], files: ["w8.safetensors", "w16.safetensors", "w8.safetensors"])
    do {
      _ = try Experiment.load(yaml: crossed, file: "x.yaml", baseDirectory: folder.path)
      Issue.record("the file was accepted for a model it does not fit")
    } catch let error as Diagnostics {
      #expect(
        error.description
          == "x.yaml:4:56: model.init_from: tensor '0.weight' has shape [8, 4] in the file, but the model expects [16, 4]"
      )
    }
  }

  @Test func eachFileIsReadOncePerLoad() throws {
    let folder = try TemporaryFolder()
    let path = folder.path + "/w.safetensors"
    try Self.weights(width: 8).write(to: URL(fileURLWithPath: path))
    var inspector = DataInspector()
    let first = try inspector.safetensorsHeader(at: path).get()
    try FileManager.default.removeItem(atPath: path)
    // The second run of a sweep that names the file gets what the first read.
    let second = try inspector.safetensorsHeader(at: path).get()
    #expect(first.entries == second.entries)
    #expect(first.entries["0.weight"] == .init(dtype: "F32", shape: [8, 4], begin: 0, end: 128))
    #expect(first.fileSize == first.dataStart + 4 * (32 + 8 + 24 + 3))
  }

  @Test func aFileChangedAfterLoadingFailsItsRun() throws {
    let folder = try TemporaryFolder()
    let path = folder.path + "/w.safetensors"
    try Self.weights(width: 8).write(to: URL(fileURLWithPath: path))
    let experiment = try Experiment.load(
      yaml: BadInput.startingFromWeights, file: "x.yaml", baseDirectory: folder.path)
    try Self.weights(width: 5).write(to: URL(fileURLWithPath: path))
    let results = try ExperimentRunner(
      experiment: experiment, outputDirectory: folder.path + "/results", jobs: 1
    ).run()
    let resolved = URL(fileURLWithPath: path).standardizedFileURL.path
    #expect(results.map(\.status) == [.failed])
    #expect(
      results.first?.message
        == "\(resolved): tensor '0.weight' has shape [5, 4] in the file, but the model expects [8, 4]"
    )
  }
}
