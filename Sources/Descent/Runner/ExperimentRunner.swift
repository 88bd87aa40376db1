import Dispatch
import Foundation
import Synchronization

/// Runs every configuration of an experiment's sweep in parallel and writes the results folder.
///
/// Each run trains on one thread and owns all of its state; the prepared data is shared
/// read-only. Results are collected by sweep position and written in that order, so the output
/// does not depend on how runs were scheduled. Each run's files are written as soon as it ends,
/// its `result.json` last: a rerun skips every run whose `result.json` matches its configuration
/// hash, so an interrupted sweep resumes where it stopped.
public struct ExperimentRunner: Sendable {
  /// What the runner reports as it goes; the caller decides how to show it.
  public enum Event: Sendable {
    /// The sweep is about to start: `toRun` of `total` runs need training.
    case started(total: Int, toRun: Int)
    /// A run finished an epoch.
    case epoch(run: Int, id: String, record: EpochRecord)
    /// A run ended (or was found complete from an earlier invocation, `resumed`).
    case finished(RunResult, resumed: Bool)
  }

  public var experiment: Experiment
  /// The folder that holds experiment folders; results go to `<output>/<name>`.
  public var outputDirectory: String
  /// How many runs train at once.
  public var jobs: Int
  /// Whether to ignore results of earlier invocations and train every run again.
  public var fresh: Bool

  public init(experiment: Experiment, outputDirectory: String, jobs: Int, fresh: Bool = false) {
    self.experiment = experiment
    self.outputDirectory = outputDirectory
    self.jobs = max(1, jobs)
    self.fresh = fresh
  }

  /// The experiment's results folder.
  public var folder: String {
    URL(fileURLWithPath: outputDirectory).appendingPathComponent(experiment.name).path
  }

  func runFolder(_ run: RunSpec) -> String {
    URL(fileURLWithPath: folder).appendingPathComponent("runs").appendingPathComponent(run.id).path
  }

  /// Trains the runs not already complete, then writes the manifest and summaries.
  ///
  /// - Returns: every run's result, in sweep order.
  /// - Throws: `Diagnostic` when the data cannot be read, `OutputError` when the folder cannot
  ///   be written; nothing is trained then.
  public func run(events: @escaping @Sendable (Event) -> Void = { _ in }) throws -> [RunResult] {
    try AtomicFile.write(experiment.sourceText, to: folder + "/experiment.yaml")
    var known = [RunResult?](repeating: nil, count: experiment.runs.count)
    if !fresh {
      for run in experiment.runs { known[run.index] = completedResult(of: run) }
    }
    try writeManifest(known)
    let data = try prepareData()
    let pending = experiment.runs.filter { known[$0.index] == nil }
    events(.started(total: experiment.runs.count, toRun: pending.count))
    for result in known.compactMap({ $0 }) { events(.finished(result, resumed: true)) }

    let collected = Mutex(known)
    let queue = Mutex(pending[...])
    let writeError = Mutex<OutputError?>(nil)
    // Each worker takes the next pending run until none is left; `concurrentPerform` returns
    // when all workers are done.
    DispatchQueue.concurrentPerform(iterations: min(jobs, pending.count)) { _ in
      while let run = queue.withLock({ $0.popFirst() }) {
        let result = train(run, data: data[run.configuration.data]!, events: events)
        do {
          try AtomicFile.write(try Self.encoder.encode(result), to: runFolder(run) + "/result.json")
        } catch {
          writeError.withLock { $0 = $0 ?? (error as? OutputError) }
        }
        collected.withLock { $0[run.index] = result }
        events(.finished(result, resumed: false))
      }
    }
    if let error = writeError.withLock({ $0 }) { throw error }
    let results = collected.withLock { $0 }.compactMap { $0 }
    try writeManifest(results)
    let summary = SummaryTable(experiment: experiment, results: results)
    try AtomicFile.write(summary.csv(), to: folder + "/summary.csv")
    try Report.write(folder: folder, options: ReportOptions())
    return results
  }

  /// Trains one run and writes its folder; a run that cannot train is recorded as failed.
  private func train(
    _ run: RunSpec, data: PreparedData, events: @escaping @Sendable (Event) -> Void
  ) -> RunResult {
    let folder = runFolder(run)
    do {
      try AtomicFile.write(run.resolvedYAML, to: folder + "/config.yaml")
      let (result, network) = try TrainingRun(spec: run, data: data).train { record in
        events(.epoch(run: run.index, id: run.id, record: record))
      }
      let classification = run.configuration.training.loss.isClassification
      try AtomicFile.write(
        CurveFile.render(result.curve, classification: classification), to: folder + "/curve.csv")
      if run.configuration.saveWeights {
        try AtomicFile.write(
          network.safetensorsData(metadata: ["run": run.id, "config_hash": run.configHash]),
          to: folder + "/weights.safetensors")
      }
      return result
    } catch {
      return RunResult(
        index: run.index, id: run.id, configHash: run.configHash, status: .failed,
        message: "\(error)", stoppedEarly: false, curve: [], test: nil, seconds: 0,
        samplesPerSecond: 0)
    }
  }

  /// The result of an earlier invocation, if that run completed with the same configuration.
  private func completedResult(of run: RunSpec) -> RunResult? {
    let path = runFolder(run) + "/result.json"
    guard let data = FileManager.default.contents(atPath: path),
      let result = try? Self.decoder.decode(RunResult.self, from: data),
      result.configHash == run.configHash, result.status != .failed,
      FileManager.default.fileExists(atPath: runFolder(run) + "/curve.csv")
    else { return nil }
    var reused = result
    reused.index = run.index
    return reused
  }

  /// Reads and prepares each distinct data declaration once.
  private func prepareData() throws -> [DataSettings: PreparedData] {
    var prepared: [DataSettings: PreparedData] = [:]
    for run in experiment.runs where prepared[run.configuration.data] == nil {
      prepared[run.configuration.data] = try PreparedData(run.configuration.data)
    }
    return prepared
  }

  private func writeManifest(_ results: [RunResult?]) throws {
    let manifest = Manifest(experiment: experiment, results: results)
    try AtomicFile.write(try manifest.json(), to: folder + "/manifest.json")
  }

  private static var decoder: JSONDecoder {
    let decoder = JSONDecoder()
    decoder.nonConformingFloatDecodingStrategy = .convertFromString(
      positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
    return decoder
  }

  private static var encoder: JSONEncoder {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
    encoder.nonConformingFloatEncodingStrategy = .convertToString(
      positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
    return encoder
  }
}
