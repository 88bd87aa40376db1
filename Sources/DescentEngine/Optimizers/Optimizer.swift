/// Updates parameters along their gradients, keeping its own state per parameter.
///
/// Parameters and gradients are the network's flat arrays, so an optimizer is one loop over all
/// of them. Every optimizer follows `torch.optim` exactly (docs/REFERENCE formulas), in `Float`.
public protocol Optimizer: Sendable {
  /// Applies one update.
  ///
  /// - Parameters:
  ///   - learningRate: the rate in force at this step, after the schedule.
  ///   - momentum: a momentum (or Adam's beta1) that replaces the configured one for this step,
  ///     when a schedule cycles it; `nil` keeps the configured value.
  mutating func step(
    parameters: inout [Float], gradients: [Float],
    learningRate: Double, momentum: Double?)

  /// Writes the state the next steps depend on (buffers and step count), for a checkpoint.
  func saveState(to writer: inout CheckpointWriter)

  /// Replaces the state with one that `saveState` wrote for the same parameter count.
  ///
  /// - Throws: `CheckpointError` when the state does not fit this optimizer.
  mutating func restoreState(from reader: inout CheckpointReader) throws
}

/// Everything that configures an optimizer, flat so that any field can be swept by name.
public struct OptimizerSettings: Sendable, Hashable {
  public enum Name: String, Sendable, Hashable, CaseIterable {
    case sgd, adam, adamw, rmsprop, adagrad
  }

  public var name: Name
  public var learningRate: Double
  /// SGD's and RMSprop's momentum.
  public var momentum: Double = 0
  /// SGD's dampening of new gradients in the momentum buffer.
  public var dampening: Double = 0
  public var nesterov: Bool = false
  /// Which momentum update SGD uses; they differ only when the learning rate changes.
  public var momentumForm: SGD.MomentumForm = .torch
  /// L2 penalty added to the gradient; decoupled from it for AdamW.
  public var weightDecay: Double
  public var beta1: Double = 0.9
  public var beta2: Double = 0.999
  public var epsilon: Double
  /// RMSprop's smoothing constant.
  public var alpha: Double = 0.99
  /// Whether RMSprop normalizes by the centered second moment.
  public var centered: Bool = false
  /// Adagrad's learning-rate decay.
  public var learningRateDecay: Double = 0
  /// Adagrad's starting accumulator.
  public var initialAccumulator: Double = 0

  /// The settings of `name` with PyTorch's defaults.
  public init(_ name: Name) {
    self.name = name
    switch name {
    case .sgd: learningRate = 0.001; weightDecay = 0; epsilon = 1e-8
    case .adam: learningRate = 0.001; weightDecay = 0; epsilon = 1e-8
    case .adamw: learningRate = 0.001; weightDecay = 0.01; epsilon = 1e-8
    case .rmsprop: learningRate = 0.01; weightDecay = 0; epsilon = 1e-8
    case .adagrad: learningRate = 0.01; weightDecay = 0; epsilon = 1e-10
    }
  }

  /// The base momentum a schedule that cycles momentum starts from: SGD's and RMSprop's
  /// momentum, Adam's beta1.
  public var cyclableMomentum: Double {
    switch name {
    case .adam, .adamw: beta1
    case .sgd, .rmsprop, .adagrad: momentum
    }
  }

  /// The values of state the optimizer keeps per parameter, as `makeOptimizer` allocates them:
  /// SGD's momentum buffer (kept with momentum 0 too), Adam's two moments, RMSprop's square
  /// average, gradient average and momentum buffer, Adagrad's sum.
  public var stateValuesPerParameter: Int {
    switch name {
    case .sgd, .adagrad: 1
    case .adam, .adamw: 2
    case .rmsprop: 3
    }
  }

  /// A fresh optimizer with zero state for `parameterCount` parameters.
  public func makeOptimizer(parameterCount: Int) -> any Optimizer {
    switch name {
    case .sgd:
      SGD(
        momentum: momentum, dampening: dampening, nesterov: nesterov, weightDecay: weightDecay,
        form: momentumForm, parameterCount: parameterCount)
    case .adam, .adamw:
      Adam(
        beta1: beta1, beta2: beta2, epsilon: epsilon, weightDecay: weightDecay,
        decoupled: name == .adamw, parameterCount: parameterCount)
    case .rmsprop:
      RMSprop(
        alpha: alpha, epsilon: epsilon, weightDecay: weightDecay, momentum: momentum,
        centered: centered, parameterCount: parameterCount)
    case .adagrad:
      Adagrad(
        learningRateDecay: learningRateDecay, weightDecay: weightDecay,
        initialAccumulator: initialAccumulator, epsilon: epsilon, parameterCount: parameterCount)
    }
  }
}
