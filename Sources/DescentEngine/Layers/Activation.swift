import RealModule

/// An elementwise nonlinearity, each with its derivative beside it. Definitions and defaults are
/// PyTorch's: GELU is the exact form, ELU's alpha is 1, LeakyReLU's slope 0.01, and Softplus has
/// beta 1 and turns linear above a threshold of 20.
///
/// An activation is a layer of its own (`{activation: relu}`), and the `activation:` of a dense
/// or convolutional layer is the same layer after it.
public enum Activation: Sendable, Hashable {
  case relu
  case leakyRelu(slope: Double)
  case elu(alpha: Double)
  case gelu
  case tanh
  case sigmoid
  case softplus(beta: Double, threshold: Double)
  case identity

  /// `y = f(x)` for `count` values.
  @inline(__always)
  package func forward<T: Scalar>(_ x: UnsafePointer<T>, _ y: UnsafeMutablePointer<T>, count: Int) {
    switch self {
    case .relu:
      for i in 0..<count { y[i] = x[i] > 0 ? x[i] : 0 }
    case .leakyRelu(let slope):
      let a = T(slope)
      for i in 0..<count { y[i] = x[i] > 0 ? x[i] : a * x[i] }
    case .elu(let alpha):
      let a = T(alpha)
      for i in 0..<count { y[i] = x[i] > 0 ? x[i] : a * T.expMinusOne(x[i]) }
    case .gelu:
      for i in 0..<count { y[i] = x[i] * Self.standardNormalCDF(x[i]) }
    case .tanh:
      for i in 0..<count { y[i] = T.tanh(x[i]) }
    case .sigmoid:
      for i in 0..<count { y[i] = Self.sigmoid(x[i]) }
    case .softplus(let beta, let threshold):
      let b = T(beta)
      let limit = T(threshold)
      for i in 0..<count {
        let bx = b * x[i]
        y[i] = bx > limit ? x[i] : Self.logOnePlusExp(bx) / b
      }
    case .identity:
      y.update(from: x, count: count)
    }
  }

  /// `dx (+)= dy * f'(x)`, from the layer's input `x` and output `y`: added to `dx` when
  /// `accumulate` is true.
  @inline(__always)
  package func backward<T: Scalar>(
    _ x: UnsafePointer<T>, _ y: UnsafePointer<T>, _ dy: UnsafePointer<T>,
    _ dx: UnsafeMutablePointer<T>, count: Int, accumulate: Bool = false
  ) {
    // Two copies of the loops, each with `accumulate` a constant: an overwrite then neither
    // reads `dx` nor chooses per value.
    if accumulate {
      backward(x, y, dy, dx, count: count, adding: true)
    } else {
      backward(x, y, dy, dx, count: count, adding: false)
    }
  }

  @inline(__always)
  private func backward<T: Scalar>(
    _ x: UnsafePointer<T>, _ y: UnsafePointer<T>, _ dy: UnsafePointer<T>,
    _ dx: UnsafeMutablePointer<T>, count: Int, adding: Bool
  ) {
    @inline(__always) func put(_ i: Int, _ v: T) {
      if adding { dx[i] += v } else { dx[i] = v }
    }
    switch self {
    // Every value is loaded before the comparison picks one, so that the loops compile to
    // branch-free vector selects rather than a branch per element.
    case .relu:
      for i in 0..<count {
        let g = dy[i]
        put(i, x[i] > 0 ? g : 0)
      }
    case .leakyRelu(let slope):
      let a = T(slope)
      for i in 0..<count {
        let g = dy[i]
        put(i, x[i] > 0 ? g : a * g)
      }
    case .elu(let alpha):
      // For x <= 0, f'(x) = alpha * exp(x) = y + alpha.
      let a = T(alpha)
      for i in 0..<count {
        let (g, v) = (dy[i], y[i])
        put(i, x[i] > 0 ? g : g * (v + a))
      }
    case .gelu:
      // d/dx [x Phi(x)] = Phi(x) + x phi(x).
      let inverseSqrtTwoPi = 1 / T.sqrt(2 * T.pi)
      for i in 0..<count {
        let density = inverseSqrtTwoPi * T.exp(-x[i] * x[i] / 2)
        put(i, dy[i] * (Self.standardNormalCDF(x[i]) + x[i] * density))
      }
    case .tanh:
      for i in 0..<count { put(i, dy[i] * (1 - y[i] * y[i])) }
    case .sigmoid:
      for i in 0..<count { put(i, dy[i] * y[i] * (1 - y[i])) }
    case .softplus(let beta, let threshold):
      let b = T(beta)
      let limit = T(threshold)
      for i in 0..<count {
        let bx = b * x[i]
        put(i, bx > limit ? dy[i] : dy[i] * Self.sigmoid(bx))
      }
    case .identity:
      for i in 0..<count { put(i, dy[i]) }
    }
  }

  /// The logistic function, computed without overflow for any x.
  @inline(__always)
  package static func sigmoid<T: Scalar>(_ x: T) -> T {
    if x >= 0 { return 1 / (1 + T.exp(-x)) }
    let e = T.exp(x)
    return e / (1 + e)
  }

  /// `log(1 + exp(x))` without overflow: `max(x, 0) + log1p(exp(-|x|))`.
  @inline(__always)
  package static func logOnePlusExp<T: Scalar>(_ x: T) -> T {
    max(x, 0) + T.log(onePlus: T.exp(-abs(x)))
  }

  @inline(__always)
  package static func standardNormalCDF<T: Scalar>(_ x: T) -> T {
    (1 + T.erf(x / T.sqrt(2))) / 2
  }
}

extension Activation: LayerKind {
  package var resolvedEntry: String { "{activation: \(resolvedText)}" }
  package var summaryText: String { resolvedText }

  /// `relu`, or `{leaky_relu: {slope: 0.01}}` with every parameter.
  package var resolvedText: String {
    if parameters.isEmpty { return name }
    let values = parameters.map { "\($0.name): \(NumberText.yaml($0.value))" }
    return "{\(name): {\(values.joined(separator: ", "))}}"
  }

  package func plan(for input: TensorShape) throws(LayerShapeError) -> any PlannedLayer {
    Planned(activation: self, inputShape: input)
  }

  /// The function on each value of any shape.
  package struct Planned: PlannedLayer {
    package let activation: Activation
    package let inputShape: TensorShape
    package var outputShape: TensorShape { inputShape }

    package func forward(_ pass: ForwardPass<Float>) { forwardPass(pass) }
    package func forward(_ pass: ForwardPass<Double>) { forwardPass(pass) }
    package func backward(_ pass: BackwardPass<Float>) { backwardPass(pass) }
    package func backward(_ pass: BackwardPass<Double>) { backwardPass(pass) }

    /// Values from which a pass is worth splitting across threads.
    package static let splitSize = 1 << 16

    /// Examples are split across threads: each value's result is the same whoever computes it.
    @inline(__always)
    package func forwardPass<T: Scalar>(_ pass: ForwardPass<T>) {
      let size = inputShape.count
      let threads = pass.batch * size >= Self.splitSize ? pass.threads : 1
      Parallel.forEachPart(count: pass.batch, threads: threads) { _, examples in
        let start = examples.lowerBound * size
        activation.forward(pass.input + start, pass.output + start, count: examples.count * size)
      }
    }

    @inline(__always)
    package func backwardPass<T: Scalar>(_ pass: BackwardPass<T>) {
      guard let dInput = pass.dInput else { return }
      let size = inputShape.count
      let threads = pass.batch * size >= Self.splitSize ? pass.threads : 1
      Parallel.forEachPart(count: pass.batch, threads: threads) { _, examples in
        let start = examples.lowerBound * size
        activation.backward(
          pass.input + start, pass.output + start, pass.dOutput + start, dInput + start,
          count: examples.count * size, accumulate: pass.accumulate)
      }
    }
  }
}

extension Layer {
  /// An elementwise nonlinearity.
  public static func activation(_ activation: Activation) -> Layer { Layer(activation) }
}
