/// `torch.nn.Flatten()`: `[C, H, W] -> [C * H * W]` in C, H, W order, which is how the values
/// already lie; a flat input passes unchanged.
struct Flatten: LayerKind {
  var name: String { "flatten" }
  var resolvedEntry: String { "flatten" }

  func plan(for input: TensorShape) throws(LayerShapeError) -> any PlannedLayer {
    Planned(inputShape: input)
  }

  struct Planned: PlannedLayer {
    let inputShape: TensorShape
    var outputShape: TensorShape { .flat(inputShape.count) }

    func forward(_ pass: ForwardPass<Float>) { forwardPass(pass) }
    func forward(_ pass: ForwardPass<Double>) { forwardPass(pass) }
    func backward(_ pass: BackwardPass<Float>) { backwardPass(pass) }
    func backward(_ pass: BackwardPass<Double>) { backwardPass(pass) }

    @inline(__always)
    func forwardPass<T: Scalar>(_ pass: ForwardPass<T>) {
      pass.output.update(from: pass.input, count: pass.batch * inputShape.count)
    }

    @inline(__always)
    func backwardPass<T: Scalar>(_ pass: BackwardPass<T>) {
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
  static var flatten: Layer { Layer(Flatten()) }
}
