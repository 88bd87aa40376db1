/// Compares backpropagation with finite differences, in double precision.
///
/// The network is rebuilt in `Double` from the same spec, so the code under test is the very
/// code that trains, at a precision where a central difference agrees with a correct gradient to
/// about 1e-10 and a wrong factor stands out.
public enum GradientCheck {
  /// The agreement for one parameter tensor.
  public struct Result: Sendable, Hashable {
    public var tensor: String
    public var shape: [Int]
    /// The largest `|analytic - numeric| / max(|analytic| + |numeric|, 1e-4)` over the tensor's
    /// entries; the floor keeps gradients that vanish up to rounding from counting as errors.
    public var worstRelativeError: Double
    public var worstAbsoluteError: Double
    /// The largest `|analytic - numeric| / (absolute + relative * |numeric|)` under the
    /// tolerance the check was run with: at most 1 passes.
    public var worstToleranceRatio: Double
  }

  /// How far backpropagation may be from the finite difference, as in
  /// `torch.autograd.gradcheck`: `|analytic - numeric| <= absolute + relative * |numeric|`.
  /// A purely relative bar fails falsely on entries whose gradient is tiny, and on a ReLU
  /// network some entries sit near a kink, where the difference quotient is off by
  /// more than a relative 1e-6 without any error in the code.
  public struct Tolerance: Sendable, Hashable {
    public var absolute: Double
    public var relative: Double

    public init(absolute: Double = 1e-5, relative: Double = 1e-3) {
      self.absolute = absolute
      self.relative = relative
    }
  }

  /// Checks every parameter of `spec` under `loss` on one batch.
  ///
  /// Dropout draws its masks once and keeps them for every evaluation, so the function being
  /// differentiated is fixed; batch norm normalizes with the batch's statistics, as in training,
  /// so its gradient is checked through them.
  ///
  /// - Parameters:
  ///   - inputs: `rows x inputWidth` examples.
  ///   - targets: `rows x` the loss's target width (class indices for cross-entropy).
  ///   - parameters: the point to check at, in PyTorch's layout (`Network.stateDictValues`);
  ///     `nil` draws them with the spec's initializer.
  ///   - step: the finite-difference step `h` of `(L(w + h) - L(w - h)) / 2h`. Its error is
  ///     the rounding of the loss, about `1e-16 L / h`, plus the truncation, about `h^2` times
  ///     the third derivative over 6; they balance near the cube root of the machine epsilon,
  ///     `h ~ 1e-5`. With 1e-6, rounding alone reaches 1e-6 relative on the small gradients of
  ///     a deep network.
  public static func run(
    spec: ModelSpec, loss: Loss, inputWidth: Int, inputShape: TensorShape? = nil,
    inputs: [Double], targets: [Double], parameters: [Double]? = nil, seed: UInt64 = 0,
    step h: Double = 1e-5, tolerance: Tolerance = Tolerance()
  ) -> [Result] {
    let rows = inputs.count / inputWidth
    var initRandom = RandomGenerator(seed: seed, stream: .initialization)
    var network = Network<Double>(
      spec: spec, inputShape: inputShape ?? .flat(inputWidth), batchCapacity: rows,
      random: &initRandom)
    if let parameters { network.setStateDictValues(parameters) }
    network.withBatchBuffers { x, y in
      x.update(from: inputs, count: inputs.count)
      y.update(from: targets, count: targets.count)
    }
    var random = RandomGenerator(seed: seed, stream: .dropout)
    network.forward(batch: rows, mode: .training, random: &random)
    network.loss(loss, batch: rows, backward: true)
    let analytic = network.gradients

    func lossAt(_ index: Int, _ value: Double) -> Double {
      network.parameters[index] = value
      network.forward(batch: rows, mode: .trainingWithFixedMask, random: &random)
      return network.loss(loss, batch: rows, backward: false)
    }
    return network.tensors.map { tensor in
      var worstRelative = 0.0
      var worstAbsolute = 0.0
      var worstRatio = 0.0
      for index in tensor.offset..<tensor.offset + tensor.count {
        let original = network.parameters[index]
        let numeric = (lossAt(index, original + h) - lossAt(index, original - h)) / (2 * h)
        network.parameters[index] = original
        let difference = abs(analytic[index] - numeric)
        worstAbsolute = max(worstAbsolute, difference)
        worstRatio = max(
          worstRatio, difference / (tolerance.absolute + tolerance.relative * abs(numeric)))
        worstRelative = max(
          worstRelative, difference / max(abs(analytic[index]) + abs(numeric), 1e-4))
      }
      return Result(
        tensor: tensor.name, shape: tensor.shape, worstRelativeError: worstRelative,
        worstAbsoluteError: worstAbsolute, worstToleranceRatio: worstRatio)
    }
  }
}
