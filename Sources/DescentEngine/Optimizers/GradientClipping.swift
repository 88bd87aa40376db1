/// Gradient clipping before the optimizer step, as `torch.nn.utils.clip_grad_norm_` and
/// `clip_grad_value_`.
public struct GradientClipping: Sendable, Hashable {
  /// Rescales all gradients together when their global L2 norm exceeds this.
  public var maxNorm: Double?
  /// Clamps each gradient to `[-maxValue, maxValue]`.
  public var maxValue: Double?

  public init(maxNorm: Double? = nil, maxValue: Double? = nil) {
    self.maxNorm = maxNorm
    self.maxValue = maxValue
  }

  /// Clips `gradients` in place and returns their global norm before clipping.
  ///
  /// By norm: `g <- g * min(1, maxNorm / (norm + 1e-6))`, PyTorch's rule. By value, after that.
  @discardableResult
  public func apply(to gradients: UnsafeMutableBufferPointer<Float>) -> Double {
    let norm = Self.norm(UnsafeBufferPointer(gradients))
    if let maxNorm, norm.isFinite {
      let coefficient = Float(min(1, maxNorm / (norm + 1e-6)))
      if coefficient < 1 { for i in gradients.indices { gradients[i] *= coefficient } }
    }
    if let maxValue {
      let bound = Float(maxValue)
      for i in gradients.indices { gradients[i] = min(max(gradients[i], -bound), bound) }
    }
    return norm
  }

  /// The L2 norm of `values`, summed in double precision over eight interleaved lanes: a fixed
  /// order, so the same on every machine, and independent lanes, so it vectorizes.
  package static func norm(_ values: UnsafeBufferPointer<Float>) -> Double {
    var lanes = SIMD8<Double>()
    let whole = values.count / 8 * 8
    var i = 0
    while i < whole {
      var chunk = SIMD8<Double>()
      for lane in 0..<8 { chunk[lane] = Double(values[i + lane]) }
      lanes += chunk * chunk
      i += 8
    }
    var sum = 0.0
    for lane in 0..<8 { sum += lanes[lane] }  // in lane order: SIMD's sum() leaves it open
    while i < values.count {
      sum += Double(values[i]) * Double(values[i])
      i += 1
    }
    return sum.squareRoot()
  }
}
