/// What max and average pooling share: a window of `kernel` moved by `stride` over each channel,
/// with `padding` on each side.
package struct PoolingWindow: Sendable, Hashable {
  package var kernel: Pair
  package var stride: Pair
  package var padding: Pair

  package init(kernel: Pair, stride: Pair, padding: Pair) {
    self.kernel = kernel
    self.stride = stride
    self.padding = padding
  }

  /// `2x2`, then the stride and padding where they are not the defaults.
  package var summaryText: String {
    var parts = [kernel.sizeText]
    if stride != kernel { parts.append("stride \(stride.sizeText)") }
    if padding != Pair(0) { parts.append("padding \(padding.sizeText)") }
    return parts.joined(separator: ", ")
  }

  package var resolvedOptions: String {
    "\(kernel.resolvedText), stride: \(stride.resolvedText), padding: \(padding.resolvedText)"
  }

  /// The output shape for `input`, checked as PyTorch checks it.
  package func outputShape(for input: TensorShape, name: String) throws(LayerShapeError) -> TensorShape {
    guard input.isImage else {
      throw LayerShapeError(
        "\(name) expects an image [channels, height, width], found \(input); set data.shape to lay the features out as images"
      )
    }
    guard padding.height <= kernel.height / 2, padding.width <= kernel.width / 2 else {
      throw LayerShapeError(
        "padding \(padding.resolvedText) is more than half the kernel \(kernel.resolvedText); use at most half"
      )
    }
    // At most half the kernel on each side, so at most the kernel in all.
    let total = Pair(2 * padding.height, 2 * padding.width)
    let height = slidingOutputSize(
      input: input.height, kernel: kernel.height, stride: stride.height, padding: total.height)
    let width = slidingOutputSize(
      input: input.width, kernel: kernel.width, stride: stride.width, padding: total.width)
    guard height > 0, width > 0 else {
      let padded = Pair(
        saturatingSum(input.height, total.height), saturatingSum(input.width, total.width))
      throw LayerShapeError(
        "a \(kernel.height) x \(kernel.width) window shrinks the \(padded.height) x \(padded.width) padded input to \(height) x \(width); use a smaller kernel or more padding, or pool earlier"
      )
    }
    return .image(channels: input.channels, height: height, width: width)
  }

  /// Calls `body(outputIndex, top, left)` for each window of one channel, in row-major order.
  @inline(__always)
  package func forEachWindow(_ output: TensorShape, _ body: (Int, Int, Int) -> Void) {
    var index = 0
    for oy in 0..<output.height {
      for ox in 0..<output.width {
        body(index, oy * stride.height - padding.height, ox * stride.width - padding.width)
        index += 1
      }
    }
  }
}
