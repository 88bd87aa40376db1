/// Batch normalization (Ioffe and Szegedy, 2015), as `torch.nn.BatchNorm1d` on `[features]` and
/// `torch.nn.BatchNorm2d` on `[C, H, W]`: each channel is normalized with statistics over the
/// batch (and, on images, over height and width), then scaled and shifted by its own weight and
/// bias.
///
/// In training the statistics are the batch's mean and biased variance, and the running
/// statistics move towards the batch's mean and unbiased variance by `momentum`:
/// `running <- (1 - momentum) running + momentum batch`; `num_batches_tracked` counts the
/// training batches. In evaluation the running statistics normalize.
package struct BatchNorm: LayerKind {
  package var momentum = 0.1
  package var eps = 1e-5

  package init(momentum: Double = 0.1, eps: Double = 1e-5) {
    self.momentum = momentum
    self.eps = eps
  }

  package var name: String { "batch_norm" }
  package var resolvedEntry: String {
    "{batch_norm: {momentum: \(NumberText.yaml(momentum)), eps: \(NumberText.yaml(eps))}}"
  }
  package var summaryText: String {
    var parts = ["batch_norm"]
    if momentum != BatchNorm().momentum { parts.append("momentum \(NumberText.yaml(momentum))") }
    if eps != BatchNorm().eps { parts.append("eps \(NumberText.yaml(eps))") }
    return parts.joined(separator: ", ")
  }

  package func plan(for input: TensorShape) throws(LayerShapeError) -> any PlannedLayer {
    if input.isFlat {
      return Planned(
        inputShape: input, channels: input.count, plane: 1, momentum: momentum, eps: eps)
    }
    guard input.isImage else {
      throw LayerShapeError(
        "batch_norm expects [features] or an image [channels, height, width], found \(input)")
    }
    return Planned(
      inputShape: input, channels: input.channels, plane: input.height * input.width,
      momentum: momentum, eps: eps)
  }

  /// The passes, channel by channel (channels split across threads: each channel's arithmetic
  /// is the same whatever the number of threads).
  ///
  /// Forward reads the input twice: once for the sum and the sum of squares about the channel's
  /// first value (which keeps the variance accurate when the mean is far from zero; see
  /// `ShiftedSums`), and once to normalize; a channel of a batch of 128 28x28 images, 400 KB, is
  /// still in cache the second time. The batch's mean and `1 / sqrt(var + eps)` are kept
  /// in scratch. Backward reads input and upstream gradient once for `sum(dy)` and
  /// `sum(dy (x - mean))`, which are the bias and weight gradients, and once more to write
  /// `dx = w inv (dy - mean(dy) - xhat mean(dy xhat))` with `xhat = (x - mean) inv`.
  package struct Planned: PlannedLayer {
    package let inputShape: TensorShape
    package let channels: Int
    /// Values per channel per example: height x width, or 1 on flat inputs.
    package let plane: Int
    package let momentum: Double
    package let eps: Double

    package var outputShape: TensorShape { inputShape }
    package var valuesPerChannel: Int? { plane }

    package var parameters: [ParameterSpec] {
      [
        ParameterSpec(name: "weight", shape: [channels], start: .constant(1)),
        ParameterSpec(name: "bias", shape: [channels], start: .constant(0)),
      ]
    }

    package var buffers: [BufferSpec] {
      [
        BufferSpec(name: "running_mean", shape: [channels], start: 0),
        BufferSpec(name: "running_var", shape: [channels], start: 1),
        BufferSpec(name: "num_batches_tracked", shape: [], start: 0, isCounter: true),
      ]
    }

    /// The last training batch's mean and inverse standard deviation per channel.
    package func scratchCount(batch: Int) -> Int { 2 * channels }

    package func forward(_ pass: ForwardPass<Float>) { forwardPass(pass) }
    package func forward(_ pass: ForwardPass<Double>) { forwardPass(pass) }
    package func backward(_ pass: BackwardPass<Float>) { backwardPass(pass) }
    package func backward(_ pass: BackwardPass<Double>) { backwardPass(pass) }

    @inline(__always)
    package func forwardPass<T: Scalar>(_ pass: ForwardPass<T>) {
      let (batch, plane, stride) = (pass.batch, plane, channels * plane)
      let (input, output) = (pass.input, pass.output)
      let (weight, bias) = (pass.parameters, pass.parameters + channels)
      let (batchMean, batchInverse) = (pass.scratch, pass.scratch + channels)
      let buffers = pass.buffers!
      let (runningMean, runningVariance) = (buffers, buffers + channels)
      let (momentum, eps) = (momentum, eps)
      let count = Double(batch * plane)
      Parallel.forEachPart(count: channels, threads: pass.threads) { _, range in
        for c in range {
          let mean: T
          let inverse: T
          if pass.mode == .evaluation {
            mean = runningMean[c]
            inverse = T(1 / (Double(runningVariance[c]) + eps).squareRoot())
          } else {
            let shift = input[c * plane]
            var sums = ShiftedSums()
            for n in 0..<batch {
              sums.add(input + n * stride + c * plane, count: plane, shift: shift)
            }
            let (sum, squares) = sums.totals
            let batchMeanValue = Double(shift) + sum / count
            let variance = max((squares - sum * sum / count) / count, 0)
            mean = T(batchMeanValue)
            inverse = T(1 / (variance + eps).squareRoot())
            batchMean[c] = mean
            batchInverse[c] = inverse
            if pass.mode == .training {
              // PyTorch refuses one value per channel; `validate` keeps training from it, and
              // a gradient check on one example keeps the biased variance rather than divide
              // by zero.
              let unbiased = count > 1 ? variance * count / (count - 1) : variance
              runningMean[c] = T(
                (1 - momentum) * Double(runningMean[c]) + momentum * batchMeanValue)
              runningVariance[c] = T(
                (1 - momentum) * Double(runningVariance[c]) + momentum * unbiased)
            }
          }
          let scale = weight[c] * inverse
          let shift = bias[c]
          for n in 0..<batch {
            let x = input + n * stride + c * plane
            let y = output + n * stride + c * plane
            for i in 0..<plane { y[i] = (x[i] - mean) * scale + shift }
          }
        }
      }
      if pass.mode == .training { pass.counters![0] += 1 }
    }

    @inline(__always)
    package func backwardPass<T: Scalar>(_ pass: BackwardPass<T>) {
      let (batch, plane, stride) = (pass.batch, plane, channels * plane)
      let (input, dOutput, dInput) = (pass.input, pass.dOutput, pass.dInput)
      let weight = pass.parameters
      let (dWeight, dBias) = (pass.gradients, pass.gradients + channels)
      let (batchMean, batchInverse) = (pass.scratch, pass.scratch + channels)
      let accumulate = pass.accumulate
      let count = Double(batch * plane)
      Parallel.forEachPart(count: channels, threads: pass.threads) { _, range in
        for c in range {
          let (mean, inverse) = (batchMean[c], batchInverse[c])
          var sums = GradientSums()
          for n in 0..<batch {
            let offset = n * stride + c * plane
            sums.add(dOutput + offset, input + offset, count: plane, mean: mean)
          }
          let (sumDy, sumDyCentered) = sums.totals
          let inverseValue = Double(inverse)
          dBias[c] = T(sumDy)
          dWeight[c] = T(sumDyCentered * inverseValue)
          guard let dInput else { continue }
          let gain = Double(weight[c]) * inverseValue
          let a = T(gain)
          let b = T(gain * sumDy / count)
          let k = T(gain * inverseValue * inverseValue * sumDyCentered / count)
          for n in 0..<batch {
            let offset = n * stride + c * plane
            let (x, dy, dx) = (input + offset, dOutput + offset, dInput + offset)
            if accumulate {
              for i in 0..<plane { dx[i] += a * dy[i] - b - (x[i] - mean) * k }
            } else {
              for i in 0..<plane { dx[i] = a * dy[i] - b - (x[i] - mean) * k }
            }
          }
        }
      }
    }
  }
}

/// `sum(x - shift)` and `sum((x - shift)^2)`, accumulated in `Double`.
///
/// `Float` values are summed in eight `Float` lanes over blocks of at most 256 values (32 per
/// lane), each block's sums then added in `Double`: the lanes vectorize, and the shift (a value
/// of the same channel) keeps the squares small where the mean is far from zero. `Double`
/// values, which the gradient check computes in, go straight into four `Double` partial sums.
/// Either way the order is fixed by the data alone, whatever the number of threads.
package struct ShiftedSums {
  private var s = (0.0, 0.0, 0.0, 0.0)
  private var q = (0.0, 0.0, 0.0, 0.0)

  @inline(__always)
  package mutating func add<T: Scalar>(_ x: UnsafePointer<T>, count: Int, shift: T) {
    if T.self == Float.self {
      addFloats(
        UnsafeRawPointer(x).assumingMemoryBound(to: Float.self), count: count,
        shift: unsafeBitCast(shift, to: Float.self))
      return
    }
    let shift = Double(shift)
    var i = 0
    while i + 4 <= count {
      let d0 = Double(x[i]) - shift
      let d1 = Double(x[i + 1]) - shift
      let d2 = Double(x[i + 2]) - shift
      let d3 = Double(x[i + 3]) - shift
      s.0 += d0
      s.1 += d1
      s.2 += d2
      s.3 += d3
      q.0 += d0 * d0
      q.1 += d1 * d1
      q.2 += d2 * d2
      q.3 += d3 * d3
      i += 4
    }
    while i < count {
      let d = Double(x[i]) - shift
      s.0 += d
      q.0 += d * d
      i += 1
    }
  }

  @inline(__always)
  private mutating func addFloats(_ x: UnsafePointer<Float>, count: Int, shift: Float) {
    let raw = UnsafeRawPointer(x)
    let shifts = SIMD4<Float>(repeating: shift)
    var start = 0
    while start < count {
      let end = min(start + 256, count)
      var (s0, s1, q0, q1) = (SIMD4<Float>(), SIMD4<Float>(), SIMD4<Float>(), SIMD4<Float>())
      var i = start
      while i + 8 <= end {
        let d0 = raw.loadUnaligned(fromByteOffset: 4 * i, as: SIMD4<Float>.self) - shifts
        let d1 = raw.loadUnaligned(fromByteOffset: 4 * i + 16, as: SIMD4<Float>.self) - shifts
        s0 += d0
        s1 += d1
        q0 += d0 * d0
        q1 += d1 * d1
        i += 8
      }
      let (lanes, squares) = (s0 + s1, q0 + q1)
      var (sum, sumOfSquares) = (0.0, 0.0)
      for lane in 0..<4 {
        sum += Double(lanes[lane])
        sumOfSquares += Double(squares[lane])
      }
      while i < end {
        let d = x[i] - shift
        sum += Double(d)
        sumOfSquares += Double(d * d)
        i += 1
      }
      s.0 += sum
      q.0 += sumOfSquares
      start = end
    }
  }

  package var totals: (sum: Double, squares: Double) {
    ((s.0 + s.1) + (s.2 + s.3), (q.0 + q.1) + (q.2 + q.3))
  }
}

/// `sum(dy)` and `sum(dy (x - mean))`, accumulated in `Double` as `ShiftedSums` accumulates.
package struct GradientSums {
  private var g = (0.0, 0.0, 0.0, 0.0)
  private var p = (0.0, 0.0, 0.0, 0.0)

  @inline(__always)
  package mutating func add<T: Scalar>(
    _ dy: UnsafePointer<T>, _ x: UnsafePointer<T>, count: Int, mean: T
  ) {
    if T.self == Float.self {
      addFloats(
        UnsafeRawPointer(dy).assumingMemoryBound(to: Float.self),
        UnsafeRawPointer(x).assumingMemoryBound(to: Float.self), count: count,
        mean: unsafeBitCast(mean, to: Float.self))
      return
    }
    let mean = Double(mean)
    var i = 0
    while i + 4 <= count {
      let g0 = Double(dy[i])
      let g1 = Double(dy[i + 1])
      let g2 = Double(dy[i + 2])
      let g3 = Double(dy[i + 3])
      g.0 += g0
      g.1 += g1
      g.2 += g2
      g.3 += g3
      p.0 += g0 * (Double(x[i]) - mean)
      p.1 += g1 * (Double(x[i + 1]) - mean)
      p.2 += g2 * (Double(x[i + 2]) - mean)
      p.3 += g3 * (Double(x[i + 3]) - mean)
      i += 4
    }
    while i < count {
      let g0 = Double(dy[i])
      g.0 += g0
      p.0 += g0 * (Double(x[i]) - mean)
      i += 1
    }
  }

  @inline(__always)
  private mutating func addFloats(
    _ dy: UnsafePointer<Float>, _ x: UnsafePointer<Float>, count: Int, mean: Float
  ) {
    let (rawDy, rawX) = (UnsafeRawPointer(dy), UnsafeRawPointer(x))
    let means = SIMD4<Float>(repeating: mean)
    var start = 0
    while start < count {
      let end = min(start + 256, count)
      var (g0, g1, p0, p1) = (SIMD4<Float>(), SIMD4<Float>(), SIMD4<Float>(), SIMD4<Float>())
      var i = start
      while i + 8 <= end {
        let dy0 = rawDy.loadUnaligned(fromByteOffset: 4 * i, as: SIMD4<Float>.self)
        let dy1 = rawDy.loadUnaligned(fromByteOffset: 4 * i + 16, as: SIMD4<Float>.self)
        let x0 = rawX.loadUnaligned(fromByteOffset: 4 * i, as: SIMD4<Float>.self)
        let x1 = rawX.loadUnaligned(fromByteOffset: 4 * i + 16, as: SIMD4<Float>.self)
        g0 += dy0
        g1 += dy1
        p0 += dy0 * (x0 - means)
        p1 += dy1 * (x1 - means)
        i += 8
      }
      let (lanes, products) = (g0 + g1, p0 + p1)
      var (sum, sumOfProducts) = (0.0, 0.0)
      for lane in 0..<4 {
        sum += Double(lanes[lane])
        sumOfProducts += Double(products[lane])
      }
      while i < end {
        sum += Double(dy[i])
        sumOfProducts += Double(dy[i] * (x[i] - mean))
        i += 1
      }
      g.0 += sum
      p.0 += sumOfProducts
      start = end
    }
  }

  package var totals: (sum: Double, products: Double) {
    ((g.0 + g.1) + (g.2 + g.3), (p.0 + p.1) + (p.2 + p.3))
  }
}

extension Layer {
  /// Batch normalization with PyTorch's defaults.
  package static func batchNorm(momentum: Double = 0.1, eps: Double = 1e-5) -> Layer {
    Layer(BatchNorm(momentum: momentum, eps: eps))
  }
}
