/// A setting given per spatial axis, `[height, width]`; one integer stands for both.
package struct Pair: Sendable, Hashable {
  package var height: Int
  package var width: Int

  package init(_ height: Int, _ width: Int) {
    self.height = height
    self.width = width
  }

  package init(_ both: Int) { self.init(both, both) }

  /// `3x3`, as the model summary writes it.
  package var sizeText: String { "\(height)x\(width)" }

  /// `[3, 3]`, as `config.yaml` writes it.
  package var resolvedText: String { "[\(height), \(width)]" }
}

/// The size of a convolution's or pooling's output along one axis,
/// `floor((in + padding - dilation * (kernel - 1) - 1) / stride) + 1`, with `padding` the total
/// on both sides; 0 or less when the kernel does not fit.
///
/// Settings are any integers a file can give, so sizes past `Int.max` stand at `Int.max`
/// (`saturatingSum`) rather than overflow.
package func slidingOutputSize(input: Int, kernel: Int, stride: Int, padding: Int, dilation: Int = 1)
  -> Int
{
  let span = slidingSpan(kernel: kernel, dilation: dilation)
  let room = saturatingSum(input, padding) - span
  return room < 0 ? 0 : room / stride + 1
}

/// The extent of a dilated kernel, `dilation * (kernel - 1) + 1`, at most `Int.max`.
package func slidingSpan(kernel: Int, dilation: Int) -> Int {
  saturatingSum(saturatingProduct(dilation, kernel - 1), 1)
}

/// `a + b` for non-negative integers, or `Int.max` past it.
package func saturatingSum(_ a: Int, _ b: Int) -> Int {
  let (sum, overflow) = a.addingReportingOverflow(b)
  return overflow ? .max : sum
}

/// `a * b` for non-negative integers, or `Int.max` past it.
package func saturatingProduct(_ a: Int, _ b: Int) -> Int {
  let (product, overflow) = a.multipliedReportingOverflow(by: b)
  return overflow ? .max : product
}
