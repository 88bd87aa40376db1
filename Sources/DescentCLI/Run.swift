import ArgumentParser
import Descent
import Foundation

struct Run: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Train every run of the experiments' sweeps and write their results.",
    discussion: """
      Then checks the expectations of each file (expect:), and compares the results with a \
      baseline when asked. With --shard K/N, trains only the runs whose sweep index i has \
      i % N == K - 1, leaves the others pending, and leaves the expectations to descent merge.
      """)

  @Argument(help: "Experiment files.")
  var files: [String]

  @OptionGroup var experimentOptions: ExperimentOptions

  @Option(help: "Runs to train at once (default: the number of cores).")
  var jobs: Int?

  @Option(help: "The folder that holds the experiments' results folders.")
  var out: String = "results"

  @Option(
    help: ArgumentHelp(
      "Train only the K-th of N parts of each sweep, for a job of a Slurm array, a Kubernetes "
        + "Indexed Job or a CI matrix; combine the parts with descent merge.",
      valueName: "K/N"))
  var shard: String?

  @Flag(help: "Train every run again, ignoring results of earlier invocations.")
  var fresh = false

  @Flag(help: "Print nothing while training.")
  var quiet = false

  @OptionGroup var junitOption: JUnitOption

  @OptionGroup var baselineOptions: BaselineOptions

  func validate() throws {
    if let jobs, jobs < 1 { throw ValidationError("--jobs must be at least 1, found \(jobs)") }
    if let shard {
      do {
        _ = try Shard(parsing: shard)
      } catch {
        throw ValidationError("--shard: \(error)")
      }
      if baselineOptions.baseline != nil {
        throw ValidationError(
          "--baseline compares a whole sweep, not a shard; merge the shards, then run "
            + "descent check DIR --baseline BASE")
      }
    }
  }

  func run() throws {
    let experiments = try files.map(experimentOptions.load)
    let shard = try self.shard.map { try Shard(parsing: $0) }
    var failedRuns = 0
    var checks = ResultChecks(quiet: quiet)
    let stop = StopRequest()
    let signals = SignalHandler(stop: stop, quiet: quiet)
    defer { withExtendedLifetime(signals) {} }
    // Every experiment's jobs are settled before any trains, so a refusal writes nothing.
    let runners = try experiments.map { experiment in
      var runner = ExperimentRunner(
        experiment: experiment, outputDirectory: out,
        jobs: jobs ?? ProcessInfo.processInfo.activeProcessorCount, fresh: fresh, shard: shard,
        stop: stop)
      runner.jobs = try jobsThatFit(runner)
      return runner
    }
    for runner in runners {
      let experiment = runner.experiment
      let progress = Progress(name: experiment.name, quiet: quiet)
      let results: [RunResult]
      do {
        results = try runner.run(events: progress.handle)
      } catch {
        progress.finish()
        printError(error)
        throw Exit.code(for: error)
      }
      progress.finish()
      let failed = results.filter { $0.status == .failed }
      failedRuns += failed.count
      for result in failed {
        printError("\(experiment.name)/\(result.id): failed: \(result.message ?? "unknown error")")
      }
      if !quiet {
        let diverged = results.filter { $0.status == .diverged }.count
        var line = "\(experiment.name): \(results.count) run\(results.count == 1 ? "" : "s")"
        if let shard { line += " (shard \(shard) of \(experiment.runs.count) runs)" }
        if diverged > 0 { line += ", \(diverged) diverged" }
        if !failed.isEmpty { line += ", \(failed.count) failed" }
        print("\(line); results in \(runner.folder)")
      }
      try checks.checkExpectations(in: runner.folder)
      try checks.compare(runner.folder, experiment: experiment.name, with: baselineOptions)
    }
    try checks.writeJUnit(junitOption)
    if failedRuns > 0 { throw Exit.runFailed }
    if checks.failed { throw Exit.expectationFailed }
  }

  /// The runner's jobs, fewer when its runs would not fit in memory all at once: `--jobs` so
  /// many is refused with the number that fits; the default, one job per core, becomes that
  /// number, with a note.
  private func jobsThatFit(_ runner: ExperimentRunner) throws -> Int {
    let limit: MemoryLimit
    do {
      limit = try MemoryLimit.current()
    } catch {
      printError(error)
      throw Exit.badInput
    }
    let runs = runner.selectedRuns
    let fitting = MemoryEstimate.jobsThatFit(runs, upTo: runner.jobs, limit: limit)
    guard fitting < runner.jobs else { return runner.jobs }
    let parallelism = MemoryEstimate.Parallelism(jobs: runner.jobs, count: runs.count)
    let need =
      "\(parallelism.runs) run\(parallelism.runs == 1 ? "" : "s") at a time on "
      + "\(parallelism.threads) thread\(parallelism.threads == 1 ? "" : "s") each would need about "
      + MemoryLimit.format(MemoryEstimate.bytes(of: runs, jobs: runner.jobs))
    if jobs != nil {
      printError(
        Diagnostic(
          file: "--jobs \(runner.jobs)",
          message: "\(need); \(limit); use --jobs \(fitting)\(fitting > 1 ? " or fewer" : "")"))
      throw Exit.badInput
    }
    if !quiet {
      printError(
        "\(runner.experiment.name): \(fitting) job\(fitting == 1 ? "" : "s") rather than one per core: \(need); \(limit)"
      )
    }
    return fitting
  }
}
