import RealModule

/// The learning rate (and, for `one_cycle`, the momentum) at each step of training.
///
/// `t` counts the schedule's steps from 0, per batch or per epoch as its settings say. With a
/// warmup of `W` steps the rate first rises linearly, `b (s + (1 - s) t / W)` (PyTorch's
/// `LinearLR`), then the schedule runs with its own clock starting at 0 (`SequentialLR`).
public struct LearningRateSchedule: Sendable {
  public let settings: ScheduleSettings
  /// The base rate `b`: the optimizer's configured rate (the peak of `one_cycle`).
  public let baseRate: Double
  /// The length used where the settings leave `totalSteps` unset.
  public let defaultLength: Int
  private var plateauRate: Double
  private var plateauBest = Double.infinity
  private var plateauBadEpochs = 0
  private var plateauCooldown = 0

  /// - Parameters:
  ///   - trainingSteps: the number of schedule steps in the whole training (batches or epochs).
  public init(settings: ScheduleSettings, baseRate: Double, trainingSteps: Int) {
    self.settings = settings
    self.baseRate = baseRate
    defaultLength = max(1, trainingSteps - settings.warmupSteps)
    plateauRate = baseRate
  }

  /// Writes what `observe` has learned (the plateau's rate, best metric and counters).
  public func saveState(to writer: inout CheckpointWriter) {
    writer.write(plateauRate)
    writer.write(plateauBest)
    writer.write(plateauBadEpochs)
    writer.write(plateauCooldown)
  }

  /// Replaces what `observe` has learned with what `saveState` wrote.
  public mutating func restoreState(from reader: inout CheckpointReader) throws {
    plateauRate = try reader.readDouble()
    plateauBest = try reader.readDouble()
    plateauBadEpochs = try reader.readInt()
    plateauCooldown = try reader.readInt()
  }

  private var length: Int { max(1, settings.totalSteps ?? defaultLength) }

  /// The learning rate at step `t`.
  public func learningRate(at t: Int) -> Double {
    let s = settings
    let warmup = s.warmupSteps
    if t < warmup {
      let start = s.warmupStartFactor
      return baseRate * (start + (1 - start) * Double(t) / Double(warmup))
    }
    let t = t - warmup
    let b = baseRate
    switch s.name {
    case .constant:
      return b
    case .step:
      // StepLR: b * gamma^floor(t / step_size)
      return b * Double.pow(s.gamma, Double(t / max(1, s.stepSize)))
    case .multistep:
      // MultiStepLR: b * gamma^(number of milestones <= t)
      return b * Double.pow(s.gamma, Double(s.milestones.filter { $0 <= t }.count))
    case .exponential:
      // ExponentialLR: b * gamma^t
      return b * Double.pow(s.gamma, Double(t))
    case .inverse:
      // Caffe's "inv": b * (1 + gamma t)^(-power)
      return b * Double.pow(1 + s.gamma * Double(t), -s.power)
    case .polynomial:
      // PolynomialLR: b * (1 - min(t, T) / T)^power
      let T = Double(length)
      return b * Double.pow(1 - min(Double(t), T) / T, s.power)
    case .cosine:
      // CosineAnnealingLR: eta_min + (b - eta_min) (1 + cos(pi t / T)) / 2, held at eta_min
      // past T rather than rising again.
      let progress = min(Double(t), Double(length)) / Double(length)
      return s.minimum + (b - s.minimum) * (1 + Double.cos(Double.pi * progress)) / 2
    case .oneCycle:
      let initial = b / s.divFactor
      return oneCycle(t, start: initial, peak: b, end: initial / s.finalDivFactor)
    case .plateau:
      return plateauRate
    }
  }

  /// The momentum at step `t` when the schedule cycles it, else `nil`.
  public func momentum(at t: Int) -> Double? {
    guard settings.name == .oneCycle, settings.cycleMomentum, t >= settings.warmupSteps else {
      return nil
    }
    let s = settings
    return oneCycle(
      t - s.warmupSteps, start: s.maxMomentum, peak: s.baseMomentum, end: s.maxMomentum)
  }

  /// OneCycleLR with cosine annealing (Smith and Topin, 2019, as PyTorch defines it): with
  /// `a(s, e, p) = e + (s - e) (cos(pi p) + 1) / 2` and `p1 = pct_start T - 1`, the value is
  /// `a(start, peak, t / p1)` up to `p1`, then `a(peak, end, (t - p1) / (T - 1 - p1))`.
  private func oneCycle(_ t: Int, start: Double, peak: Double, end: Double) -> Double {
    func anneal(_ from: Double, _ to: Double, _ p: Double) -> Double {
      to + (from - to) * (Double.cos(Double.pi * p) + 1) / 2
    }
    let T = Double(length)
    let t = min(Double(t), T - 1)
    let p1 = settings.percentStart * T - 1
    if t <= p1 { return anneal(start, peak, p1 > 0 ? t / p1 : 1) }
    let rest = T - 1 - p1
    return anneal(peak, end, rest > 0 ? (t - p1) / rest : 1)
  }

  /// Tells a `plateau` schedule the metric at the end of an epoch (ReduceLROnPlateau, mode min):
  /// an observation improves if `m < best (1 - threshold)`; after more than `patience`
  /// observations without improvement the rate becomes `max(rate * factor, min_lr)`. Other
  /// schedules ignore it.
  public mutating func observe(_ metric: Double) {
    guard settings.name == .plateau else { return }
    if metric < plateauBest * (1 - settings.threshold) {
      plateauBest = metric
      plateauBadEpochs = 0
    } else {
      plateauBadEpochs += 1
    }
    if plateauCooldown > 0 {
      plateauCooldown -= 1
      plateauBadEpochs = 0
    }
    if plateauBadEpochs > settings.patience {
      plateauRate = max(plateauRate * settings.factor, settings.minimumRate)
      plateauCooldown = settings.cooldown
      plateauBadEpochs = 0
    }
  }
}
