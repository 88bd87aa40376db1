/// Inverted dropout (Srivastava et al., 2014, as `torch.nn.Dropout`): in training each value is
/// zeroed with probability `rate` and the others are scaled by `1 / (1 - rate)`; in evaluation
/// values pass through. On images it drops single values, as `nn.Dropout` does.
struct Dropout: LayerKind {
  var rate: Double

  var name: String { "dropout" }
  var resolvedEntry: String { "{dropout: \(YAMLScalar.format(rate))}" }
  var summaryText: String { "dropout \(YAMLScalar.format(rate))" }

  func plan(for input: TensorShape) throws(LayerShapeError) -> any PlannedLayer {
    Planned(inputShape: input, rate: rate)
  }

  /// The mask, kept in the layer's scratch, holds 0 or `1 / (1 - rate)` for each value, drawn
  /// from the run's dropout stream.
  struct Planned: PlannedLayer {
    let inputShape: TensorShape
    let rate: Double
    var outputShape: TensorShape { inputShape }

    func scratchCount(batch: Int) -> Int { batch * inputShape.count }

    func forward(_ pass: ForwardPass<Float>) { forwardPass(pass) }
    func forward(_ pass: ForwardPass<Double>) { forwardPass(pass) }
    func backward(_ pass: BackwardPass<Float>) { backwardPass(pass) }
    func backward(_ pass: BackwardPass<Double>) { backwardPass(pass) }

    @inline(__always)
    func forwardPass<T: Scalar>(_ pass: ForwardPass<T>) {
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
    func backwardPass<T: Scalar>(_ pass: BackwardPass<T>) {
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
