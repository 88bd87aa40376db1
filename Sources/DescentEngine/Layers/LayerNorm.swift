/// Layer normalization (Ba, Kiros and Hinton, 2016), as `torch.nn.LayerNorm(example_shape)`:
/// each example is normalized over all of its values with their mean and biased variance, then
/// scaled and shifted value by value by a weight and a bias shaped like the example. It keeps
/// no running statistics: training and evaluation compute the same thing.
package struct LayerNorm: LayerKind {
  package var eps = 1e-5

  package init(eps: Double = 1e-5) { self.eps = eps }

  package var name: String { "layer_norm" }
  package var resolvedEntry: String { "{layer_norm: {eps: \(NumberText.yaml(eps))}}" }
  package var summaryText: String {
    eps == LayerNorm().eps ? "layer_norm" : "layer_norm, eps \(NumberText.yaml(eps))"
  }

  package func plan(for input: TensorShape) throws(LayerShapeError) -> any PlannedLayer {
    Planned(inputShape: input, eps: eps)
  }

  /// Forward splits the examples across threads and reads each one twice: for the sum and the
  /// sum of squares (in `Double`, about the example's first value), then to normalize; the
  /// mean and `1 / sqrt(var + eps)` of each example are kept in scratch.
  ///
  /// Backward takes the examples in order, because the weight and bias gradients add up over
  /// them: for each example, `sum(g)` and `sum(g (x - mean))` with `g = dy w`, its share of the
  /// parameter gradients, then `dx = inv (g - mean(g) - xhat mean(g xhat))`, all while the
  /// example is in cache.
  package struct Planned: PlannedLayer {
    package let inputShape: TensorShape
    package let eps: Double

    package var outputShape: TensorShape { inputShape }
    package var size: Int { inputShape.count }

    package var parameters: [ParameterSpec] {
      [
        ParameterSpec(name: "weight", shape: inputShape.dimensions, start: .constant(1)),
        ParameterSpec(name: "bias", shape: inputShape.dimensions, start: .constant(0)),
      ]
    }

    /// The mean and inverse standard deviation of each example.
    package func scratchCount(batch: Int) -> Int { 2 * batch }

    package func forward(_ pass: ForwardPass<Float>) { forwardPass(pass) }
    package func forward(_ pass: ForwardPass<Double>) { forwardPass(pass) }
    package func backward(_ pass: BackwardPass<Float>) { backwardPass(pass) }
    package func backward(_ pass: BackwardPass<Double>) { backwardPass(pass) }

    @inline(__always)
    package func forwardPass<T: Scalar>(_ pass: ForwardPass<T>) {
      let (size, eps) = (size, eps)
      let (weight, bias) = (pass.parameters, pass.parameters + size)
      let (means, inverses) = (pass.scratch, pass.scratch + pass.batch)
      let count = Double(size)
      Parallel.forEachPart(count: pass.batch, threads: pass.threads) { _, range in
        for n in range {
          let x = pass.input + n * size
          let y = pass.output + n * size
          var sums = ShiftedSums()
          sums.add(x, count: size, shift: x[0])
          let (sum, squares) = sums.totals
          let variance = max((squares - sum * sum / count) / count, 0)
          let mean = T(Double(x[0]) + sum / count)
          let inverse = T(1 / (variance + eps).squareRoot())
          means[n] = mean
          inverses[n] = inverse
          for i in 0..<size { y[i] = (x[i] - mean) * inverse * weight[i] + bias[i] }
        }
      }
    }

    @inline(__always)
    package func backwardPass<T: Scalar>(_ pass: BackwardPass<T>) {
      let size = size
      let weight = pass.parameters
      let (dWeight, dBias) = (pass.gradients, pass.gradients + size)
      let (means, inverses) = (pass.scratch, pass.scratch + pass.batch)
      dWeight.update(repeating: 0, count: 2 * size)
      let count = Double(size)
      for n in 0..<pass.batch {
        let x = pass.input + n * size
        let dy = pass.dOutput + n * size
        let (mean, inverse) = (means[n], inverses[n])
        // sum(g) and sum(g (x - mean)), in Double, four partial sums each.
        var g = (0.0, 0.0, 0.0, 0.0)
        var p = (0.0, 0.0, 0.0, 0.0)
        var i = 0
        while i + 4 <= size {
          let g0 = dy[i] * weight[i]
          let g1 = dy[i + 1] * weight[i + 1]
          let g2 = dy[i + 2] * weight[i + 2]
          let g3 = dy[i + 3] * weight[i + 3]
          g.0 += Double(g0)
          g.1 += Double(g1)
          g.2 += Double(g2)
          g.3 += Double(g3)
          p.0 += Double(g0) * Double(x[i] - mean)
          p.1 += Double(g1) * Double(x[i + 1] - mean)
          p.2 += Double(g2) * Double(x[i + 2] - mean)
          p.3 += Double(g3) * Double(x[i + 3] - mean)
          i += 4
        }
        while i < size {
          let g0 = dy[i] * weight[i]
          g.0 += Double(g0)
          p.0 += Double(g0) * Double(x[i] - mean)
          i += 1
        }
        for j in 0..<size {
          dWeight[j] += dy[j] * (x[j] - mean) * inverse
          dBias[j] += dy[j]
        }
        guard let dInput = pass.dInput else { continue }
        let dx = dInput + n * size
        let inverseValue = Double(inverse)
        let sumG = (g.0 + g.1) + (g.2 + g.3)
        let sumGCentered = (p.0 + p.1) + (p.2 + p.3)
        let b = T(inverseValue * sumG / count)
        let k = T(inverseValue * inverseValue * inverseValue * sumGCentered / count)
        if pass.accumulate {
          for j in 0..<size { dx[j] += inverse * dy[j] * weight[j] - b - (x[j] - mean) * k }
        } else {
          for j in 0..<size { dx[j] = inverse * dy[j] * weight[j] - b - (x[j] - mean) * k }
        }
      }
    }
  }
}

extension Layer {
  /// Layer normalization over each example's whole shape.
  package static func layerNorm(eps: Double = 1e-5) -> Layer { Layer(LayerNorm(eps: eps)) }
}
