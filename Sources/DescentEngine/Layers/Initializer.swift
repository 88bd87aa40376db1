import RealModule

/// How weights and biases start. Fans are those of `torch.nn.init`: a dense weight's `in` and
/// `units`, a convolution's `(in / groups) * kh * kw` and `(out / groups) * kh * kw`.
public enum Initializer: String, Sendable, Hashable, CaseIterable {
  /// `N(0, 2 / fan_in)` (He et al., 2015); biases zero.
  case heNormal = "he_normal"
  /// `U(-sqrt(6 / fan_in), +sqrt(6 / fan_in))`; biases zero.
  case heUniform = "he_uniform"
  /// `N(0, 2 / (fan_in + fan_out))` (Glorot and Bengio, 2010); biases zero.
  case xavierNormal = "xavier_normal"
  /// `U(-sqrt(6 / (fan_in + fan_out)), +sqrt(6 / (fan_in + fan_out)))`; biases zero.
  case xavierUniform = "xavier_uniform"
  /// `N(0, 1 / fan_in)` (LeCun et al., 1998); biases zero.
  case lecunNormal = "lecun_normal"
  /// The default reset of `torch.nn.Linear` and `torch.nn.Conv2d`: weight and bias both
  /// `U(-1/sqrt(fan_in), +1/sqrt(fan_in))`.
  case torchDefault = "torch_default"

  /// Fills one tensor as `start` says. Values are drawn in double precision in row-major
  /// order of the tensor's PyTorch shape, so a network starts from the same values in `Float`
  /// and in `Double`; a network's tensors are filled in state_dict order.
  package func fill<T: Scalar>(
    _ values: UnsafeMutableBufferPointer<T>, _ start: ParameterStart,
    random: inout RandomGenerator
  ) {
    switch start {
    case .constant(let value):
      values.update(repeating: T(value))
    case .bias(let fanIn):
      if self == .torchDefault {
        fillUniform(values, bound: 1 / Double(fanIn).squareRoot(), &random)
      } else {
        values.update(repeating: 0)
      }
    case .weight(let fanIn, let fanOut):
      let fanIn = Double(fanIn)
      let fanOut = Double(fanOut)
      switch self {
      case .heNormal: fillNormal(values, deviation: (2 / fanIn).squareRoot(), &random)
      case .heUniform: fillUniform(values, bound: (6 / fanIn).squareRoot(), &random)
      case .xavierNormal:
        fillNormal(values, deviation: (2 / (fanIn + fanOut)).squareRoot(), &random)
      case .xavierUniform:
        fillUniform(values, bound: (6 / (fanIn + fanOut)).squareRoot(), &random)
      case .lecunNormal: fillNormal(values, deviation: (1 / fanIn).squareRoot(), &random)
      case .torchDefault: fillUniform(values, bound: 1 / fanIn.squareRoot(), &random)
      }
    }
  }

  private func fillNormal<T: Scalar>(
    _ values: UnsafeMutableBufferPointer<T>, deviation: Double, _ random: inout RandomGenerator
  ) {
    for i in values.indices { values[i] = T(deviation * random.normal()) }
  }

  private func fillUniform<T: Scalar>(
    _ values: UnsafeMutableBufferPointer<T>, bound: Double, _ random: inout RandomGenerator
  ) {
    for i in values.indices { values[i] = T(random.uniform(-bound, bound)) }
  }
}
