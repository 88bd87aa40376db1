/// Stochastic gradient descent with optional momentum, as `torch.optim.SGD`; plain SGD is this
/// same update with momentum 0.
///
///     g <- g + weight_decay * w
///     b <- g at the first step, then b <- mu b + (1 - dampening) g
///     d <- g + mu b with Nesterov, else d <- b
///     w <- w - lr d
///
/// The `classical` form (Polyak, 1964; Sutskever et al., 2013) keeps a velocity instead,
/// `v <- mu v - lr g; w <- w + v` (Nesterov: `w <- w + mu v - lr g`). With a constant learning
/// rate both give the same weights; when the rate changes, PyTorch's form rescales the whole
/// accumulated velocity at once, the classical form only the new gradients.
public struct SGD: Optimizer {
  public enum MomentumForm: String, Sendable, Hashable, CaseIterable {
    case torch, classical
  }

  public var momentum: Double
  public var dampening: Double
  public var nesterov: Bool
  public var weightDecay: Double
  public var form: MomentumForm
  /// PyTorch's momentum buffer `b`, or the classical velocity `v`.
  private var buffer: [Float]
  private var started = false

  public init(
    momentum: Double = 0, dampening: Double = 0, nesterov: Bool = false, weightDecay: Double = 0,
    form: MomentumForm = .torch, parameterCount: Int
  ) {
    self.momentum = momentum
    self.dampening = dampening
    self.nesterov = nesterov
    self.weightDecay = weightDecay
    self.form = form
    buffer = Array(repeating: 0, count: parameterCount)
  }

  public func saveState(to writer: inout CheckpointWriter) {
    writer.write(started)
    writer.write(buffer)
  }

  public mutating func restoreState(from reader: inout CheckpointReader) throws {
    started = try reader.readBool()
    buffer = try reader.readFloats(count: buffer.count, "the momentum buffer")
  }

  public mutating func step(
    parameters: inout [Float], gradients: [Float],
    learningRate: Double, momentum override: Double?
  ) {
    precondition(parameters.count == gradients.count, "one gradient per parameter")
    parameters.withUnsafeMutableBufferPointer { w in
      gradients.withUnsafeBufferPointer { g in
        let lr = Float(learningRate)
        let decay = Float(weightDecay)
        let mu = Float(override ?? momentum)
        let first = !started
        started = true
        guard mu != 0 else {
          for i in w.indices { w[i] -= lr * (g[i] + decay * w[i]) }
          return
        }
        // The buffer starts at zero, so the first step's b <- g is the general update without
        // dampening, mu * 0 + 1 * g: one branch-free loop serves every step.
        let keep = first ? 1 : Float(1 - dampening)
        let nesterov = nesterov
        buffer.withUnsafeMutableBufferPointer { b in
          switch form {
          case .torch:
            for i in w.indices {
              let d = g[i] + decay * w[i]
              let velocity = mu * b[i] + keep * d
              b[i] = velocity
              w[i] -= lr * (nesterov ? d + mu * velocity : velocity)
            }
          case .classical:
            for i in w.indices {
              let d = g[i] + decay * w[i]
              let velocity = mu * b[i] - lr * keep * d
              b[i] = velocity
              w[i] += nesterov ? mu * velocity - lr * d : velocity
            }
          }
        }
      }
    }
  }
}
