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

extension Layer {
  /// Max pooling over `kernel` windows moved by `stride` (the kernel by default).
  static func maxPool2d(_ kernel: Pair, stride: Pair? = nil, padding: Pair = Pair(0)) -> Layer {
    Layer(MaxPool2d(window: PoolingWindow(kernel: kernel, stride: stride ?? kernel, padding: padding)))
  }
}
