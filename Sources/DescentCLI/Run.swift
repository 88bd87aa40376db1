import ArgumentParser
import Descent
import Foundation

struct Run: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Train every run of the experiments' sweeps and write their results.")

  @Argument(help: "Experiment files.")
  var files: [String]

  @OptionGroup var experimentOptions: ExperimentOptions

  @Option(help: "Runs to train at once (default: the number of cores).")
  var jobs: Int?

  @Option(help: "The folder that holds the experiments' results folders.")
  var out: String = "results"

  @Flag(help: "Train every run again, ignoring results of earlier invocations.")
  var fresh = false

  @Flag(help: "Print nothing while training.")
  var quiet = false

  func validate() throws {
    if let jobs, jobs < 1 { throw ValidationError("--jobs must be at least 1, found \(jobs)") }
  }

  func run() throws {
    let experiments = try files.map(experimentOptions.load)
    var failedRuns = 0
    for experiment in experiments {
      let runner = ExperimentRunner(
        experiment: experiment, outputDirectory: out,
        jobs: jobs ?? ProcessInfo.processInfo.activeProcessorCount, fresh: fresh)
      let progress = Progress(name: experiment.name, quiet: quiet)
      let results: [RunResult]
      do {
        results = try runner.run(events: progress.handle)
      } catch {
        progress.finish()
        printError(error)
        throw error is OutputError ? Exit.cannotWrite : Exit.badInput
      }
      progress.finish()
      failedRuns += results.filter { $0.status == .failed }.count
      for result in results where result.status == .failed {
        printError("\(experiment.name)/\(result.id): failed: \(result.message ?? "unknown error")")
      }
      if !quiet {
        let diverged = results.filter { $0.status == .diverged }.count
        var line = "\(experiment.name): \(results.count) runs"
        if diverged > 0 { line += ", \(diverged) diverged" }
        if failedRuns > 0 { line += ", \(failedRuns) failed" }
        print("\(line); results in \(runner.folder)")
      }
    }
    if failedRuns > 0 { throw Exit.runFailed }
  }
}
