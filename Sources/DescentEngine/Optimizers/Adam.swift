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

  public func saveState(to writer: inout CheckpointWriter) {
    writer.write(t)
    writer.write(m)
    writer.write(v)
  }

  public mutating func restoreState(from reader: inout CheckpointReader) throws {
    t = try reader.readInt()
    m = try reader.readFloats(count: m.count, "the first moment")
    v = try reader.readFloats(count: v.count, "the second moment")
  }

  public mutating func step(
    parameters: inout [Float], gradients: [Float],
    learningRate: Double, momentum override: Double?
  ) {
    precondition(parameters.count == gradients.count, "one gradient per parameter")
    parameters.withUnsafeMutableBufferPointer { w in
      gradients.withUnsafeBufferPointer { g in
        t += 1
        let beta1 = override ?? beta1
        let (b1, b2) = (Float(beta1), Float(beta2))
        // The scalars are computed in double precision, as torch.optim computes them in Python
        // floats: in float32, `1 - 0.999` and `1 - 0.999^t` lose four digits to cancellation.
        let (keep1, keep2) = (Float(1 - beta1), Float(1 - beta2))
        let eps = Float(epsilon)
        let coupledDecay = decoupled ? 0 : Float(weightDecay)
        let shrink = decoupled ? Float(1 - learningRate * weightDecay) : 1
        let stepSize = Float(learningRate / (1 - Double.pow(beta1, t)))
        let correction2Root = Float((1 - Double.pow(beta2, t)).squareRoot())
        m.withUnsafeMutableBufferPointer { m in
          v.withUnsafeMutableBufferPointer { v in
            for i in w.indices {
              w[i] *= shrink
              let d = g[i] + coupledDecay * w[i]
              m[i] = b1 * m[i] + keep1 * d
              v[i] = b2 * v[i] + keep2 * d * d
              w[i] -= stepSize * m[i] / (v[i].squareRoot() / correction2Root + eps)
            }
          }
        }
      }
    }
  }
}
