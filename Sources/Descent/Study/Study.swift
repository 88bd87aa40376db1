import DescentEngine

/// A fair comparison of settings ("arms"), the `study:` section of an experiment file.
///
/// The protocol follows the literature on comparing optimizers:
/// - every arm gets the same tuning budget: the same search space size, tuning seeds and epochs
///   (Wilson et al. 2017; Choi et al. 2019 for tuning more than the learning rate);
/// - each arm's setting is chosen on validation data by a validation metric, never on test data;
/// - when an arm's best value lies at the edge of a grid axis, the axis is extended by one step
///   in that direction, up to a bound (Wilson et al. 2017); in a round where some arm extends,
///   every other arm spends the same trial refining around its best value, so the budgets stay
///   equal;
/// - the chosen settings are rerun on fresh seeds, disjoint from the tuning seeds, and scored on
///   the test set where the data has one (DeepOBS, Schneider et al. 2019);
/// - each arm is compared with the baseline seed by seed (paired t-test);
/// - the report gives expected best validation performance against the tuning budget
///   (Dodge et al. 2019) and the epochs and time to a target (AlgoPerf).
///
/// Successive halving (`tune.halving`) trains every candidate for a first number of epochs, keeps
/// the best `1/eta` of each arm, and so on up to `training.epochs`. Decisions depend only on
/// metrics, so the same file gives the same rungs whatever `--jobs`; a candidate that goes on
/// resumes from its checkpoint, so its curve is the curve of the same run trained in one go.
///
///     study:
///       arms:                  # at least two; name: {dotted key: value, ...}
///         sgd: {optimizer.momentum: 0.0}
///         momentum: {optimizer.momentum: 0.9}
///         # adam: {set: {optimizer.name: adam}, space: {grid: {optimizer.lr: [...]}}}
///       baseline: <the first arm>
///       tune:
///         space: <required>    # grid, zip and random as under sweep; a grid axis may be
///                              # {log2: [low, high]} or {log10: [low, high]} (integers)
///         seeds: [1]           # tuning seeds, distinct integers >= 0
///         metric: val_loss     # val_loss | val_accuracy | val_rmse | val_r2
///         extend: 2            # extra trials per arm for edge extension; 0 to 100
///         halving: null        # {eta: 3, min_epochs: 1}: eta >= 2, min_epochs >= 1 and
///                              # below training.epochs
///       confirm:
///         seeds: 10            # a count (seeds after the largest tuning seed) or a list,
///                              # disjoint from the tuning seeds
///       target: null           # {metric: val_accuracy, value: 0.95}: epochs and time to it
public struct Study: Sendable {
  /// One setting under comparison, with its own search space.
  public struct Arm: Sendable {
    public var name: String
    /// Where the arm's name is written.
    var location: InputLocation
    /// The arm's fixed settings.
    var settings: [SweepAssignment]
    /// The tuning space: the study's, or the arm's own.
    var space: Sweep
  }

  /// `tune.halving`.
  public struct Halving: Sendable, Hashable {
    public var eta: Int
    public var minEpochs: Int
    /// Where `min_epochs` is written, or `halving` when it is not.
    var minEpochsLocation: InputLocation

    /// The epochs of each rung: `minEpochs`, times `eta` each rung, then `epochs`.
    public func rungs(epochs: Int) -> [Int] {
      var rungs: [Int] = []
      var epoch = minEpochs
      while epoch < epochs {
        rungs.append(epoch)
        epoch *= eta
      }
      return rungs + [epochs]
    }
  }

  public var arms: [Arm]
  /// The position of the baseline arm in `arms`.
  public var baseline: Int
  public var tuningSeeds: [UInt64]
  /// The validation metric settings are chosen by.
  public var metric: RunMetric
  /// The most extra trials each arm spends on edge extension.
  public var extend: Int
  public var halving: Halving?
  public var confirmationSeeds: [UInt64]
  public var target: ReportOptions.Target?
  /// Where `tune.metric` is written, or `tune` when it is not.
  var metricLocation: InputLocation

  /// The epochs of each rung of tuning: one rung of every epoch without halving.
  public func rungs(epochs: Int) -> [Int] {
    halving?.rungs(epochs: epochs) ?? [epochs]
  }

  /// What the study will do, in lines for `descent plan`.
  public func planDescription(epochs: Int) -> [String] {
    let seeds = { (list: [UInt64]) in list.map(String.init).joined(separator: ", ") }
    let most = arms.count * ((candidatesPerArm + extend) * tuningSeeds.count + confirmationSeeds.count)
    return [
      "arms: \(arms.map(\.name).joined(separator: ", ")); baseline \(arms[baseline].name)",
      "tuning: \(candidatesPerArm) candidate\(candidatesPerArm == 1 ? "" : "s") per arm on seeds \(seeds(tuningSeeds)), chosen by \(metric.rawValue)"
        + (halving.map {
          "; successive halving at epochs \(rungs(epochs: epochs).map(String.init).joined(separator: ", ")), the best 1/\($0.eta) going on"
        } ?? "; \(epochs) epochs each"),
      "extension: up to \(extend) more candidate\(extend == 1 ? "" : "s") per arm where a best value sits at a grid edge",
      "confirmation: each arm's choice on seeds \(seeds(confirmationSeeds))",
      "at most \(most) runs in all; the first rung's runs:",
    ]
  }

  /// The number of candidates each arm tunes before extension.
  public var candidatesPerArm: Int { arms.first.map { $0.space.configurations().count } ?? 0 }
}
