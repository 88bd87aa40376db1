/// RMSprop (Hinton, 2012, lecture 6e), as `torch.optim.RMSprop`:
///
///     g <- g + weight_decay * w
///     v <- alpha v + (1 - alpha) g^2
///     centered: a <- alpha a + (1 - alpha) g;  s <- v - a^2,   else s <- v
///     momentum: b <- mu b + g / (sqrt(s) + eps);  w <- w - lr b
///     else:     w <- w - lr g / (sqrt(s) + eps)
public struct RMSprop: Optimizer {
  public var alpha: Double
  public var epsilon: Double
  public var weightDecay: Double
  public var momentum: Double
  public var centered: Bool
  private var v: [Float]
  private var a: [Float]
  private var b: [Float]

  public init(
    alpha: Double = 0.99, epsilon: Double = 1e-8, weightDecay: Double = 0, momentum: Double = 0,
    centered: Bool = false, parameterCount: Int
  ) {
    self.alpha = alpha
    self.epsilon = epsilon
    self.weightDecay = weightDecay
    self.momentum = momentum
    self.centered = centered
    v = Array(repeating: 0, count: parameterCount)
    a = Array(repeating: 0, count: parameterCount)
    b = Array(repeating: 0, count: parameterCount)
  }

  public func saveState(to writer: inout CheckpointWriter) {
    for state in [v, a, b] { writer.write(state) }
  }

  public mutating func restoreState(from reader: inout CheckpointReader) throws {
    v = try reader.readFloats(count: v.count, "the square average")
    a = try reader.readFloats(count: a.count, "the gradient average")
    b = try reader.readFloats(count: b.count, "the momentum buffer")
  }

  public mutating func step(
    parameters: inout [Float], gradients: [Float],
    learningRate: Double, momentum override: Double?
  ) {
    precondition(parameters.count == gradients.count, "one gradient per parameter")
    parameters.withUnsafeMutableBufferPointer { w in
      gradients.withUnsafeBufferPointer { g in
        let lr = Float(learningRate)
        // `1 - alpha` in double precision, as torch.optim computes it: in float32 it loses
        // about four digits to cancellation when alpha is close to 1.
        let (alpha, keep) = (Float(alpha), Float(1 - alpha))
        let eps = Float(epsilon)
        let decay = Float(weightDecay)
        let mu = Float(override ?? momentum)
        let centered = centered
        v.withUnsafeMutableBufferPointer { v in
          a.withUnsafeMutableBufferPointer { a in
            b.withUnsafeMutableBufferPointer { b in
              for i in w.indices {
                let d = g[i] + decay * w[i]
                v[i] = alpha * v[i] + keep * d * d
                var s = v[i]
                if centered {
                  a[i] = alpha * a[i] + keep * d
                  s -= a[i] * a[i]
                }
                let scaled = d / (s.squareRoot() + eps)
                if mu != 0 {
                  b[i] = mu * b[i] + scaled
                  w[i] -= lr * b[i]
                } else {
                  w[i] -= lr * scaled
                }
              }
            }
          }
        }
      }
    }
  }
}
