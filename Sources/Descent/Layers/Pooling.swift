/// What max and average pooling share: a window of `kernel` moved by `stride` over each channel,
/// with `padding` on each side.
struct PoolingWindow: Sendable, Hashable {
  var kernel: Pair
  var stride: Pair
  var padding: Pair

  /// `2x2`, then the stride and padding where they are not the defaults.
  var summaryText: String {
    var parts = [kernel.sizeText]
    if stride != kernel { parts.append("stride \(stride.sizeText)") }
    if padding != Pair(0) { parts.append("padding \(padding.sizeText)") }
    return parts.joined(separator: ", ")
  }

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
  var summaryText: String { "max_pool2d \(window.summaryText)" }

  func plan(for input: TensorShape) throws(LayerShapeError) -> any PlannedLayer {
    Planned(
      inputShape: input, outputShape: try window.outputShape(for: input, name: name),
      window: window)
  }

  struct Planned: PlannedLayer {
    let inputShape: TensorShape
    let outputShape: TensorShape
    let window: PoolingWindow

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
      let (oh, ow) = (outputShape.height, outputShape.width)
      let (sh, sw) = (window.stride.height, window.stride.width)
      let (ph, pw) = (window.padding.height, window.padding.width)
      let halving = kh == 2 && kw == 2 && sh == 2 && sw == 2 && ph == 0 && pw == 0
      let planes = pass.batch * inputShape.channels
      Parallel.forEachPart(count: planes, threads: pass.threads) { _, range in
      for plane in range {
        let input = pass.input + plane * h * w
        var output = pass.output + plane * oh * ow
        var position = pass.scratch + plane * oh * ow
        if halving {
          halve(input, width: w, into: output, positions: position)
          continue
        }
        for oy in 0..<oh {
          let top = oy * sh - ph
          let (y0, y1) = (max(top, 0), min(top + kh, h))
          for ox in 0..<ow {
            let left = ox * sw - pw
            let (x0, x1) = (max(left, 0), min(left + kw, w))
            var best = -T.infinity
            var at = y0 * w + x0
            for y in y0..<y1 {
              let row = y * w
              for x in x0..<x1 {
                // Selects, not branches: which value wins is as random as the data.
                let v = input[row + x]
                let greater = v > best
                let notANumber = v != v
                // `greater || notANumber` without the short circuit, which compiles to a branch.
                let wins =
                  (unsafeBitCast(greater, to: UInt8.self) | unsafeBitCast(notANumber, to: UInt8.self))
                  != 0
                best = wins ? v : best
                at = wins ? row + x : at
              }
            }
            output.pointee = best
            position.pointee = T(at)
            output += 1
            position += 1
          }
        }
      }
      }
    }

    /// The common 2 x 2 window of stride 2 without padding, one plane, written out: the same
    /// maxima and positions as the general loop.
    @inline(__always)
    func halve<T: Scalar>(
      _ input: UnsafePointer<T>, width w: Int, into output: UnsafeMutablePointer<T>,
      positions: UnsafeMutablePointer<T>
    ) {
      @inline(__always) func take(_ best: inout T, _ at: inout Int, _ v: T, _ index: Int) {
        let wins =
          (unsafeBitCast(v > best, to: UInt8.self) | unsafeBitCast(v != v, to: UInt8.self)) != 0
        best = wins ? v : best
        at = wins ? index : at
      }
      var index = 0
      for oy in 0..<outputShape.height {
        let top = 2 * oy * w
        for ox in 0..<outputShape.width {
          let a = top + 2 * ox
          var best = input[a]
          var at = a
          // The first value always wins against -infinity, unless it is -infinity itself,
          // where it stays the position as in the general loop.
          take(&best, &at, input[a + 1], a + 1)
          take(&best, &at, input[a + w], a + w)
          take(&best, &at, input[a + w + 1], a + w + 1)
          output[index] = best
          positions[index] = T(at)
          index += 1
        }
      }
    }

    @inline(__always)
    func backwardPass<T: Scalar>(_ pass: BackwardPass<T>) {
      guard let dInput = pass.dInput else { return }
      let planeIn = inputShape.height * inputShape.width
      let planeOut = outputShape.height * outputShape.width
      Parallel.forEachPart(count: pass.batch * inputShape.channels, threads: pass.threads) {
        _, planes in
        for plane in planes {
          let dIn = dInput + plane * planeIn
          if !pass.accumulate { dIn.update(repeating: 0, count: planeIn) }
          let dOut = pass.dOutput + plane * planeOut
          let position = pass.scratch + plane * planeOut
          for index in 0..<planeOut { dIn[position[index].index] += dOut[index] }
        }
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
  var summaryText: String { "avg_pool2d \(window.summaryText)" }

  func plan(for input: TensorShape) throws(LayerShapeError) -> any PlannedLayer {
    Planned(
      inputShape: input, outputShape: try window.outputShape(for: input, name: name),
      window: window)
  }

  struct Planned: PlannedLayer {
    let inputShape: TensorShape
    let outputShape: TensorShape
    let window: PoolingWindow

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
