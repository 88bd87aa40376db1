import ArgumentParser
import Descent

struct Plan: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "List the runs a sweep expands to, with their ids, settings and seeds.")

  @Argument(help: "An experiment file.")
  var file: String

  @OptionGroup var experimentOptions: ExperimentOptions

  func run() throws {
    let experiment = try experimentOptions.load(file)
    if let study = experiment.study?.study {
      print("\(experiment.name): a study")
      let epochs = experiment.runs[0].configuration.training.epochs
      for line in study.planDescription(epochs: epochs) { print("  " + line) }
    } else {
      print("\(experiment.name): \(experiment.runs.count) run\(experiment.runs.count == 1 ? "" : "s")")
    }
    let width = String(experiment.runs.count - 1).count
    for run in experiment.runs {
      let settings = run.settings.filter { $0.key != "seed" }.map { "\($0.key)=\($0.value)" }
      let index = String(repeating: " ", count: width - String(run.index).count) + "\(run.index)"
      var line = "\(index)  \(run.id)"
      if !settings.isEmpty { line += "  " + settings.joined(separator: " ") }
      line += "  seed=\(run.configuration.training.seed)  config=\(run.configHash.prefix(12))"
      print(line)
    }
  }
}
