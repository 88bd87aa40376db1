/// What max and average pooling share: a window of `kernel` moved by `stride` over each channel,
/// with `padding` on each side.
struct PoolingWindow: Sendable, Hashable {
  var kernel: Pair
  var stride: Pair
  var padding: Pair

  var resolvedOptions: String {
    "\(kernel.resolvedText), stride: \(stride.resolvedText), padding: \(padding.resolvedText)"
  }

  /// The output shape for `input`, checked as PyTorch checks it.
  func outputShape(for input: TensorShape, name: String) throws(LayerShapeError) -> TensorShape {
    guard input.isImage else {
      throw LayerShapeError(
        "\(name) expects an image [channels, height, width], found \(input); set data.shape to lay the features out as images"
      )
    }
    guard 2 * padding.height <= kernel.height, 2 * padding.width <= kernel.width else {
      throw LayerShapeError(
        "padding \(padding.resolvedText) is more than half the kernel \(kernel.resolvedText); use at most half"
      )
    }
    let height = slidingOutputSize(
      input: input.height, kernel: kernel.height, stride: stride.height,
      padding: 2 * padding.height)
    let width = slidingOutputSize(
      input: input.width, kernel: kernel.width, stride: stride.width, padding: 2 * padding.width)
    guard height > 0, width > 0 else {
      throw LayerShapeError(
        "a \(kernel.height) x \(kernel.width) window shrinks the \(input.height + 2 * padding.height) x \(input.width + 2 * padding.width) padded input to \(height) x \(width); use a smaller kernel or more padding, or pool earlier"
      )
    }
    return .image(channels: input.channels, height: height, width: width)
  }

  /// Calls `body(outputIndex, top, left)` for each window of one channel, in row-major order.
  @inline(__always)
  func forEachWindow(_ output: TensorShape, _ body: (Int, Int, Int) -> Void) {
    var index = 0
    for oy in 0..<output.height {
      for ox in 0..<output.width {
        body(index, oy * stride.height - padding.height, ox * stride.width - padding.width)
        index += 1
      }
    }
  }
}

/// Max pooling, `torch.nn.MaxPool2d`: the largest value of each window, padding counting as
/// -infinity. The gradient goes to one input per window, the first maximum in row-major order
/// (where PyTorch's CPU kernel sends it); a NaN counts as the maximum, as there.
struct MaxPool2d: LayerKind {
  var window: PoolingWindow

  var name: String { "max_pool2d" }
  var resolvedEntry: String { "{max_pool2d: \(window.resolvedOptions)}" }

  func plan(for input: TensorShape) throws(LayerShapeError) -> any PlannedLayer {
    Planned(
      inputShape: input, outputShape: try window.outputShape(for: input, name: name),
      window: window)
  }

  struct Planned: PlannedLayer {
    let inputShape: TensorShape
    let outputShape: TensorShape
    let window: PoolingWindow

    var multiplyAdds: Int { outputShape.count * window.kernel.height * window.kernel.width }

    /// The position of each output's maximum in its input plane.
    func scratchCount(batch: Int) -> Int { batch * outputShape.count }

    func forward(_ pass: ForwardPass<Float>) { forwardPass(pass) }
    func forward(_ pass: ForwardPass<Double>) { forwardPass(pass) }
    func backward(_ pass: BackwardPass<Float>) { backwardPass(pass) }
    func backward(_ pass: BackwardPass<Double>) { backwardPass(pass) }

    @inline(__always)
    func forwardPass<T: Scalar>(_ pass: ForwardPass<T>) {
      let (h, w) = (inputShape.height, inputShape.width)
      let (kh, kw) = (window.kernel.height, window.kernel.width)
      let planeOut = outputShape.height * outputShape.width
      for plane in 0..<pass.batch * inputShape.channels {
        let input = pass.input + plane * h * w
        let output = pass.output + plane * planeOut
        let position = pass.scratch + plane * planeOut
        window.forEachWindow(outputShape) { index, top, left in
          let y0 = max(top, 0)
          let x0 = max(left, 0)
          let y1 = min(top + kh, h)
          let x1 = min(left + kw, w)
          var best = -T.infinity
          var at = y0 * w + x0
          for y in y0..<y1 {
            for x in x0..<x1 {
              let v = input[y * w + x]
              if v > best || v.isNaN {
                best = v
                at = y * w + x
              }
            }
          }
          output[index] = best
          position[index] = T(at)
        }
      }
    }

    @inline(__always)
    func backwardPass<T: Scalar>(_ pass: BackwardPass<T>) {
      guard let dInput = pass.dInput else { return }
      let planeIn = inputShape.height * inputShape.width
      let planeOut = outputShape.height * outputShape.width
      if !pass.accumulate { dInput.update(repeating: 0, count: pass.batch * inputShape.count) }
      for plane in 0..<pass.batch * inputShape.channels {
        let dIn = dInput + plane * planeIn
        let dOut = pass.dOutput + plane * planeOut
        let position = pass.scratch + plane * planeOut
        for index in 0..<planeOut { dIn[Int(position[index])] += dOut[index] }
      }
    }
  }
}

/// Average pooling, `torch.nn.AvgPool2d`: the mean of each window, padding counted as zeros in
/// the divisor (`count_include_pad=True`), so every window divides by `kh * kw`.
struct AvgPool2d: LayerKind {
  var window: PoolingWindow

  var name: String { "avg_pool2d" }
  var resolvedEntry: String { "{avg_pool2d: \(window.resolvedOptions)}" }

  func plan(for input: TensorShape) throws(LayerShapeError) -> any PlannedLayer {
    Planned(
      inputShape: input, outputShape: try window.outputShape(for: input, name: name),
      window: window)
  }

  struct Planned: PlannedLayer {
    let inputShape: TensorShape
    let outputShape: TensorShape
    let window: PoolingWindow

    var multiplyAdds: Int { outputShape.count * window.kernel.height * window.kernel.width }

    func forward(_ pass: ForwardPass<Float>) { forwardPass(pass) }
    func forward(_ pass: ForwardPass<Double>) { forwardPass(pass) }
    func backward(_ pass: BackwardPass<Float>) { backwardPass(pass) }
    func backward(_ pass: BackwardPass<Double>) { backwardPass(pass) }

    @inline(__always)
    func forwardPass<T: Scalar>(_ pass: ForwardPass<T>) {
      let (h, w) = (inputShape.height, inputShape.width)
      let (kh, kw) = (window.kernel.height, window.kernel.width)
      let divisor = T(kh * kw)
      let planeOut = outputShape.height * outputShape.width
      for plane in 0..<pass.batch * inputShape.channels {
        let input = pass.input + plane * h * w
        let output = pass.output + plane * planeOut
        window.forEachWindow(outputShape) { index, top, left in
          var sum: T = 0
          for y in max(top, 0)..<min(top + kh, h) {
            for x in max(left, 0)..<min(left + kw, w) { sum += input[y * w + x] }
          }
          output[index] = sum / divisor
        }
      }
    }

    @inline(__always)
    func backwardPass<T: Scalar>(_ pass: BackwardPass<T>) {
      guard let dInput = pass.dInput else { return }
      let (h, w) = (inputShape.height, inputShape.width)
      let (kh, kw) = (window.kernel.height, window.kernel.width)
      let divisor = T(kh * kw)
      let planeOut = outputShape.height * outputShape.width
      if !pass.accumulate { dInput.update(repeating: 0, count: pass.batch * inputShape.count) }
      for plane in 0..<pass.batch * inputShape.channels {
        let dIn = dInput + plane * h * w
        let dOut = pass.dOutput + plane * planeOut
        window.forEachWindow(outputShape) { index, top, left in
          let share = dOut[index] / divisor
          for y in max(top, 0)..<min(top + kh, h) {
            for x in max(left, 0)..<min(left + kw, w) { dIn[y * w + x] += share }
          }
        }
      }
    }
  }
}

/// `torch.nn.AdaptiveAvgPool2d(1)`: the mean of each channel, `[C, H, W] -> [C, 1, 1]`.
struct GlobalAvgPool2d: LayerKind {
  var name: String { "global_avg_pool2d" }
  var resolvedEntry: String { "global_avg_pool2d" }

  func plan(for input: TensorShape) throws(LayerShapeError) -> any PlannedLayer {
    guard input.isImage else {
      throw LayerShapeError(
        "global_avg_pool2d expects an image [channels, height, width], found \(input)")
    }
    return Planned(inputShape: input)
  }

  struct Planned: PlannedLayer {
    let inputShape: TensorShape
    var outputShape: TensorShape { .image(channels: inputShape.channels, height: 1, width: 1) }
    var plane: Int { inputShape.height * inputShape.width }
    var multiplyAdds: Int { inputShape.count }

    func forward(_ pass: ForwardPass<Float>) { forwardPass(pass) }
    func forward(_ pass: ForwardPass<Double>) { forwardPass(pass) }
    func backward(_ pass: BackwardPass<Float>) { backwardPass(pass) }
    func backward(_ pass: BackwardPass<Double>) { backwardPass(pass) }

    @inline(__always)
    func forwardPass<T: Scalar>(_ pass: ForwardPass<T>) {
      let divisor = T(plane)
      for channel in 0..<pass.batch * inputShape.channels {
        let input = pass.input + channel * plane
        var sum: T = 0
        for i in 0..<plane { sum += input[i] }
        pass.output[channel] = sum / divisor
      }
    }

    @inline(__always)
    func backwardPass<T: Scalar>(_ pass: BackwardPass<T>) {
      guard let dInput = pass.dInput else { return }
      let divisor = T(plane)
      for channel in 0..<pass.batch * inputShape.channels {
        let share = pass.dOutput[channel] / divisor
        for i in 0..<plane { pass.store(share, at: channel * plane + i, into: dInput) }
      }
    }
  }
}

extension Layer {
  /// Max pooling over `kernel` windows moved by `stride` (the kernel by default).
  static func maxPool2d(_ kernel: Pair, stride: Pair? = nil, padding: Pair = Pair(0)) -> Layer {
    Layer(MaxPool2d(window: PoolingWindow(kernel: kernel, stride: stride ?? kernel, padding: padding)))
  }

  /// Average pooling over `kernel` windows moved by `stride` (the kernel by default).
  static func avgPool2d(_ kernel: Pair, stride: Pair? = nil, padding: Pair = Pair(0)) -> Layer {
    Layer(AvgPool2d(window: PoolingWindow(kernel: kernel, stride: stride ?? kernel, padding: padding)))
  }

  /// The mean of each channel.
  static var globalAvgPool2d: Layer { Layer(GlobalAvgPool2d()) }
}
