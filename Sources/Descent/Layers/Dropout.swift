/// Inverted dropout (Srivastava et al., 2014, as `torch.nn.Dropout`): the mask holds 0 or
/// `1 / (1 - rate)` for each value, drawn from the run's dropout stream.
enum Dropout {
  /// Draws a new mask into `mask` and applies it.
  @inline(__always)
  static func forward<T: Scalar>(
    input: UnsafePointer<T>, output: UnsafeMutablePointer<T>, mask: UnsafeMutablePointer<T>,
    count: Int, rate: Double, random: inout RandomGenerator
  ) {
    let keep = T(1 / (1 - rate))
    for i in 0..<count { mask[i] = random.uniform() < rate ? 0 : keep }
    applyMask(input: input, output: output, mask: mask, count: count)
  }

  /// Multiplies by the mask already drawn: the forward pass with a fixed mask, and the backward
  /// pass (`dInput = dOutput * mask`).
  @inline(__always)
  static func applyMask<T: Scalar>(
    input: UnsafePointer<T>, output: UnsafeMutablePointer<T>, mask: UnsafePointer<T>, count: Int
  ) {
    for i in 0..<count { output[i] = input[i] * mask[i] }
  }
}
