import ArgumentParser
import Descent
import DescentEngine
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
        + "Indexed Job or a CI matrix; combine the parts with descent merge. auto takes K and "
        + "N from the scheduler's variables (SLURM_ARRAY_TASK_ID and SLURM_ARRAY_TASK_COUNT, "
        + "BATCH_TASK_INDEX and BATCH_TASK_COUNT, CI_NODE_INDEX and CI_NODE_TOTAL) and says "
        + "which on standard error; auto/N when they give only the index (JOB_COMPLETION_INDEX, "
        + "AWS_BATCH_JOB_ARRAY_INDEX).",
      valueName: "K/N|auto|auto/N"))
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
        _ = try Self.shard(shard)
      } catch {
        throw ValidationError("--shard\(Shard.isAutomatic(shard) ? " " : ": ")\(error)")
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
    let shard = try self.shard.map { try Self.shard($0) }
    if let shard = self.shard, Shard.isAutomatic(shard) {
      // Said even with --quiet: a scheduler's log is where a wrong split would be looked for.
      let source = try Shard.fromEnvironment(
        shard, environment: ProcessInfo.processInfo.environment)
      printError("--shard \(shard): \(source)")
    }
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
    if shard != nil, let study = experiments.first(where: { $0.study != nil }) {
      printError(
        "\(study.name): --shard: a study decides each phase from every result of the one before "
          + "(rungs, extension, confirmation), so it cannot be split; run it without --shard")
      throw ExitCode(64)
    }
    for runner in runners {
      let experiment = runner.experiment
      let progress = Progress(name: experiment.name, quiet: quiet)
      if experiment.study != nil {
        failedRuns += try runStudy(runner, progress: progress)
        try checks.compare(runner.folder, experiment: experiment.name, with: baselineOptions)
        continue
      }
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

  /// The shard a `--shard` value names: `K/N`, or `auto` and `auto/N` read from the
  /// environment.
  private static func shard(_ text: String) throws(ShardError) -> Shard {
    guard Shard.isAutomatic(text) else { return try Shard(parsing: text) }
    return try Shard.fromEnvironment(text, environment: ProcessInfo.processInfo.environment).shard
  }

  /// Runs a study with the runner's settings and prints each arm's choice and comparison.
  ///
  /// - Returns: the number of its runs that failed.
  private func runStudy(_ runner: ExperimentRunner, progress: Progress) throws -> Int {
    let study = StudyRunner(
      experiment: runner.experiment, outputDirectory: runner.outputDirectory, jobs: runner.jobs,
      fresh: runner.fresh, stop: runner.stop)
    let outcome: StudyOutcome
    do {
      outcome = try study.run(events: progress.handle)
    } catch {
      progress.finish()
      printError(error)
      throw Exit.code(for: error)
    }
    progress.finish()
    let name = runner.experiment.name
    let failed = outcome.results.values.filter { $0.status == .failed }.sorted { $0.id < $1.id }
    for result in failed {
      printError("\(name)/\(result.id): failed: \(result.message ?? "unknown error")")
    }
    guard !quiet else { return failed.count }
    for note in outcome.notes { print("\(name): warning: \(note)") }
    for confirmation in outcome.confirmations {
      let summary = confirmation.values.map(\.value)
      let mean = summary.isEmpty ? Double.nan : summary.reduce(0, +) / Double(summary.count)
      print(
        "\(name): \(confirmation.arm): chose \(confirmation.chosen); \(outcome.confirmationMetric) "
          + String(format: "%.4g", mean) + " over \(confirmation.values.count) fresh seeds")
    }
    for comparison in outcome.comparisons() {
      let difference = comparison.meanDifference.map { String(format: "%+.4g", $0) } ?? "–"
      let p = comparison.pValue.map { String(format: "%.3g", $0) } ?? "–"
      print("\(name): \(comparison.arm) − \(comparison.baseline): \(difference) (paired, p = \(p))")
    }
    print("\(name): study in \(study.folder)/study.md")
    return failed.count
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
