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
    var sumOfSquares = 0.0
    for g in gradients { sumOfSquares += Double(g) * Double(g) }
    let norm = sumOfSquares.squareRoot()
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
}
