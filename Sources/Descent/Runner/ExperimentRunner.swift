import DescentEngine
import Dispatch
import Foundation

/// Runs every configuration of an experiment's sweep (or of one shard of it) in parallel and
/// writes the results folder.
///
/// Each run trains on one thread and owns all of its state; the prepared data is shared
/// read-only. Results are collected by sweep position and written in that order, so the output
/// does not depend on how runs were scheduled. Each run's files are written as soon as it ends,
/// its `result.json` last: a rerun skips every run whose `result.json` matches its configuration
/// hash, so an interrupted sweep resumes where it stopped. At the end, `manifest.json` records
/// every run, and `summary.csv` and the report are built from the folder's files
/// (`ResultFiles`), as `descent merge` builds them.
public struct ExperimentRunner: Sendable {
  /// What the runner reports as it goes; the caller decides how to show it.
  public enum Event: Sendable {
    /// The sweep is about to start: `toRun` of the `total` runs of the sweep (or of the
    /// shard) need training.
    case started(total: Int, toRun: Int)
    /// A run finished an epoch.
    case epoch(run: Int, id: String, record: EpochRecord)
    /// A run found its checkpoint: it goes on from there, or (refused) starts over.
    case checkpoint(run: Int, id: String, CheckpointResumption)
    /// A run ended (or was found complete from an earlier invocation, `resumed`).
    case finished(RunResult, resumed: Bool)
  }

  public var experiment: Experiment {
    didSet { folder = Self.folder(of: experiment, in: outputDirectory) }
  }
  /// The folder that holds experiment folders; results go to `<output>/<name>`.
  public var outputDirectory: String {
    didSet { folder = Self.folder(of: experiment, in: outputDirectory) }
  }
  /// The experiment's results folder, `<output>/<name>` as an absolute path. Kept rather than
  /// computed: every run's paths start with it, and `URL` asks the file system each time.
  public private(set) var folder: String
  /// How many runs train at once.
  public var jobs: Int
  /// Whether to ignore results of earlier invocations and train every run again.
  public var fresh: Bool
  /// The part of the sweep to train, or `nil` for all of it; the other runs stay `pending`.
  public var shard: Shard?
  /// When requested, runs in flight stop at their next step and no new run starts; what is
  /// complete is kept, and `run` throws `Interrupted`.
  public var stop: StopRequest?
  /// The epoch every run trains up to for now (a rung of successive halving), or `nil` for
  /// all of them. A run stopped there keeps a checkpoint and its partial `curve.csv`, writes no
  /// `result.json`, and is returned `paused`; a run already past it is returned as it stands.
  public var epochLimit: Int?
  /// Whether the caller already holds the folder's lock (a study, for all of its phases).
  var lockHeld = false

  public init(
    experiment: Experiment, outputDirectory: String, jobs: Int, fresh: Bool = false,
    shard: Shard? = nil, stop: StopRequest? = nil
  ) {
    self.experiment = experiment
    self.outputDirectory = outputDirectory
    folder = Self.folder(of: experiment, in: outputDirectory)
    self.jobs = max(1, jobs)
    self.fresh = fresh
    self.shard = shard
    self.stop = stop
  }

  private static func folder(of experiment: Experiment, in outputDirectory: String) -> String {
    URL(fileURLWithPath: outputDirectory).appendingPathComponent(experiment.name).path
  }

  /// The runs this runner trains: the whole sweep, or the shard's part of it.
  public var selectedRuns: [RunSpec] {
    experiment.runs.filter { shard?.contains($0.index) ?? true }
  }

  func runFolder(_ run: RunSpec) -> String {
    folder + "/runs/" + run.id
  }

  /// Trains the selected runs not already complete, then writes the manifest and summaries.
  ///
  /// - Returns: the result of every selected run, in sweep order.
  /// - Throws: `Diagnostic` when the data cannot be read, `OutputError` when the folder cannot
  ///   be written, `FolderInUse` when another process is writing it; nothing is trained then.
  ///   `OutputError` too when a file cannot be written during the sweep (a full disk): no new
  ///   run starts, and every file written before stays whole.
  ///   `Interrupted` when the stop request ended the sweep early, after the manifest recorded
  ///   which runs are complete.
  public func run(events: @escaping @Sendable (Event) -> Void = { _ in }) throws -> [RunResult] {
    let lock = lockHeld ? nil : try FolderLock(folder: folder)
    defer { withExtendedLifetime(lock) {} }
    if !fresh { try refuseAnotherCommandLineSweep() }
    // Each result.json of an earlier invocation is read once, for the version check and reuse.
    let earlier = fresh ? [] : earlierResults()
    if !fresh { try refuseOtherVersions(earlier) }
    AtomicFile.removeStaleTemporaries(in: folder)
    try AtomicFile.write(experiment.sourceText, to: folder + "/experiment.yaml")
    let selected = selectedRuns
    var known = [RunResult?](repeating: nil, count: experiment.runs.count)
    for run in selected {
      if !fresh { known[run.index] = completedResult(of: run, earlier: earlier[run.index]) }
      // A fresh start forgets checkpoints; a complete run keeps one only when asked to.
      if fresh || (known[run.index] != nil && !run.configuration.keepCheckpoint) {
        try? FileManager.default.removeItem(atPath: checkpointPath(run))
      }
    }
    let manifest = Manifest(experiment: experiment, shard: shard)
    try write(manifest.recording(known))
    let pending = selected.filter { known[$0.index] == nil }
    let data = try prepareData(for: pending)
    events(.started(total: selected.count, toRun: pending.count))
    for result in known.compactMap({ $0 }) { events(.finished(result, resumed: true)) }

    let collected = Locked(known)
    let queue = Locked(pending[...])
    let writeError = Locked<OutputError?>(nil)
    // Each worker takes the next pending run until none is left; `concurrentPerform` returns
    // when all workers are done. With fewer runs than jobs, each run's products use the cores
    // left over, which changes no bit of its results.
    let workers = min(jobs, pending.count)
    let threads = max(1, jobs / max(workers, 1))
    // A file that cannot be written (a full disk, say) ends the sweep as an interruption does:
    // no new run starts, and what was written stays whole.
    DispatchQueue.concurrentPerform(iterations: workers) { _ in
      while stop?.isRequested != true, writeError.withLock({ $0 == nil }),
        let run = queue.withLock({ $0.popFirst() })
      {
        let resultPath = runFolder(run) + "/result.json"
        do {
          guard
            let result = try train(
              run, data: data[run.configuration.data]!, threads: threads, events: events)
          else {
            continue  // interrupted: the run stays pending
          }
          if result.status != .paused {
            try AtomicFile.write(try result.json(), to: resultPath)
          } else {
            // A result of an earlier invocation (trained further, or fresh) is not this one's.
            try? FileManager.default.removeItem(atPath: resultPath)
          }
          if result.status != .paused, !run.configuration.keepCheckpoint {
            try? FileManager.default.removeItem(atPath: checkpointPath(run))
          }
          collected.withLock { $0[run.index] = result }
          events(.finished(result, resumed: false))
        } catch {
          let failure = error as? OutputError ?? OutputError(path: resultPath, reason: "\(error)")
          writeError.withLock { $0 = $0 ?? failure }
        }
      }
    }
    if let error = writeError.withLock({ $0 }) { throw error }
    let results = collected.withLock { $0 }
    // A paused run has no result.json yet: the manifest lists it as pending.
    let recorded = results.map { $0?.status == .paused ? nil : $0 }
    let final = manifest.recording(recorded)
    try write(final)
    // The summaries from the results in memory, which are what the folder's files now hold
    // (JSON gives back every number bit for bit), rather than read back run by run.
    try ResultFiles(path: folder, manifest: final, results: recorded).writeSummaries()
    let missing = selected.filter { results[$0.index] == nil }.count
    if missing > 0 { throw Interrupted(complete: selected.count - missing, remaining: missing) }
    return results.compactMap { $0 }
  }

  /// Trains one run and writes its folder; a run that cannot train is recorded as failed, and
  /// one the stop request interrupted gives `nil`.
  ///
  /// - Throws: `OutputError` when a file of the run (its checkpoint included) cannot be
  ///   written: the folder is at fault, not the run.
  private func train(
    _ run: RunSpec, data: PreparedData, threads: Int,
    events: @escaping @Sendable (Event) -> Void
  ) throws -> RunResult? {
    let folder = runFolder(run)
    do {
      try AtomicFile.write(run.resolvedYAML, to: folder + "/config.yaml")
      // A run without checkpoints still goes on from the one a rung of halving left.
      let path = checkpointPath(run)
      let checkpoint =
        run.configuration.checkpoint == .off && epochLimit == nil
          && !FileManager.default.fileExists(atPath: path) ? nil : path
      let training = TrainingRun(
        spec: run, data: data, stop: stop, threads: threads, checkpointPath: checkpoint,
        epochLimit: epochLimit)
      let (result, network) = try training.train(
        onResume: { events(.checkpoint(run: run.index, id: run.id, $0)) },
        onEpoch: { events(.epoch(run: run.index, id: run.id, record: $0)) })
      let classification = run.configuration.training.loss.isClassification
      try AtomicFile.write(
        CurveFile.render(result.curve, classification: classification), to: folder + "/curve.csv")
      if run.configuration.saveWeights, result.status != .paused {
        try AtomicFile.write(
          network.safetensorsData(metadata: ["run": run.id, "config_hash": run.configHash]),
          to: folder + "/weights.safetensors")
      }
      return result
    } catch is Interrupted {
      return nil
    } catch let error as OutputError {
      throw error
    } catch {
      return RunResult(
        index: run.index, id: run.id, configHash: run.configHash, status: .failed,
        message: "\(error)", stoppedEarly: false, curve: [], test: nil, seconds: 0,
        samplesPerSecond: 0)
    }
  }

  func checkpointPath(_ run: RunSpec) -> String {
    runFolder(run) + "/" + RunCheckpoint.fileName
  }

  /// Throws `OtherSweepResults` when the folder holds the runs of other `--sweep` axes: resuming
  /// them with these would train another sweep into it.
  private func refuseAnotherCommandLineSweep() throws {
    guard let manifest = try? Manifest.read(folder + "/manifest.json") else { return }
    let recorded = manifest.sweep ?? []
    guard recorded != experiment.commandLineSweep else { return }
    throw OtherSweepResults(folder: folder, recorded: recorded, given: experiment.commandLineSweep)
  }

  /// The `result.json` of each run of the sweep that has a readable one, by sweep position,
  /// read on the runner's jobs.
  private func earlierResults() -> [RunResult?] {
    let folder = folder
    return experiment.runs.map(\.id).concurrentMap(workers: jobs) { id in
      FileManager.default.contents(atPath: folder + "/runs/" + id + "/result.json")
        .flatMap { try? RunResult(json: $0) }
    }
  }

  /// Throws `OtherVersionResults` when the folder holds results that another version or engine
  /// computed: keeping them would mix their numbers with this build's.
  ///
  /// - Parameters:
  ///   - earlier: the readable `result.json` of each run, by sweep position.
  private func refuseOtherVersions(_ earlier: [RunResult?]) throws {
    let current = EngineIdentity.current
    let manifestPath = folder + "/manifest.json"
    guard FileManager.default.fileExists(atPath: manifestPath) else { return }
    var found: [EngineIdentity?] = []
    if let manifest = try? Manifest.read(manifestPath),
      manifest.descentVersion != current.version
        || (manifest.engine != nil && manifest.engine != current.engine)
    {
      found.append(
        manifest.engine.map { EngineIdentity(version: manifest.descentVersion, engine: $0) })
    }
    for result in earlier.compactMap({ $0 }) where result.computedBy != current {
      found.append(result.computedBy)
    }
    guard let other = found.first else { return }
    throw OtherVersionResults(folder: folder, found: other, current: current)
  }

  /// The result of an earlier invocation, if that run completed with the same configuration.
  ///
  /// - Parameters:
  ///   - earlier: the run's `result.json`, when it has a readable one.
  private func completedResult(of run: RunSpec, earlier: RunResult?) -> RunResult? {
    guard let result = earlier,
      result.configHash == run.configHash, result.status != .failed,
      FileManager.default.fileExists(atPath: runFolder(run) + "/curve.csv")
    else { return nil }
    // A run halted at a rung short of where this invocation trains to must go on.
    if result.status == .halted,
      (result.curve.last?.epoch ?? 0) < min(epochLimit ?? .max, run.configuration.training.epochs)
    {
      return nil
    }
    var reused = result
    reused.index = run.index
    return reused
  }

  /// Reads and prepares each distinct data declaration of `runs` once.
  private func prepareData(for runs: [RunSpec]) throws -> [DataSettings: PreparedData] {
    var prepared: [DataSettings: PreparedData] = [:]
    for run in runs where prepared[run.configuration.data] == nil {
      prepared[run.configuration.data] = try PreparedData(run.configuration.data)
    }
    return prepared
  }

  private func write(_ manifest: Manifest) throws {
    try AtomicFile.write(try manifest.json(), to: folder + "/manifest.json")
  }
}

/// A results folder holds the runs of other `--sweep` axes than the ones given.
public struct OtherSweepResults: Error, Sendable, CustomStringConvertible {
  public var folder: String
  /// The axes the folder was run with, and the ones given now.
  public var recorded: [String]
  public var given: [String]

  public var description: String {
    func axes(_ sweeps: [String]) -> String {
      sweeps.isEmpty ? "no --sweep" : sweeps.map { "--sweep \($0)" }.joined(separator: " ")
    }
    return
      "\(folder): holds the runs of \(axes(recorded)), not \(axes(given)); give the same to resume them, --fresh to replace them, or --out to write elsewhere"
  }
}
