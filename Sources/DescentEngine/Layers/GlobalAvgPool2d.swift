/// `torch.nn.AdaptiveAvgPool2d(1)`: the mean of each channel, `[C, H, W] -> [C, 1, 1]`.
package struct GlobalAvgPool2d: LayerKind {
  package init() {}

  package var name: String { "global_avg_pool2d" }
  package var resolvedEntry: String { "global_avg_pool2d" }

  package func plan(for input: TensorShape) throws(LayerShapeError) -> any PlannedLayer {
    guard input.isImage else {
      throw LayerShapeError(
        "global_avg_pool2d expects an image [channels, height, width], found \(input)")
    }
    return Planned(inputShape: input)
  }

  package struct Planned: PlannedLayer {
    package let inputShape: TensorShape
    package var outputShape: TensorShape { .image(channels: inputShape.channels, height: 1, width: 1) }
    package var plane: Int { inputShape.height * inputShape.width }

    package func forward(_ pass: ForwardPass<Float>) { forwardPass(pass) }
    package func forward(_ pass: ForwardPass<Double>) { forwardPass(pass) }
    package func backward(_ pass: BackwardPass<Float>) { backwardPass(pass) }
    package func backward(_ pass: BackwardPass<Double>) { backwardPass(pass) }

    @inline(__always)
    package func forwardPass<T: Scalar>(_ pass: ForwardPass<T>) {
      let divisor = T(plane)
      for channel in 0..<pass.batch * inputShape.channels {
        let input = pass.input + channel * plane
        var sum: T = 0
        for i in 0..<plane { sum += input[i] }
        pass.output[channel] = sum / divisor
      }
    }

    @inline(__always)
    package func backwardPass<T: Scalar>(_ pass: BackwardPass<T>) {
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
  /// The mean of each channel.
  package static var globalAvgPool2d: Layer { Layer(GlobalAvgPool2d()) }
}
