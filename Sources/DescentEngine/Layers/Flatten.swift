/// `torch.nn.Flatten()`: `[C, H, W] -> [C * H * W]` in C, H, W order, which is how the values
/// already lie; a flat input passes unchanged.
package struct Flatten: LayerKind {
  package init() {}

  package var name: String { "flatten" }
  package var resolvedEntry: String { "flatten" }

  package func plan(for input: TensorShape) throws(LayerShapeError) -> any PlannedLayer {
    Planned(inputShape: input)
  }

  package struct Planned: PlannedLayer {
    package let inputShape: TensorShape
    package var outputShape: TensorShape { .flat(inputShape.count) }

    package func forward(_ pass: ForwardPass<Float>) { forwardPass(pass) }
    package func forward(_ pass: ForwardPass<Double>) { forwardPass(pass) }
    package func backward(_ pass: BackwardPass<Float>) { backwardPass(pass) }
    package func backward(_ pass: BackwardPass<Double>) { backwardPass(pass) }

    @inline(__always)
    package func forwardPass<T: Scalar>(_ pass: ForwardPass<T>) {
      pass.output.update(from: pass.input, count: pass.batch * inputShape.count)
    }

    @inline(__always)
    package func backwardPass<T: Scalar>(_ pass: BackwardPass<T>) {
      guard let dInput = pass.dInput else { return }
      let count = pass.batch * inputShape.count
      if pass.accumulate {
        for i in 0..<count { dInput[i] += pass.dOutput[i] }
      } else {
        dInput.update(from: pass.dOutput, count: count)
      }
    }
  }
}

extension Layer {
  package static var flatten: Layer { Layer(Flatten()) }
}
