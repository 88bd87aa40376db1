/// Everything that configures a learning-rate schedule, flat so that any field can be swept.
/// Defaults are PyTorch's, where PyTorch has one.
public struct ScheduleSettings: Sendable, Hashable {
  public enum Name: String, Sendable, Hashable, CaseIterable {
    case constant, step, multistep, exponential, inverse, polynomial, cosine
    case oneCycle = "one_cycle"
    case plateau
  }

  /// Whether the schedule's clock advances once per batch or once per epoch.
  public enum Interval: String, Sendable, Hashable, CaseIterable {
    case batch, epoch
  }

  public var name: Name
  public var interval: Interval = .epoch
  /// `step`: the rate is multiplied by `gamma` every `stepSize` steps.
  public var stepSize: Int = 10
  /// The factor of `step`, `multistep` and `exponential`, and Caffe's `gamma` of `inverse`.
  public var gamma: Double = 0.1
  /// `multistep`: the steps at which the rate is multiplied by `gamma`.
  public var milestones: [Int] = []
  /// The exponent of `inverse` and `polynomial`.
  public var power: Double = 1
  /// The length `T` of `polynomial`, `cosine` and `one_cycle`; `nil` means the whole training
  /// after warmup.
  public var totalSteps: Int? = nil
  /// The floor of `cosine` (`eta_min`).
  public var minimum: Double = 0
  /// `one_cycle`: the fraction of the cycle spent increasing the rate.
  public var percentStart: Double = 0.3
  /// `one_cycle`: the starting rate is the peak divided by this.
  public var divFactor: Double = 25
  /// `one_cycle`: the final rate is the starting rate divided by this.
  public var finalDivFactor: Double = 1e4
  /// `one_cycle`: whether momentum (Adam's beta1) cycles inversely to the rate. PyTorch cycles
  /// it by default; Descent does not unless asked, because cycling changes the momentum a
  /// comparison of optimizers is about.
  public var cycleMomentum: Bool = false
  public var baseMomentum: Double = 0.85
  public var maxMomentum: Double = 0.95
  /// `plateau`: the factor applied to the rate when the metric stops improving.
  public var factor: Double = 0.1
  /// `plateau`: epochs without improvement tolerated before the rate is cut.
  public var patience: Int = 10
  /// `plateau`: the relative improvement that counts (`m < best * (1 - threshold)`).
  public var threshold: Double = 1e-4
  /// `plateau`: epochs to wait after a cut before counting again.
  public var cooldown: Int = 0
  /// `plateau`: the rate is never cut below this.
  public var minimumRate: Double = 0
  /// Steps of linear warmup before the schedule starts (in the schedule's interval).
  public var warmupSteps: Int = 0
  /// The fraction of the base rate the warmup starts from (PyTorch's LinearLR `start_factor`).
  public var warmupStartFactor: Double = 1.0 / 3.0

  public init(_ name: Name) {
    self.name = name
  }
}
