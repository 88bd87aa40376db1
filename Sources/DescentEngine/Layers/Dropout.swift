/// Inverted dropout (Srivastava et al., 2014, as `torch.nn.Dropout`): in training each value is
/// zeroed with probability `rate` and the others are scaled by `1 / (1 - rate)`; in evaluation
/// values pass through. On images it drops single values, as `nn.Dropout` does.
package struct Dropout: LayerKind {
  package var rate: Double

  package init(rate: Double) { self.rate = rate }

  package var name: String { "dropout" }
  package var resolvedEntry: String { "{dropout: \(NumberText.yaml(rate))}" }
  package var summaryText: String { "dropout \(NumberText.yaml(rate))" }

  package func plan(for input: TensorShape) throws(LayerShapeError) -> any PlannedLayer {
    Planned(inputShape: input, rate: rate)
  }

  /// The mask, kept in the layer's scratch, holds 0 or `1 / (1 - rate)` for each value, drawn
  /// from the run's dropout stream.
  package struct Planned: PlannedLayer {
    package let inputShape: TensorShape
    package let rate: Double
    package var outputShape: TensorShape { inputShape }

    package func scratchCount(batch: Int) -> Int { batch * inputShape.count }

    package func forward(_ pass: ForwardPass<Float>) { forwardPass(pass) }
    package func forward(_ pass: ForwardPass<Double>) { forwardPass(pass) }
    package func backward(_ pass: BackwardPass<Float>) { backwardPass(pass) }
    package func backward(_ pass: BackwardPass<Double>) { backwardPass(pass) }

    @inline(__always)
    package func forwardPass<T: Scalar>(_ pass: ForwardPass<T>) {
      let count = pass.batch * inputShape.count
      let (input, output, mask) = (pass.input, pass.output, pass.scratch)
      switch pass.mode {
      case .evaluation:
        output.update(from: input, count: count)
        return
      case .training:
        let keep = T(1 / (1 - rate))
        for i in 0..<count { mask[i] = pass.random.pointee.uniform() < rate ? 0 : keep }
      case .trainingWithFixedMask:
        break
      }
      for i in 0..<count { output[i] = input[i] * mask[i] }
    }

    /// `dInput (+)= dOutput * mask`.
    @inline(__always)
    package func backwardPass<T: Scalar>(_ pass: BackwardPass<T>) {
      guard let dInput = pass.dInput else { return }
      let (dOutput, mask) = (pass.dOutput, pass.scratch)
      for i in 0..<pass.batch * inputShape.count {
        pass.store(dOutput[i] * mask[i], at: i, into: dInput)
      }
    }
  }
}

extension Layer {
  /// Inverted dropout of `rate`.
  public static func dropout(rate: Double) -> Layer { Layer(Dropout(rate: rate)) }
}
