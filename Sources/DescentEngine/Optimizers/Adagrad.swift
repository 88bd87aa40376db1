/// Adagrad (Duchi, Hazan and Singer, 2011), as `torch.optim.Adagrad`:
///
///     g <- g + weight_decay * w;  clr <- lr / (1 + (t - 1) lr_decay)
///     s <- s + g^2  (s starts at initial_accumulator);  w <- w - clr g / (sqrt(s) + eps)
public struct Adagrad: Optimizer {
  public var learningRateDecay: Double
  public var weightDecay: Double
  public var epsilon: Double
  private var sum: [Float]
  private var t = 0

  public init(
    learningRateDecay: Double = 0, weightDecay: Double = 0, initialAccumulator: Double = 0,
    epsilon: Double = 1e-10, parameterCount: Int
  ) {
    self.learningRateDecay = learningRateDecay
    self.weightDecay = weightDecay
    self.epsilon = epsilon
    sum = Array(repeating: Float(initialAccumulator), count: parameterCount)
  }

  public func saveState(to writer: inout CheckpointWriter) {
    writer.write(t)
    writer.write(sum)
  }

  public mutating func restoreState(from reader: inout CheckpointReader) throws {
    t = try reader.readInt()
    sum = try reader.readFloats(count: sum.count, "the sum of squares")
  }

  public mutating func step(
    parameters: inout [Float], gradients: [Float],
    learningRate: Double, momentum _: Double?
  ) {
    precondition(parameters.count == gradients.count, "one gradient per parameter")
    parameters.withUnsafeMutableBufferPointer { w in
      gradients.withUnsafeBufferPointer { g in
        t += 1
        let clr = Float(learningRate / (1 + Double(t - 1) * learningRateDecay))
        let decay = Float(weightDecay)
        let eps = Float(epsilon)
        sum.withUnsafeMutableBufferPointer { s in
          for i in w.indices {
            let d = g[i] + decay * w[i]
            s[i] += d * d
            w[i] -= clr * d / (s[i].squareRoot() + eps)
          }
        }
      }
    }
  }
}
