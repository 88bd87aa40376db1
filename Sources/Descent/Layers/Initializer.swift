import RealModule

/// How a dense layer's weight and bias start. Fan-in and fan-out are the weight's `in` and
/// `units`, as in `torch.nn.init`.
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
  /// `torch.nn.Linear`'s default: weight and bias both `U(-1/sqrt(fan_in), +1/sqrt(fan_in))`.
  case torchDefault = "torch_default"

  /// Fills a `[fanOut, fanIn]` weight and its bias. Values are drawn in double precision, weight
  /// first in row-major order, then bias, so a network starts from the same values in `Float`
  /// and in `Double`.
  func fill<T: Scalar>(
    weight: UnsafeMutableBufferPointer<T>, bias: UnsafeMutableBufferPointer<T>,
    fanIn: Int, fanOut: Int, random: inout RandomGenerator
  ) {
    let fanIn = Double(fanIn)
    let fanOut = Double(fanOut)
    switch self {
    case .heNormal: fillNormal(weight, deviation: (2 / fanIn).squareRoot(), &random)
    case .heUniform: fillUniform(weight, bound: (6 / fanIn).squareRoot(), &random)
    case .xavierNormal: fillNormal(weight, deviation: (2 / (fanIn + fanOut)).squareRoot(), &random)
    case .xavierUniform: fillUniform(weight, bound: (6 / (fanIn + fanOut)).squareRoot(), &random)
    case .lecunNormal: fillNormal(weight, deviation: (1 / fanIn).squareRoot(), &random)
    case .torchDefault:
      fillUniform(weight, bound: 1 / fanIn.squareRoot(), &random)
      fillUniform(bias, bound: 1 / fanIn.squareRoot(), &random)
      return
    }
    bias.update(repeating: 0)
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
