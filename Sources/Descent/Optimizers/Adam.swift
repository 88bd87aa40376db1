import RealModule

/// Adam (Kingma and Ba, 2015) and AdamW (Loshchilov and Hutter, 2019), as `torch.optim.Adam`
/// and `torch.optim.AdamW`:
///
///     Adam:  g <- g + weight_decay * w        AdamW:  w <- w (1 - lr weight_decay)
///     m <- b1 m + (1 - b1) g;  v <- b2 v + (1 - b2) g^2
///     w <- w - lr (m / (1 - b1^t)) / (sqrt(v / (1 - b2^t)) + eps)
public struct Adam: Optimizer {
  public var beta1: Double
  public var beta2: Double
  public var epsilon: Double
  public var weightDecay: Double
  /// Whether weight decay is decoupled from the gradient (AdamW).
  public var decoupled: Bool
  private var m: [Float]
  private var v: [Float]
  private var t = 0

  public init(
    beta1: Double = 0.9, beta2: Double = 0.999, epsilon: Double = 1e-8, weightDecay: Double = 0,
    decoupled: Bool = false, parameterCount: Int
  ) {
    self.beta1 = beta1
    self.beta2 = beta2
    self.epsilon = epsilon
    self.weightDecay = weightDecay
    self.decoupled = decoupled
    m = Array(repeating: 0, count: parameterCount)
    v = Array(repeating: 0, count: parameterCount)
  }

  public mutating func step(
    parameters: inout [Float], gradients: [Float],
    learningRate: Double, momentum override: Double?
  ) {
    precondition(parameters.count == gradients.count, "one gradient per parameter")
    parameters.withUnsafeMutableBufferPointer { w in
      gradients.withUnsafeBufferPointer { g in
        t += 1
        let b1 = Float(override ?? beta1)
        let b2 = Float(beta2)
        let lr = Float(learningRate)
        let eps = Float(epsilon)
        let coupledDecay = decoupled ? 0 : Float(weightDecay)
        let shrink = decoupled ? 1 - lr * Float(weightDecay) : 1
        let correction1 = 1 - Float.pow(b1, t)
        let correction2Root = (1 - Float.pow(b2, t)).squareRoot()
        let stepSize = lr / correction1
        m.withUnsafeMutableBufferPointer { m in
          v.withUnsafeMutableBufferPointer { v in
            for i in w.indices {
              w[i] *= shrink
              let d = g[i] + coupledDecay * w[i]
              m[i] = b1 * m[i] + (1 - b1) * d
              v[i] = b2 * v[i] + (1 - b2) * d * d
              w[i] -= stepSize * m[i] / (v[i].squareRoot() / correction2Root + eps)
            }
          }
        }
      }
    }
  }
}
