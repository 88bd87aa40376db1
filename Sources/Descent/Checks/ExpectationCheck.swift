import DescentEngine

/// The expectations of a results folder checked against its runs, from the folder's files
/// (`ResultFiles`): `descent run`, `descent merge` and `descent check` all check this way.
///
/// For each expectation, the runs its `where` matches are grouped by configuration (runs that
/// differ only by seed), in sweep order, and each group is one check: the metric's final value
/// in each run (after the last epoch trained), aggregated over the group's seeds, must lie
/// within the bounds, and a run of the group that diverged, failed or has not run fails the
/// check, naming the run. With `status: complete`, each such run is also a failed check of its
/// own (the configuration's check then only counts them), and an expectation without a metric
/// checks that every run of each configuration completed.
public struct ExpectationCheck: Sendable {
  /// The experiment's name.
  public var experiment: String
  /// Every check, expectation by expectation, configuration by configuration.
  public var outcomes: [ExpectationOutcome]
  /// The training time of every run of the folder, in seconds.
  public var seconds: Double

  /// The checks that failed.
  public var failures: [ExpectationOutcome] { outcomes.filter { !$0.passed } }

  /// Checks the expectations the folder's manifest records against its results.
  public init(_ files: ResultFiles) {
    experiment = files.experiment
    seconds = files.finishedResults.reduce(0) { $0 + $1.seconds }
    let runs = zip(files.manifest.runs, files.results).map { Entry(run: $0, result: $1) }
    outcomes = files.expectations.enumerated().flatMap { index, expectation in
      Self.check(expectation, index: index, runs: runs)
    }
  }

  /// A run of the folder with its result, if it has one.
  private struct Entry {
    var run: Manifest.Run
    var result: RunResult?

    var seconds: Double { result?.seconds ?? 0 }

    /// Why the run has no value to check, or `nil` when it completed.
    var unfinished: String? {
      guard let result else { return "run \(run.id) has not run (pending)" }
      switch result.status {
      case .complete: return nil
      case .diverged: return "run \(run.id) diverged at epoch \(result.curve.last?.epoch ?? 0)"
      case .failed: return "run \(run.id) failed: \(result.message ?? "unknown error")"
      case .halted: return "run \(run.id) was halted at epoch \(result.curve.last?.epoch ?? 0)"
      case .paused: return "run \(run.id) is paused at epoch \(result.curve.last?.epoch ?? 0)"
      }
    }
  }

  private static func check(
    _ expectation: Expectation, index: Int, runs: [Entry]
  ) -> [ExpectationOutcome] {
    let matching = runs.filter { expectation.matches(settings: $0.run.settingPairs) }
    func outcome(_ name: String, _ passed: Bool, _ detail: String, _ runs: [Entry])
      -> ExpectationOutcome
    {
      ExpectationOutcome(
        index: index, name: "expect[\(index)] " + name, passed: passed, detail: detail,
        location: expectation.location, seconds: runs.reduce(0) { $0 + $1.seconds })
    }
    guard !matching.isEmpty else {
      return [outcome("matches runs", false, "no run of the folder matches", [])]
    }
    var outcomes: [ExpectationOutcome] = []
    for group in groups(matching) {
      let place = group.settings.isEmpty ? "" : " where " + group.settings.joined(separator: ", ")
      let unfinished = self.unfinished(group.runs, expectation)
      if let metric = expectation.metric {
        let name =
          "\(metric.rawValue) \(expectation.aggregate.rawValue) "
          + "\(expectation.boundDescription)\(place)"
        let (passed, detail) = checkMetric(
          metric, of: group.runs, expectation, place: place, unfinished: unfinished)
        outcomes.append(outcome(name, passed, detail, group.runs))
      } else {
        let detail =
          unfinished.map { "\($0)\(place); expected every run complete" }
          ?? "every run completed\(place)"
        outcomes.append(
          outcome("every run complete\(place)", unfinished == nil, detail, group.runs))
      }
    }
    if expectation.requiresComplete {
      // Each run that did not complete is a failure of its own, so that a CI report names it.
      for entry in matching {
        guard let reason = entry.unfinished else { continue }
        outcomes.append(
          outcome(
            "run \(entry.run.id) complete", false, reason + "; expected status complete", [entry]))
      }
    }
    return outcomes
  }

  /// Why some runs of a group have no value, or `nil` when every run completed: each run and
  /// its reason, or only their number when `status: complete` reports each run on its own.
  private static func unfinished(_ runs: [Entry], _ expectation: Expectation) -> String? {
    let reasons = runs.compactMap(\.unfinished)
    guard !reasons.isEmpty else { return nil }
    if expectation.requiresComplete {
      return "\(reasons.count) of \(runs.count) runs did not complete"
    }
    return reasons.joined(separator: ", ")
  }

  /// The metric's value over the seeds of one configuration against the bounds.
  private static func checkMetric(
    _ metric: RunMetric, of runs: [Entry], _ expectation: Expectation, place: String,
    unfinished: String?
  ) -> (passed: Bool, detail: String) {
    let seeds = runs.map(\.run.seedLabel)
    let subject: String
    if runs.count > 1 {
      subject =
        "\(metric.rawValue) \(expectation.aggregate.rawValue) over seeds "
        + seeds.joined(separator: ", ")
    } else if runs[0].run.settings.contains(where: { $0.key == "seed" }) {
      subject = "\(metric.rawValue) of seed \(seeds[0])"
    } else {
      subject = metric.rawValue
    }
    let expected = "expected \(expectation.boundDescription)"
    var values: [Double] = []
    var missing = unfinished.map { [$0] } ?? []
    for entry in runs where entry.unfinished == nil {
      if let value = entry.result?.final.flatMap(metric.value(in:)) {
        values.append(value)
      } else {
        missing.append("run \(entry.run.id) did not measure \(metric.rawValue)")
      }
    }
    guard missing.isEmpty else {
      return (
        false, "\(subject) is unknown\(place): \(missing.joined(separator: ", ")); \(expected)"
      )
    }
    let value = expectation.aggregate.apply(values)
    let passed = expectation.accepts(value)
    return (passed, "\(subject) is \(shown(value, expectation))\(place); \(expected)")
  }

  /// `value` to four decimals, or in full when rounding would hide which side of a bound it is
  /// on (0.94996 against at least 0.95).
  private static func shown(_ value: Double, _ expectation: Expectation) -> String {
    let short = NumberFormat.short(value)
    guard let rounded = Double(short), expectation.accepts(rounded) == expectation.accepts(value)
    else { return NumberFormat.csv(value) }
    return short
  }

  /// The runs grouped by their settings other than the seed, groups in the order of their first
  /// run; each group's settings as `key=value`.
  private static func groups(_ runs: [Entry]) -> [(settings: [String], runs: [Entry])] {
    var groups: [(settings: [String], runs: [Entry])] = []
    var positions: [[String]: Int] = [:]
    for entry in runs {
      let settings = entry.run.settings.filter { $0.key != "seed" }.map { "\($0.key)=\($0.value)" }
      if let position = positions[settings] {
        groups[position].runs.append(entry)
      } else {
        positions[settings] = groups.count
        groups.append((settings, [entry]))
      }
    }
    return groups
  }
}
