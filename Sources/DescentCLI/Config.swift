import ArgumentParser
import Descent

struct Config: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Print a run's fully resolved configuration, every default written out.",
    discussion: """
      What the run's config.yaml will hold: loading it as an experiment trains the same run. \
      With a sweep, --run ID prints that run's configuration (descent plan lists the ids), and \
      without it the base configuration: the file and its --set overrides, without the sweep.
      """)

  @Argument(help: "An experiment file.")
  var file: String

  @OptionGroup var experimentOptions: ExperimentOptions

  @Option(name: .customLong("run"), help: "The id of the run whose configuration to print.")
  var runID: String?

  func run() throws {
    let experiment = try experimentOptions.load(file)
    if let runID {
      guard let spec = experiment.runs.first(where: { $0.id == runID }) else {
        printError("\(file): no run with id '\(runID)'; descent plan \(file) lists them")
        throw Exit.badInput
      }
      print(spec.resolvedConfiguration, terminator: "")
      return
    }
    guard experiment.runs.count > 1 || experiment.study != nil else {
      print(experiment.runs[0].resolvedConfiguration, terminator: "")
      return
    }
    var base = experimentOptions
    base.sweeps = []
    // What reads the sweep goes with it.
    base.overrides += experiment.study == nil ? ["sweep=", "expect=", "report="] : ["study="]
    print(try base.load(file).runs[0].resolvedConfiguration, terminator: "")
  }
}
