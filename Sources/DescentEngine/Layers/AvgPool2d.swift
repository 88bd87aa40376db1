/// Average pooling, `torch.nn.AvgPool2d`: the mean of each window, padding counted as zeros in
/// the divisor (`count_include_pad=True`), so every window divides by `kh * kw`.
package struct AvgPool2d: LayerKind {
  package var window: PoolingWindow

  package init(window: PoolingWindow) { self.window = window }

  package var name: String { "avg_pool2d" }
  package var resolvedEntry: String { "{avg_pool2d: \(window.resolvedOptions)}" }
  package var summaryText: String { "avg_pool2d \(window.summaryText)" }

  package func plan(for input: TensorShape) throws(LayerShapeError) -> any PlannedLayer {
    Planned(
      inputShape: input, outputShape: try window.outputShape(for: input, name: name),
      window: window)
  }

  package struct Planned: PlannedLayer {
    package let inputShape: TensorShape
    package let outputShape: TensorShape
    package let window: PoolingWindow

    package func forward(_ pass: ForwardPass<Float>) { forwardPass(pass) }
    package func forward(_ pass: ForwardPass<Double>) { forwardPass(pass) }
    package func backward(_ pass: BackwardPass<Float>) { backwardPass(pass) }
    package func backward(_ pass: BackwardPass<Double>) { backwardPass(pass) }

    @inline(__always)
    package func forwardPass<T: Scalar>(_ pass: ForwardPass<T>) {
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
    package func backwardPass<T: Scalar>(_ pass: BackwardPass<T>) {
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

extension Layer {
  /// Average pooling over `kernel` windows moved by `stride` (the kernel by default).
  package static func avgPool2d(_ kernel: Pair, stride: Pair? = nil, padding: Pair = Pair(0)) -> Layer {
    Layer(AvgPool2d(window: PoolingWindow(kernel: kernel, stride: stride ?? kernel, padding: padding)))
  }
}
