import Foundation

/// `manifest.json`: what the results folder holds, run by run.
struct Manifest: Codable {
  struct Setting: Codable {
    var key: String
    var value: String
  }

  struct Run: Codable {
    var index: Int
    var id: String
    var settings: [Setting]
    var seed: UInt64
    /// `complete`, `diverged`, `failed`, or `pending` for a run not finished yet.
    var status: String
    var configHash: String
    var epochs: Int?
  }

  var experiment: String
  var descentVersion: String
  var runs: [Run]

  init(experiment: Experiment, results: [RunResult?]) {
    self.experiment = experiment.name
    descentVersion = Descent.version
    runs = zip(experiment.runs, results).map { run, result in
      Run(
        index: run.index, id: run.id,
        settings: run.settings.map { Setting(key: $0.key, value: $0.value) },
        seed: run.configuration.training.seed, status: result?.status.rawValue ?? "pending",
        configHash: run.configHash, epochs: result?.curve.count)
    }
  }

  func json() throws -> Data {
    let encoder = JSONEncoder()
    encoder.keyEncodingStrategy = .convertToSnakeCase
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
    return try encoder.encode(self) + Data("\n".utf8)
  }
}

/// Facts about this build of Descent that results record.
public enum Descent {
  public static let version = "0.1.0"
}
