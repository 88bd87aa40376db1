/// A 2-D convolution, `torch.nn.Conv2d`: a cross-correlation of `[C, H, W]` inputs with
/// `outChannels` kernels of `[C / groups, kh, kw]`, plus a bias per output channel.
///
/// Padding is `padding` zeros on each side, or `same`: `dilation * (kernel - 1)` in all, the
/// smaller half before, so the output keeps the input's size (stride 1 only).
struct Conv2d: LayerKind {
  enum Padding: Sendable, Hashable {
    case explicit(Pair)
    case same

    var resolvedText: String {
      switch self {
      case .explicit(let pair): pair.resolvedText
      case .same: "same"
      }
    }
  }

  var outChannels: Int
  var kernel: Pair
  var stride = Pair(1)
  var padding = Padding.explicit(Pair(0))
  var dilation = Pair(1)
  var groups = 1
  var bias = true

  var name: String { "conv2d" }
  var takesActivation: Bool { true }
  var resolvedEntry: String {
    "{conv2d: \(outChannels), kernel: \(kernel.resolvedText), stride: \(stride.resolvedText), "
      + "padding: \(padding.resolvedText), dilation: \(dilation.resolvedText), groups: \(groups), "
      + "bias: \(bias)}"
  }

  var summaryText: String {
    var parts = ["conv2d \(outChannels)", kernel.sizeText]
    if stride != Pair(1) { parts.append("stride \(stride.sizeText)") }
    switch padding {
    case .same: parts.append("padding same")
    case .explicit(let p) where p != Pair(0): parts.append("padding \(p.sizeText)")
    case .explicit: break
    }
    if dilation != Pair(1) { parts.append("dilation \(dilation.sizeText)") }
    if groups != 1 { parts.append("groups \(groups)") }
    if !bias { parts.append("no bias") }
    return parts.joined(separator: ", ")
  }

  func plan(for input: TensorShape) throws(LayerShapeError) -> any PlannedLayer {
    guard input.isImage else {
      throw LayerShapeError(
        "conv2d expects an image [channels, height, width], found \(input); set data.shape to lay the features out as images"
      )
    }
    guard input.channels % groups == 0 else {
      throw LayerShapeError(
        "groups \(groups) does not divide the \(input.channels) input channels")
    }
    guard outChannels % groups == 0 else {
      throw LayerShapeError(
        "groups \(groups) does not divide the \(outChannels) output channels")
    }
    // Padding before and in all, per axis.
    let before: Pair
    let total: Pair
    switch padding {
    case .explicit(let p):
      before = p
      total = Pair(2 * p.height, 2 * p.width)
    case .same:
      total = Pair(dilation.height * (kernel.height - 1), dilation.width * (kernel.width - 1))
      before = Pair(total.height / 2, total.width / 2)
    }
    let height = slidingOutputSize(
      input: input.height, kernel: kernel.height, stride: stride.height, padding: total.height,
      dilation: dilation.height)
    let width = slidingOutputSize(
      input: input.width, kernel: kernel.width, stride: stride.width, padding: total.width,
      dilation: dilation.width)
    guard height > 0, width > 0 else {
      let span = Pair(
        dilation.height * (kernel.height - 1) + 1, dilation.width * (kernel.width - 1) + 1)
      throw LayerShapeError(
        "the kernel spans \(span.height) x \(span.width), larger than the padded input \(input.height + total.height) x \(input.width + total.width); use a smaller kernel or dilation, or more padding"
      )
    }
    return Planned(
      inputShape: input,
      outputShape: .image(channels: outChannels, height: height, width: width),
      kernel: kernel, stride: stride, padding: before, dilation: dilation, groups: groups,
      bias: bias)
  }

  /// The passes, as matrix products over unfolded patches (im2col).
  ///
  /// For each example and group the patches are unfolded into `cols`, `K = (C / G) * kh * kw`
  /// rows of one value per output position (`P = Ho * Wo`), kept for the backward pass. The
  /// output is then one product, `Y[O / G, P] = W[O / G, K] cols[K, P]`, written in place in
  /// `[O, Ho, Wo]`. Backward: `dW = sum over examples of dY cols^T`, `dcols = W^T dY`, folded
  /// back onto the input (col2im).
  ///
  /// Examples are split across threads; the weight gradient, which sums over examples, is split
  /// by its rows instead, so that each of its values adds the examples up in order whatever the
  /// number of threads.
  struct Planned: PlannedLayer {
    let inputShape: TensorShape
    let outputShape: TensorShape
    let kernel: Pair
    let stride: Pair
    /// Zeros before the first row and column.
    let padding: Pair
    let dilation: Pair
    let groups: Int
    let bias: Bool

    var groupInputs: Int { inputShape.channels / groups }
    var groupOutputs: Int { outputShape.channels / groups }
    /// Output positions per example.
    var positions: Int { outputShape.height * outputShape.width }
    /// Values of one patch of one group.
    var patch: Int { groupInputs * kernel.height * kernel.width }
    var multiplyAdds: Int { positions * outputShape.channels * patch }

    var parameters: [ParameterSpec] {
      let fanIn = patch
      let fanOut = groupOutputs * kernel.height * kernel.width
      let weight = ParameterSpec(
        name: "weight", shape: [outputShape.channels, groupInputs, kernel.height, kernel.width],
        start: .weight(fanIn: fanIn, fanOut: fanOut))
      guard bias else { return [weight] }
      return [
        weight,
        ParameterSpec(name: "bias", shape: [outputShape.channels], start: .bias(fanIn: fanIn)),
      ]
    }

    /// The patches of every example and group.
    func scratchCount(batch: Int) -> Int { batch * groups * patch * positions }

    /// One product's scratch per thread.
    var productWorkspace: Int {
      max(
        MatrixProduct.workspaceSize(m: groupOutputs, n: positions, k: patch),  // forward
        MatrixProduct.workspaceSize(m: groupOutputs, n: patch, k: positions),  // weight gradient
        MatrixProduct.workspaceSize(m: patch, n: positions, k: groupOutputs))  // patch gradient
    }

    func workspaceCount(batch: Int, threads: Int) -> Int { threads * productWorkspace }

    func forward(_ pass: ForwardPass<Float>) { forwardPass(pass) }
    func forward(_ pass: ForwardPass<Double>) { forwardPass(pass) }
    func backward(_ pass: BackwardPass<Float>) { backwardPass(pass) }
    func backward(_ pass: BackwardPass<Double>) { backwardPass(pass) }

    @inline(__always)
    func forwardPass<T: Scalar>(_ pass: ForwardPass<T>) {
      let (og, k, p) = (groupOutputs, patch, positions)
      let workspace = productWorkspace
      Parallel.forEachPart(count: pass.batch, threads: pass.threads) { part, examples in
        for example in examples {
          for group in 0..<groups {
            let cols = pass.scratch + (example * groups + group) * k * p
            unfold(pass.input + example * inputShape.count, group: group, into: cols)
            let output = pass.output + (example * outputShape.channels + group * og) * p
            if bias {
              let b = pass.parameters + outputShape.channels * k + group * og
              for o in 0..<og { (output + o * p).update(repeating: b[o], count: p) }
            }
            MatrixProduct.multiply(
              pass.parameters + group * og * k, transposed: false, UnsafePointer(cols),
              transposed: false, into: output, m: og, n: p, k: k, accumulate: bias,
              workspace: pass.workspace + part * workspace)
          }
        }
      }
    }

    @inline(__always)
    func backwardPass<T: Scalar>(_ pass: BackwardPass<T>) {
      let (og, k, p) = (groupOutputs, patch, positions)
      let (channels, batch) = (outputShape.channels, pass.batch)
      let workspace = productWorkspace
      // dW[o, :] = sum over examples, in order, of dY[o, :] cols^T: split by rows o.
      for group in 0..<groups {
        Parallel.forEachPart(count: og, threads: pass.threads) { part, rows in
          for example in 0..<batch {
            MatrixProduct.multiply(
              pass.dOutput + (example * channels + group * og + rows.lowerBound) * p,
              transposed: false,
              UnsafePointer(pass.scratch + (example * groups + group) * k * p), transposed: true,
              into: pass.gradients + (group * og + rows.lowerBound) * k, m: rows.count, n: k,
              k: p, accumulate: example > 0, workspace: pass.workspace + part * workspace)
          }
        }
      }
      if bias {
        let dBias = pass.gradients + channels * k
        dBias.update(repeating: 0, count: channels)
        for example in 0..<batch {
          for o in 0..<channels {
            let dRow = pass.dOutput + (example * channels + o) * p
            var sum = dBias[o]
            for i in 0..<p { sum += dRow[i] }
            dBias[o] = sum
          }
        }
      }
      guard let dInput = pass.dInput else { return }
      Parallel.forEachPart(count: batch, threads: pass.threads) { part, examples in
        for example in examples {
          let dIn = dInput + example * inputShape.count
          if !pass.accumulate { dIn.update(repeating: 0, count: inputShape.count) }
          for group in 0..<groups {
            // The patches are not needed again this step: their gradient takes their place.
            let cols = pass.scratch + (example * groups + group) * k * p
            MatrixProduct.multiply(
              pass.parameters + group * og * k, transposed: true,
              pass.dOutput + (example * channels + group * og) * p, transposed: false,
              into: cols, m: k, n: p, k: og, workspace: pass.workspace + part * workspace)
            fold(UnsafePointer(cols), group: group, into: dIn)
          }
        }
      }
    }

    /// The output columns `ox` whose input column `ox * stride - padding + offset` lies inside
    /// the image.
    @inline(__always)
    func inside(offset: Int, stride s: Int, padding: Int, input: Int, output: Int) -> Range<Int> {
      // ox * s + shift in [0, input), shift = offset - padding.
      let shift = offset - padding
      let first = shift >= 0 ? 0 : (-shift + s - 1) / s
      let last = input - 1 - shift < 0 ? -1 : (input - 1 - shift) / s
      let end = min(output, last + 1)
      return first < end ? first..<end : 0..<0
    }

    /// Writes the patches of one example's `group`: row `(channel * kh + i) * kw + j` holds,
    /// for each output position, the input value that kernel tap reads, zero in the padding.
    @inline(__always)
    func unfold<T: Scalar>(_ input: UnsafePointer<T>, group: Int, into cols: UnsafeMutablePointer<T>) {
      let (h, w) = (inputShape.height, inputShape.width)
      let (oh, ow) = (outputShape.height, outputShape.width)
      let (sh, sw) = (stride.height, stride.width)
      var out = cols
      for c in 0..<groupInputs {
        let plane = input + (group * groupInputs + c) * h * w
        for i in 0..<kernel.height {
          let rows = inside(
            offset: i * dilation.height, stride: sh, padding: padding.height, input: h, output: oh)
          for j in 0..<kernel.width {
            let offsetX = j * dilation.width - padding.width
            let columns = inside(
              offset: j * dilation.width, stride: sw, padding: padding.width, input: w, output: ow)
            out.update(repeating: 0, count: rows.lowerBound * ow)
            for oy in rows {
              let source = plane + (oy * sh - padding.height + i * dilation.height) * w + offsetX
              let target = out + oy * ow
              target.update(repeating: 0, count: columns.lowerBound)
              if sw == 1 {
                (target + columns.lowerBound).update(
                  from: source + columns.lowerBound, count: columns.count)
              } else {
                for ox in columns { target[ox] = source[ox * sw] }
              }
              (target + columns.upperBound).update(repeating: 0, count: ow - columns.upperBound)
            }
            (out + rows.upperBound * ow).update(repeating: 0, count: (oh - rows.upperBound) * ow)
            out += oh * ow
          }
        }
      }
    }

    /// Adds each patch gradient back onto the input positions it was read from (the adjoint
    /// of `unfold`), tap after tap in the order `unfold` writes them.
    @inline(__always)
    func fold<T: Scalar>(
      _ cols: UnsafePointer<T>, group: Int, into dInput: UnsafeMutablePointer<T>
    ) {
      let (h, w) = (inputShape.height, inputShape.width)
      let (oh, ow) = (outputShape.height, outputShape.width)
      let (sh, sw) = (stride.height, stride.width)
      var from = cols
      for c in 0..<groupInputs {
        let plane = dInput + (group * groupInputs + c) * h * w
        for i in 0..<kernel.height {
          let rows = inside(
            offset: i * dilation.height, stride: sh, padding: padding.height, input: h, output: oh)
          for j in 0..<kernel.width {
            let offsetX = j * dilation.width - padding.width
            let columns = inside(
              offset: j * dilation.width, stride: sw, padding: padding.width, input: w, output: ow)
            for oy in rows {
              let target = plane + (oy * sh - padding.height + i * dilation.height) * w + offsetX
              let source = from + oy * ow
              if sw == 1 {
                for ox in columns { target[ox] += source[ox] }
              } else {
                for ox in columns { target[ox * sw] += source[ox] }
              }
            }
            from += oh * ow
          }
        }
      }
    }
  }
}

extension Layer {
  /// A 2-D convolution with `outChannels` output channels.
  static func conv2d(
    _ outChannels: Int, kernel: Pair, stride: Pair = Pair(1),
    padding: Conv2d.Padding = .explicit(Pair(0)), dilation: Pair = Pair(1), groups: Int = 1,
    bias: Bool = true
  ) -> Layer {
    Layer(
      Conv2d(
        outChannels: outChannels, kernel: kernel, stride: stride, padding: padding,
        dilation: dilation, groups: groups, bias: bias))
  }
}
