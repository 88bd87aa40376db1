import ArgumentParser
import Descent

struct Validate: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Check experiment files and print every problem as file:line:column: key: message.")

  @Argument(help: "Experiment files.")
  var files: [String]

  @OptionGroup var experimentOptions: ExperimentOptions

  func run() throws {
    var valid = true
    for file in files {
      do {
        let experiment = try experimentOptions.load(file)
        print("\(file): ok, \(experiment.runs.count) run\(experiment.runs.count == 1 ? "" : "s")")
      } catch {
        valid = false
      }
    }
    if !valid { throw Exit.badInput }
  }
}
