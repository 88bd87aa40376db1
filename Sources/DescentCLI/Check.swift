import ArgumentParser
import Descent

struct Check: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Check the expectations of results folders, and compare them with a baseline.",
    discussion: """
      Reads manifest.json and runs/*/result.json of each folder, without training, and checks \
      the expectations the experiment file gave. With --baseline, compares summary.csv and \
      every runs/<id>/curve.csv with the baseline's, timing columns aside. Exits with 1 when an \
      expectation fails or the baseline differs.
      """)

  @Argument(help: "Results folders, such as results/sgd-vs-momentum.")
  var folders: [String]

  @Flag(help: "Print only problems.")
  var quiet = false

  @OptionGroup var junitOption: JUnitOption

  @OptionGroup var baselineOptions: BaselineOptions

  func run() throws {
    var checks = ResultChecks(quiet: quiet)
    for folder in folders {
      let experiment = try checks.checkExpectations(in: folder)
      try checks.compare(folder, experiment: experiment, with: baselineOptions)
    }
    try checks.writeJUnit(junitOption)
    if checks.failed { throw Exit.expectationFailed }
  }
}
