/// A setting given per spatial axis, `[height, width]`; one integer stands for both.
struct Pair: Sendable, Hashable {
  var height: Int
  var width: Int

  init(_ height: Int, _ width: Int) {
    self.height = height
    self.width = width
  }

  init(_ both: Int) { self.init(both, both) }

  /// `3x3`, as the model summary writes it.
  var sizeText: String { "\(height)x\(width)" }

  /// `[3, 3]`, as `config.yaml` writes it.
  var resolvedText: String { "[\(height), \(width)]" }
}

/// The size of a convolution's or pooling's output along one axis,
/// `floor((in + padding - dilation * (kernel - 1) - 1) / stride) + 1`, with `padding` the total
/// on both sides; 0 or less when the kernel does not fit.
///
/// Settings are any integers a file can give, so sizes past `Int.max` stand at `Int.max`
/// (`saturatingSum`) rather than overflow.
func slidingOutputSize(input: Int, kernel: Int, stride: Int, padding: Int, dilation: Int = 1)
  -> Int
{
  let span = slidingSpan(kernel: kernel, dilation: dilation)
  let room = saturatingSum(input, padding) - span
  return room < 0 ? 0 : room / stride + 1
}

/// The extent of a dilated kernel, `dilation * (kernel - 1) + 1`, at most `Int.max`.
func slidingSpan(kernel: Int, dilation: Int) -> Int {
  saturatingSum(saturatingProduct(dilation, kernel - 1), 1)
}

/// `a + b` for non-negative integers, or `Int.max` past it.
func saturatingSum(_ a: Int, _ b: Int) -> Int {
  let (sum, overflow) = a.addingReportingOverflow(b)
  return overflow ? .max : sum
}

/// `a * b` for non-negative integers, or `Int.max` past it.
func saturatingProduct(_ a: Int, _ b: Int) -> Int {
  let (product, overflow) = a.multipliedReportingOverflow(by: b)
  return overflow ? .max : product
}
