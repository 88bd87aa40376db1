import Foundation

/// What a study found: every candidate with its runs and score, the rungs, each arm's choice,
/// and the confirmation runs, with the tables the report draws from them.
public struct StudyOutcome: Sendable {
  /// An arm's confirmation: the chosen setting's score on each confirmation seed.
  public struct Confirmation: Sendable {
    public var arm: String
    public var chosen: String
    /// The chosen setting's tuning score.
    public var tuningValue: Double?
    /// Seed and score of each confirmation run that completed.
    public var values: [(seed: UInt64, value: Double)]
  }

  /// An arm against the baseline, seed by seed on the confirmation runs.
  public struct Comparison: Sendable {
    public var arm: String
    public var baseline: String
    public var pairs: Int
    var test: PairedTTest?
    public var meanDifference: Double?
    /// The paired test's two-sided p-value, when there is spread to test.
    public var pValue: Double? { test?.pValue }
  }

  public let study: Study
  public let epochs: Int
  let candidates: [StudyRuns.Candidate]
  let runsOf: [Int: [RunSpec]]
  public let results: [String: RunResult]
  /// Each rung of tuning: every candidate alive at it, its score there and whether it went on.
  public let rungs: [StudySummary.Rung]
  /// The position in `candidates` of each arm's choice.
  let chosen: [Int]
  /// The extra trials each arm spent on extension or refinement.
  public let spent: [Int]
  let confirmation: [[RunSpec]]
  /// Warnings: extension stopped at its bound, or at a value the key does not accept.
  public let notes: [String]

  /// Whether confirmation scores come from a test set; otherwise from validation data, which
  /// tuning has seen.
  public var scoredOnTest: Bool {
    confirmation.flatMap { $0 }.contains { results[$0.id]?.test != nil }
  }

  /// The name of the confirmation score: `test_accuracy`, or the validation metric.
  public var confirmationMetric: String {
    scoredOnTest ? "test_" + study.metric.rawValue.dropFirst(4) : study.metric.rawValue
  }

  /// The confirmation score of a run.
  func confirmationValue(_ result: RunResult) -> Double? {
    guard result.status == .complete else { return nil }
    if scoredOnTest {
      guard let test = result.test else { return nil }
      switch study.metric {
      case .valLoss: return test.loss
      case .valAccuracy: return test.accuracy
      case .valRMSE: return test.rmse
      case .valR2: return test.r2
      case .trainLoss: return nil
      }
    }
    return result.final.flatMap { study.metric.value(in: $0) }
  }

  /// The chosen setting of each arm, rerun on the confirmation seeds.
  public var confirmations: [Confirmation] {
    study.arms.indices.map { arm in
      let values = confirmation[arm].compactMap { run -> (UInt64, Double)? in
        guard let result = results[run.id], let value = confirmationValue(result), value.isFinite
        else { return nil }
        return (UInt64(run.settings.last!.value)!, value)
      }
      return Confirmation(
        arm: study.arms[arm].name, chosen: candidates[chosen[arm]].label,
        tuningValue: score(chosen[arm]), values: values.map { (seed: $0.0, value: $0.1) })
    }
  }

  /// Every arm but the baseline against it, on the seeds both completed.
  public func comparisons(confidence: Double = 0.95) -> [Comparison] {
    let all = confirmations
    let baseline = all[study.baseline]
    return all.indices.filter { $0 != study.baseline }.map { arm in
      let pairs = baseline.values.compactMap { pair -> Double? in
        all[arm].values.first { $0.seed == pair.seed }.map { $0.value - pair.value }
      }
      let test = PairedTTest(differences: pairs, confidence: confidence)
      return Comparison(
        arm: all[arm].arm, baseline: baseline.arm, pairs: pairs.count, test: test,
        meanDifference: SampleSummary(pairs)?.mean)
    }
  }

  /// A candidate's mean final metric over the tuning seeds, when all of its runs trained every
  /// epoch.
  func score(_ candidate: Int) -> Double? {
    var values: [Double] = []
    for run in runsOf[candidate]! {
      guard let result = results[run.id], result.status == .complete,
        let value = result.final.flatMap({ study.metric.value(in: $0) }), value.isFinite
      else { return nil }
      values.append(value)
    }
    return values.isEmpty ? nil : values.reduce(0, +) / Double(values.count)
  }

  /// The tuning runs of each arm: trials (candidates times seeds) and epochs trained.
  public var budgets: [(arm: String, trials: Int, epochs: Int)] {
    study.arms.indices.map { arm in
      let runs = candidates.indices.filter { candidates[$0].arm == arm }.flatMap { runsOf[$0]! }
      let epochs = runs.reduce(0) { $0 + (results[$1.id]?.curve.count ?? 0) }
      return (study.arms[arm].name, runs.count, epochs)
    }
  }

  /// The epoch and time at which each confirmation run of an arm first reached the target.
  func timesToTarget(arm: Int) -> [StudySummary.Reached?] {
    guard let target = study.target else { return [] }
    return confirmation[arm].map { run in
      guard let result = results[run.id] else { return nil }
      let reached = result.curve.first { record in
        guard let value = target.metric.value(in: record) else { return false }
        return target.metric.higherIsBetter ? value >= target.value : value <= target.value
      }
      return reached.map { StudySummary.Reached(epoch: $0.epoch, seconds: $0.seconds) }
    }
  }

  /// What the report shows, for `study.json`.
  func summary(name: String) -> StudySummary {
    let key = study.arms.first?.space.grid.first { $0.values.count >= 2 }?.key
    let tuned = study.arms.indices.flatMap { arm in
      tuning(arm: arm).map { entry in
        StudySummary.Candidate(
          arm: study.arms[arm].name, label: entry.candidate.label,
          origin: entry.candidate.origin.rawValue, x: key.flatMap(entry.candidate.number),
          epochs: entry.epochs, score: entry.score,
          values: entry.runs.compactMap { run in
            guard let result = results[run.id], result.status == .complete else { return nil }
            return result.final.flatMap { study.metric.value(in: $0) }
          },
          firstRung: rungs.count > 1
            ? rungs[0].entries.first {
              $0.arm == study.arms[arm].name && $0.candidate == entry.candidate.label
            }?.value : nil)
      }
    }
    return StudySummary(
      name: name, arms: study.arms.map(\.name), baseline: study.baseline,
      candidatesPerArm: study.candidatesPerArm, tuningSeeds: study.tuningSeeds,
      confirmationSeeds: study.confirmationSeeds, epochs: epochs, eta: study.halving?.eta,
      rungEpochs: study.rungs(epochs: epochs), metric: study.metric.rawValue,
      higherIsBetter: study.metric.higherIsBetter, confirmationMetric: confirmationMetric,
      scoredOnTest: scoredOnTest, sensitivityKey: key, target: study.target?.condition,
      candidates: tuned,
      rungs: rungs,
      confirmations: confirmations.map {
        .init(
          arm: $0.arm, chosen: $0.chosen, tuningValue: $0.tuningValue,
          seeds: $0.values.map(\.seed), values: $0.values.map(\.value))
      },
      budgets: budgets.enumerated().map {
        .init(
          arm: $0.element.arm, trials: $0.element.trials, epochs: $0.element.epochs,
          extra: spent[$0.offset])
      },
      timesToTarget: study.target == nil ? [] : study.arms.indices.map(timesToTarget),
      notes: notes)
  }

  /// Each tuning candidate of an arm: its label, where it came from, its runs, its score after
  /// every epoch, and the epochs it trained.
  func tuning(arm: Int) -> [(candidate: StudyRuns.Candidate, runs: [RunSpec], score: Double?, epochs: Int)] {
    candidates.indices.filter { candidates[$0].arm == arm }.map { index in
      let epochs = runsOf[index]!.compactMap { results[$0.id]?.curve.count }.max() ?? 0
      return (candidates[index], runsOf[index]!, score(index), epochs)
    }
  }
}
