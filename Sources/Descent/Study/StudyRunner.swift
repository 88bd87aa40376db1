import DescentEngine
import Foundation

/// Runs a study: tunes every arm with the same budget (rungs of successive halving when asked),
/// extends grid axes whose edge holds an arm's best value, reruns each arm's chosen setting on
/// fresh seeds, and compares every arm with the baseline.
///
/// Each phase trains its runs with an `ExperimentRunner` in the experiment's results folder, so
/// runs train in parallel, a rerun skips what is complete, and a killed study resumes: every
/// decision is a function of curves already written, and a run that goes on past a rung resumes
/// from its checkpoint to the bits of a run trained in one go.
public struct StudyRunner: Sendable {
  public var experiment: Experiment
  public var outputDirectory: String
  public var jobs: Int
  public var fresh: Bool
  public var stop: StopRequest?

  public init(
    experiment: Experiment, outputDirectory: String, jobs: Int, fresh: Bool = false,
    stop: StopRequest? = nil
  ) {
    precondition(experiment.study != nil, "a study runner needs an experiment with a study")
    self.experiment = experiment
    self.outputDirectory = outputDirectory
    self.jobs = max(1, jobs)
    self.fresh = fresh
    self.stop = stop
  }

  /// The experiment's results folder.
  public var folder: String {
    URL(fileURLWithPath: outputDirectory).appendingPathComponent(experiment.name).path
  }

  /// Runs every phase and writes the results folder, `study.json`, and from it `study.md` and
  /// its plots with the rest of the report.
  ///
  /// - Throws: what `ExperimentRunner.run` throws; `Interrupted` leaves every decision made so
  ///   far to be made again, the same, by the next invocation.
  public func run(
    events: @escaping @Sendable (ExperimentRunner.Event) -> Void = { _ in }
  ) throws -> StudyOutcome {
    // One lock for every phase, so that no other process interleaves its own.
    let lock = try FolderLock(folder: folder)
    defer { withExtendedLifetime(lock) {} }
    // The report of an earlier invocation goes: this one decides again, from the curves.
    for file in [StudySummary.fileName, "study.md"] {
      try? FileManager.default.removeItem(atPath: folder + "/" + file)
    }
    var factory = experiment.study!
    let study = factory.study
    let epochs = experiment.runs[0].configuration.training.epochs
    var trained: [RunSpec] = []
    var results: [String: RunResult] = [:]

    // Tuning, rung by rung.
    var candidates = factory.spaceCandidates()
    var runsOf = Dictionary(
      uniqueKeysWithValues: zip(
        candidates.indices,
        candidates.indices.map { position in
          Array(experiment.runs[position * study.tuningSeeds.count..<(position + 1) * study.tuningSeeds.count])
        }))
    trained += experiment.runs
    var rungs: [StudySummary.Rung] = []
    var alive = Array(candidates.indices)
    let rungEpochs = study.rungs(epochs: epochs)
    for (rung, epoch) in rungEpochs.enumerated() {
      let runs = alive.flatMap { runsOf[$0]! }
      let last = rung == rungEpochs.count - 1
      let phase = try train(
        runs, limit: last ? nil : epoch, fresh: fresh && rung == 0, events: events)
      results.merge(phase) { $1 }
      var kept: [Int] = []
      var entries: [StudySummary.Rung.Entry] = []
      for arm in study.arms.indices {
        let members = alive.filter { candidates[$0].arm == arm }
        let scored = members.map { ($0, score(runsOf[$0]!, results, metric: study.metric, at: epoch)) }
        let keep = last ? members.count : max(1, (members.count + study.halving!.eta - 1) / study.halving!.eta)
        let ranked = rank(scored, higherIsBetter: study.metric.higherIsBetter)
        let survivors = Set(ranked.prefix(keep))
        kept += members.filter { survivors.contains($0) }
        entries += scored.map { candidate, value in
          .init(
            arm: study.arms[arm].name, candidate: candidates[candidate].label, value: value,
            continues: survivors.contains(candidate))
        }
      }
      rungs.append(.init(epochs: epoch, entries: entries))
      if !last {
        for candidate in alive where !kept.contains(candidate) {
          try halt(runsOf[candidate]!, at: epoch, results: &results)
        }
      }
      alive = kept
    }

    // Edge extension, in rounds where every arm spends one more trial.
    var notes: [String] = []
    var spent = Array(repeating: 0, count: study.arms.count)
    for _ in 0..<study.extend {
      var proposals: [StudyRuns.Candidate?] = []
      var anyEdge = false
      for arm in study.arms.indices {
        let complete = alive.filter { candidates[$0].arm == arm }
        let best = self.best(complete, candidates, runsOf, results, study.metric)
        var proposal: StudyRuns.Candidate?
        if let best, let step = edgeStep(best, arm: arm, candidates, study) {
          var trial = factory
          if case .success = trial.runs(of: step, seeds: [study.tuningSeeds[0]], phase: "tune") {
            proposal = step
            anyEdge = true
          } else if let axis = step.assignments.first(where: { !candidates[best].assignments.contains($0) }) {
            notes.append(
              "\(study.arms[arm].name): \(axis.key)=\(axis.value.flowText) is not a valid value; extension stops there")
          }
        }
        if proposal == nil, let best { proposal = refinement(best, arm: arm, candidates, runsOf, results, study) }
        proposals.append(proposal)
      }
      guard anyEdge else { break }
      var runs: [RunSpec] = []
      for proposal in proposals.compactMap({ $0 }) {
        guard case .success(let made) = factory.runs(of: proposal, seeds: study.tuningSeeds, phase: "tune")
        else { continue }
        candidates.append(proposal)
        runsOf[candidates.count - 1] = made
        alive.append(candidates.count - 1)
        spent[proposal.arm] += 1
        runs += made
      }
      trained += runs
      results.merge(try train(runs, limit: nil, fresh: fresh, events: events)) { $1 }
    }

    // The choice, on validation data.
    var chosen: [Int] = []
    for arm in study.arms.indices {
      let complete = alive.filter { candidates[$0].arm == arm }
      guard let best = best(complete, candidates, runsOf, results, study.metric) else {
        throw StudyError(message: "every tuning run of arm \(study.arms[arm].name) failed or diverged; nothing to choose")
      }
      chosen.append(best)
      if edgeStep(best, arm: arm, candidates, study) != nil {
        let extra = spent[arm]
        notes.append(
          "\(study.arms[arm].name): the best value is still at the edge of the space after \(extra) extra trial\(extra == 1 ? "" : "s"); the optimum may lie outside it")
      }
    }

    // Confirmation on fresh seeds.
    var confirmation: [[RunSpec]] = []
    for arm in study.arms.indices {
      guard case .success(let made) = factory.runs(
        of: candidates[chosen[arm]], seeds: study.confirmationSeeds, phase: "confirm")
      else { throw StudyError(message: "the chosen setting of \(study.arms[arm].name) cannot be rerun") }
      confirmation.append(made)
    }
    trained += confirmation.flatMap { $0 }
    results.merge(try train(confirmation.flatMap { $0 }, limit: nil, fresh: fresh, events: events)) { $1 }

    var seen = Set<String>()
    notes = notes.filter { seen.insert($0).inserted }
    let outcome = StudyOutcome(
      study: study, epochs: epochs, candidates: candidates, runsOf: runsOf, results: results,
      rungs: rungs, chosen: chosen, spent: spent, confirmation: confirmation, notes: notes)
    try AtomicFile.write(
      try outcome.summary(name: experiment.name).json(), to: folder + "/" + StudySummary.fileName)
    try writeFolder(trained: trained, results: results)
    return outcome
  }

  // MARK: Phases

  /// Trains `runs` (up to `limit`) in the results folder; their results by id.
  private func train(
    _ runs: [RunSpec], limit: Int?, fresh: Bool,
    events: @escaping @Sendable (ExperimentRunner.Event) -> Void
  ) throws -> [String: RunResult] {
    guard !runs.isEmpty else { return [:] }
    var phase = experiment
    phase.runs = StudyRuns.indexed(runs)
    var runner = ExperimentRunner(
      experiment: phase, outputDirectory: outputDirectory, jobs: jobs, fresh: fresh, stop: stop)
    runner.epochLimit = limit
    runner.lockHeld = true
    let results = try runner.run(events: events)
    return Dictionary(results.map { ($0.id, $0) }) { $1 }
  }

  /// Records runs that successive halving stopped at `epoch`: `result.json` says `halted`, and
  /// their checkpoints go unless the configuration keeps them. A run an earlier invocation
  /// trained further (without halving) is cut back to the rung: its first epochs are the bits
  /// it would have trained, and its weights, of later epochs, go.
  private func halt(_ runs: [RunSpec], at epoch: Int, results: inout [String: RunResult]) throws {
    for run in runs {
      guard var result = results[run.id], result.status == .paused || result.status == .complete,
        (result.curve.last?.epoch ?? 0) > epoch || result.status == .paused
      else { continue }
      let path = folder + "/runs/" + run.id
      if result.status == .complete {
        result.curve = result.curve.filter { $0.epoch <= epoch }
        result.test = nil
        result.stoppedEarly = false
        try AtomicFile.write(
          CurveFile.render(
            result.curve, classification: run.configuration.training.loss.isClassification),
          to: path + "/curve.csv")
        try? FileManager.default.removeItem(atPath: path + "/weights.safetensors")
      }
      result.status = .halted
      try AtomicFile.write(try result.json(), to: path + "/result.json")
      if !run.configuration.keepCheckpoint {
        try? FileManager.default.removeItem(atPath: path + "/" + RunCheckpoint.fileName)
      }
      results[run.id] = result
    }
  }

  /// The manifest and summaries of every run the study trained, in the order it trained them.
  private func writeFolder(trained: [RunSpec], results: [String: RunResult]) throws {
    var whole = experiment
    whole.runs = StudyRuns.indexed(trained)
    let recorded = whole.runs.map { run -> RunResult? in
      guard var result = results[run.id] else { return nil }
      result.index = run.index
      return result
    }
    try AtomicFile.write(
      try Manifest(experiment: whole).recording(recorded).json(), to: folder + "/manifest.json")
    try ResultFiles(folder: folder).writeSummaries()
  }

  // MARK: Decisions

  /// The mean over a candidate's seeds of `metric` at `epoch` (the last epoch before it, for a
  /// run that stopped early); `nil` when a run diverged, failed or did not measure it.
  func score(
    _ runs: [RunSpec], _ results: [String: RunResult], metric: RunMetric, at epoch: Int
  ) -> Double? {
    var values: [Double] = []
    for run in runs {
      guard let result = results[run.id], result.status != .diverged, result.status != .failed,
        let record = result.curve.last(where: { $0.epoch <= epoch }),
        let value = metric.value(in: record), value.isFinite
      else { return nil }
      values.append(value)
    }
    return values.isEmpty ? nil : values.reduce(0, +) / Double(values.count)
  }

  /// Candidates best first; those without a score last, ties in the order given.
  private func rank(_ scored: [(Int, Double?)], higherIsBetter: Bool) -> [Int] {
    scored.enumerated().sorted { a, b in
      switch (a.element.1, b.element.1) {
      case (let x?, let y?) where x != y: return higherIsBetter ? x > y : x < y
      case (.some, nil): return true
      case (nil, .some): return false
      default: return a.offset < b.offset
      }
    }.map(\.element.0)
  }

  /// The best of `members` by their score after the last epoch.
  private func best(
    _ members: [Int], _ candidates: [StudyRuns.Candidate], _ runsOf: [Int: [RunSpec]],
    _ results: [String: RunResult], _ metric: RunMetric
  ) -> Int? {
    let scored = members.map { ($0, score(runsOf[$0]!, results, metric: metric, at: .max)) }
    guard scored.contains(where: { $0.1 != nil }) else { return nil }
    return rank(scored, higherIsBetter: metric.higherIsBetter).first
  }

  /// The candidate one step beyond the edge of the first numeric grid axis on whose edge
  /// `best` lies, among the values the arm has tried; `nil` when it lies inside every axis.
  func edgeStep(
    _ best: Int, arm: Int, _ candidates: [StudyRuns.Candidate], _ study: Study
  ) -> StudyRuns.Candidate? {
    let tried = candidates.filter { $0.arm == arm }
    for axis in study.arms[arm].space.grid where axis.values.count >= 2 {
      let values = Set(tried.compactMap { $0.number(axis.key) }).sorted()
      guard values.count >= 2, let value = candidates[best].number(axis.key) else { continue }
      let next: Double
      if value == values.last! {
        next = GridStep.beyond(values[values.count - 2], value)
      } else if value == values.first! {
        next = GridStep.beyond(values[1], value)
      } else {
        continue
      }
      let text = GridStep.text(next, like: axis.values)
      // Rounded onto a value tried already (an integer axis at 1), the axis cannot go further.
      guard let parsed = YAMLScalar.number(text), !values.contains(parsed) else { continue }
      return candidates[best].setting(axis.key, to: text)
    }
    return nil
  }

  /// A candidate between `best` and its better neighbour on the first numeric grid axis, not
  /// yet tried; `nil` when there is none.
  private func refinement(
    _ best: Int, arm: Int, _ candidates: [StudyRuns.Candidate], _ runsOf: [Int: [RunSpec]],
    _ results: [String: RunResult], _ study: Study
  ) -> StudyRuns.Candidate? {
    let tried = candidates.indices.filter { candidates[$0].arm == arm }
    for axis in study.arms[arm].space.grid where axis.values.count >= 2 {
      guard let value = candidates[best].number(axis.key) else { continue }
      let values = Set(tried.compactMap { candidates[$0].number(axis.key) }).sorted()
      guard let position = values.firstIndex(of: value) else { continue }
      let neighbours = [position - 1, position + 1].filter(values.indices.contains).map { values[$0] }
      // The neighbour whose candidate (the best's other settings) did better goes first.
      let ordered = neighbours.sorted { a, b in
        func scoreAt(_ x: Double) -> Double? {
          let match = tried.first { index in
            candidates[index].number(axis.key) == x
              && candidates[index].assignments.filter { $0.key != axis.key }.map(\.value)
                == candidates[best].assignments.filter { $0.key != axis.key }.map(\.value)
          }
          return match.flatMap { score(runsOf[$0]!, results, metric: study.metric, at: .max) }
        }
        let (x, y) = (scoreAt(a), scoreAt(b))
        guard let x, let y else { return x != nil }
        return study.metric.higherIsBetter ? x > y : x < y
      }
      for neighbour in ordered {
        let middle = GridStep.between(value, neighbour)
        let text = GridStep.text(middle, like: axis.values)
        guard let parsed = YAMLScalar.number(text), !values.contains(parsed) else { continue }
        var refined = candidates[best].setting(axis.key, to: text)
        refined.origin = .refined
        return refined
      }
    }
    return nil
  }
}

/// A study that cannot go on: every tuning run of an arm failed, say.
public struct StudyError: Error, CustomStringConvertible {
  public var message: String
  public var description: String { message }
}

extension StudyRuns.Candidate {
  /// This candidate with `key` set to the number `text`, an extension.
  func setting(_ key: String, to text: String) -> Self {
    var copy = self
    copy.origin = .extended
    copy.assignments = assignments.map { assignment in
      guard assignment.key == key else { return assignment }
      var changed = assignment
      changed.value = .scalar(text, at: assignment.value.location)
      return changed
    }
    return copy
  }
}

/// Steps along a grid axis: geometric where every value is positive, as learning rates are
/// laid out, arithmetic otherwise; integers stay integers.
enum GridStep {
  /// The value one step past `edge`, the step being the one from `inner` to `edge`.
  static func beyond(_ inner: Double, _ edge: Double) -> Double {
    inner > 0 && edge > 0 ? edge * (edge / inner) : edge + (edge - inner)
  }

  /// The value halfway between `a` and `b`: geometric for positive values.
  static func between(_ a: Double, _ b: Double) -> Double {
    a > 0 && b > 0 ? (a * b).squareRoot() : (a + b) / 2
  }

  /// `value` written like the axis's values: an integer when they all are.
  static func text(_ value: Double, like values: [YAMLNode]) -> String {
    let integers = values.allSatisfy { node in node.plainText.map { Int($0) != nil } ?? false }
    if integers, value.magnitude < 1e15 { return String(Int(value.rounded())) }
    // Four significant digits, as random draws are written.
    let rounded = Double(String(format: "%.4g", value)) ?? value
    return YAMLScalar.format(rounded)
  }
}
