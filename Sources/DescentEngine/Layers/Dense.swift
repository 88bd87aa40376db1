/// A fully connected layer, `torch.nn.Linear`: `y = x W^T + b`, `W` shaped `[units, in]`.
package struct Dense: LayerKind {
  package var units: Int
  package var bias = true

  package init(units: Int, bias: Bool = true) {
    self.units = units
    self.bias = bias
  }

  package var name: String { "dense" }
  package var resolvedEntry: String { bias ? "{dense: \(units)}" : "{dense: \(units), bias: false}" }
  package var takesActivation: Bool { true }
  package var summaryText: String { bias ? "dense \(units)" : "dense \(units), no bias" }

  package func plan(for input: TensorShape) throws(LayerShapeError) -> any PlannedLayer {
    guard input.isFlat else {
      throw LayerShapeError(
        "dense expects a flat input, found \(input); add flatten (or global_avg_pool2d, then flatten) before it")
    }
    return Planned(inputShape: input, units: units, bias: bias)
  }

  /// The passes, all through `MatrixProduct`. The weight is stored transposed, `Wt = W^T`
  /// shaped `[in, units]`, so that the forward pass and the weight gradient are products of
  /// operands read in place; only the input gradient reads `Wt` transposed.
  package struct Planned: PlannedLayer {
    package let inputShape: TensorShape
    package let units: Int
    package let bias: Bool

    package var inputs: Int { inputShape.count }
    package var outputShape: TensorShape { .flat(units) }
    package var multiplyAdds: Int { inputs * units }

    package var parameters: [ParameterSpec] {
      let weight = ParameterSpec(
        name: "weight", shape: [units, inputs], start: .weight(fanIn: inputs, fanOut: units),
        transposedBlocks: 1)
      guard bias else { return [weight] }
      return [weight, ParameterSpec(name: "bias", shape: [units], start: .bias(fanIn: inputs))]
    }

    package func workspaceCount(batch: Int, threads: Int) -> Int {
      threads
        * max(
          MatrixProduct.workspaceSize(m: batch, n: units, k: inputs),  // forward
          MatrixProduct.workspaceSize(m: inputs, n: units, k: batch),  // weight gradient
          MatrixProduct.workspaceSize(m: batch, n: inputs, k: units))  // input gradient
    }

    package func forward(_ pass: ForwardPass<Float>) { forwardPass(pass) }
    package func forward(_ pass: ForwardPass<Double>) { forwardPass(pass) }
    package func backward(_ pass: BackwardPass<Float>) { backwardPass(pass) }
    package func backward(_ pass: BackwardPass<Double>) { backwardPass(pass) }

    /// `output[batch, units] = input[batch, in] * Wt[in, units] + bias`.
    @inline(__always)
    package func forwardPass<T: Scalar>(_ pass: ForwardPass<T>) {
      let (batch, output) = (pass.batch, pass.output)
      if bias {
        let b = pass.parameters + inputs * units
        for row in 0..<batch { (output + row * units).update(from: b, count: units) }
      }
      MatrixProduct.multiply(
        pass.input, transposed: false, pass.parameters, transposed: false, into: output,
        m: batch, n: units, k: inputs, accumulate: bias, workspace: pass.workspace,
        threads: pass.threads)
    }

    /// Given `dOutput = dL/dY`: `dWt = X^T dY`, `dBias = column sums of dY`, and, when
    /// `dInput` is given, `dInput (+)= dY Wt^T`.
    @inline(__always)
    package func backwardPass<T: Scalar>(_ pass: BackwardPass<T>) {
      let (batch, dOutput) = (pass.batch, pass.dOutput)
      MatrixProduct.multiply(
        pass.input, transposed: true, dOutput, transposed: false, into: pass.gradients,
        m: inputs, n: units, k: batch, workspace: pass.workspace, threads: pass.threads)
      if bias {
        let dBias = pass.gradients + inputs * units
        dBias.update(repeating: 0, count: units)
        for row in 0..<batch {
          let dRow = dOutput + row * units
          for j in 0..<units { dBias[j] += dRow[j] }
        }
      }
      if let dInput = pass.dInput {
        MatrixProduct.multiply(
          dOutput, transposed: false, pass.parameters, transposed: true, into: dInput,
          m: batch, n: inputs, k: units, accumulate: pass.accumulate, workspace: pass.workspace,
          threads: pass.threads)
      }
    }
  }
}

extension Layer {
  /// A fully connected layer with `units` outputs.
  public static func dense(units: Int, bias: Bool = true) -> Layer {
    Layer(Dense(units: units, bias: bias))
  }
}
