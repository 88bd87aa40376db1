/// A 2-D convolution, `torch.nn.Conv2d`: a cross-correlation of `[C, H, W]` inputs with
/// `outChannels` kernels of `[C / groups, kh, kw]`, plus a bias per output channel.
///
/// Padding is `padding` zeros on each side, or `same`: `dilation * (kernel - 1)` in all, the
/// smaller half before, so the output keeps the input's size (stride 1 only).
package struct Conv2d: LayerKind {
  package enum Padding: Sendable, Hashable {
    case explicit(Pair)
    case same

    package var resolvedText: String {
      switch self {
      case .explicit(let pair): pair.resolvedText
      case .same: "same"
      }
    }
  }

  package var outChannels: Int
  package var kernel: Pair
  package var stride = Pair(1)
  package var padding = Padding.explicit(Pair(0))
  package var dilation = Pair(1)
  package var groups = 1
  package var bias = true

  package init(
    outChannels: Int, kernel: Pair, stride: Pair = Pair(1), padding: Padding = .explicit(Pair(0)),
    dilation: Pair = Pair(1), groups: Int = 1, bias: Bool = true
  ) {
    self.outChannels = outChannels
    self.kernel = kernel
    self.stride = stride
    self.padding = padding
    self.dilation = dilation
    self.groups = groups
    self.bias = bias
  }

  /// The most values one example's output may hold: 2^31, 8 GB of `Float` per example. Only a
  /// convolution's padding grows an example's values this far; the limit keeps the counts of
  /// the layer's plan (its unfolded patches, of at most `ModelSpec.maximumParameters` values
  /// per position) within `Int` for the batches a machine's memory can hold.
  package static let maximumOutputValues = 1 << 31

  package var name: String { "conv2d" }
  package var takesActivation: Bool { true }
  package var resolvedEntry: String {
    "{conv2d: \(outChannels), kernel: \(kernel.resolvedText), stride: \(stride.resolvedText), "
      + "padding: \(padding.resolvedText), dilation: \(dilation.resolvedText), groups: \(groups), "
      + "bias: \(bias)}"
  }

  package var summaryText: String {
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

  package func plan(for input: TensorShape) throws(LayerShapeError) -> any PlannedLayer {
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
      total = Pair(saturatingProduct(2, p.height), saturatingProduct(2, p.width))
    case .same:
      total = Pair(
        slidingSpan(kernel: kernel.height, dilation: dilation.height) - 1,
        slidingSpan(kernel: kernel.width, dilation: dilation.width) - 1)
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
        slidingSpan(kernel: kernel.height, dilation: dilation.height),
        slidingSpan(kernel: kernel.width, dilation: dilation.width))
      let padded = Pair(
        saturatingSum(input.height, total.height), saturatingSum(input.width, total.width))
      throw LayerShapeError(
        "the kernel spans \(span.height) x \(span.width), larger than the padded input \(padded.height) x \(padded.width); use a smaller kernel or dilation, or more padding"
      )
    }
    let weights = saturatingProduct(
      saturatingProduct(outChannels, input.channels / groups),
      saturatingProduct(kernel.height, kernel.width))
    guard weights < Int.max else {
      throw LayerShapeError(
        "the weight [\(outChannels), \(input.channels / groups), \(kernel.height), \(kernel.width)] holds more values than an integer counts; use a smaller kernel or fewer channels"
      )
    }
    let values = saturatingProduct(saturatingProduct(outChannels, height), width)
    guard values <= Self.maximumOutputValues else {
      throw LayerShapeError(
        "the output [\(outChannels), \(height), \(width)] would hold more than \(Self.maximumOutputValues) values per example; use less padding or a larger stride"
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
  /// rows of one value per output position (`P = Ho * Wo`), in a buffer of the thread's own
  /// that stays in its cache while the products read it; the backward pass unfolds them again
  /// rather than keeping a batch of them in memory. The
  /// weight is stored as `G` blocks of `Wt = W^T`, `[K, O / G]` each (PyTorch's is
  /// `[O, C / G, kh, kw]`), so that every product reads its operands in place but one small
  /// panel. The output is one product, `Y[O / G, P] = Wt^T cols`, written in place in
  /// `[O, Ho, Wo]`. Backward: `dWt = sum over examples of cols dY^T`, `dcols = Wt dY`, folded
  /// back onto the input (col2im).
  ///
  /// Examples are split across threads; the weight gradient, which sums over examples, is split
  /// by its rows instead, so that each of its values adds the examples up in order whatever the
  /// number of threads.
  package struct Planned: PlannedLayer {
    package let inputShape: TensorShape
    package let outputShape: TensorShape
    package let kernel: Pair
    package let stride: Pair
    /// Zeros before the first row and column.
    package let padding: Pair
    package let dilation: Pair
    package let groups: Int
    package let bias: Bool

    package var groupInputs: Int { inputShape.channels / groups }
    package var groupOutputs: Int { outputShape.channels / groups }
    /// Output positions per example.
    package var positions: Int { outputShape.height * outputShape.width }
    /// Values of one patch of one group.
    package var patch: Int { groupInputs * kernel.height * kernel.width }
    package var multiplyAdds: Int { positions * outputShape.channels * patch }

    package var parameters: [ParameterSpec] {
      let fanIn = patch
      let fanOut = groupOutputs * kernel.height * kernel.width
      let weight = ParameterSpec(
        name: "weight", shape: [outputShape.channels, groupInputs, kernel.height, kernel.width],
        start: .weight(fanIn: fanIn, fanOut: fanOut), transposedBlocks: groups)
      guard bias else { return [weight] }
      return [
        weight,
        ParameterSpec(name: "bias", shape: [outputShape.channels], start: .bias(fanIn: fanIn)),
      ]
    }

    package func scratchCount(batch: Int) -> Int { 0 }

    /// One product's scratch per thread.
    package var productWorkspace: Int {
      max(
        MatrixProduct.workspaceSize(m: groupOutputs, n: positions, k: patch),  // forward
        MatrixProduct.workspaceSize(m: patch, n: groupOutputs, k: positions),  // weight gradient
        MatrixProduct.workspaceSize(m: groupOutputs, n: patch, k: positions),  // the same, W
        MatrixProduct.workspaceSize(m: patch, n: positions, k: groupOutputs))  // patch gradient
    }

    /// Whether the weight gradient is computed as `dW = dY cols^T`, `[O / G, K]`, and then
    /// transposed into place, rather than as `dWt` directly: when a group has more output
    /// channels than patch values (a first layer on one channel), so that its rows, which
    /// split across threads, are the longer side. Each value sums the same products in the
    /// same order either way.
    package var weightGradientByChannel: Bool { groupOutputs > patch }

    /// Each thread's product scratch and patches, then the transposed weight gradient.
    package func workspaceCount(batch: Int, threads: Int) -> Int {
      threads * (productWorkspace + patch * positions)
        + (weightGradientByChannel ? groupOutputs * patch : 0)
    }

    /// The patches buffer of thread `part`.
    @inline(__always)
    package func cols<T>(_ workspace: UnsafeMutablePointer<T>, part: Int, threads: Int)
      -> UnsafeMutablePointer<T>
    {
      workspace + threads * productWorkspace + part * patch * positions
    }

    package func forward(_ pass: ForwardPass<Float>) { forwardPass(pass) }
    package func forward(_ pass: ForwardPass<Double>) { forwardPass(pass) }
    package func backward(_ pass: BackwardPass<Float>) { backwardPass(pass) }
    package func backward(_ pass: BackwardPass<Double>) { backwardPass(pass) }

    @inline(__always)
    package func forwardPass<T: Scalar>(_ pass: ForwardPass<T>) {
      let (og, k, p) = (groupOutputs, patch, positions)
      let workspace = productWorkspace
      Parallel.forEachPart(count: pass.batch, threads: pass.threads) { part, examples in
        let cols = self.cols(pass.workspace, part: part, threads: pass.threads)
        for example in examples {
          for group in 0..<groups {
            unfold(pass.input + example * inputShape.count, group: group, into: cols)
            let output = pass.output + (example * outputShape.channels + group * og) * p
            if bias {
              let b = pass.parameters + outputShape.channels * k + group * og
              for o in 0..<og { (output + o * p).update(repeating: b[o], count: p) }
            }
            MatrixProduct.multiply(
              pass.parameters + group * k * og, transposed: true, UnsafePointer(cols),
              transposed: false, into: output, m: og, n: p, k: k, accumulate: bias,
              workspace: pass.workspace + part * workspace)
          }
        }
      }
    }

    @inline(__always)
    package func backwardPass<T: Scalar>(_ pass: BackwardPass<T>) {
      let (og, k, p) = (groupOutputs, patch, positions)
      let (channels, batch) = (outputShape.channels, pass.batch)
      let workspace = productWorkspace
      for group in 0..<groups {
        let dWt = pass.gradients + group * k * og
        @inline(__always) func input(_ example: Int) -> UnsafePointer<T> {
          pass.input + example * inputShape.count
        }
        @inline(__always) func dY(_ example: Int) -> UnsafePointer<T> {
          pass.dOutput + (example * channels + group * og) * p
        }
        if weightGradientByChannel {
          // dW[o, :] = sum over examples, in order, of dY[o, :] cols^T: split by rows o.
          let dW = pass.workspace + pass.threads * (workspace + k * p)
          Parallel.forEachPart(count: og, threads: pass.threads) { part, rows in
            let cols = self.cols(pass.workspace, part: part, threads: pass.threads)
            for example in 0..<batch {
              unfold(input(example), group: group, into: cols)
              MatrixProduct.multiply(
                dY(example) + rows.lowerBound * p, transposed: false, UnsafePointer(cols),
                transposed: true, into: dW + rows.lowerBound * k, m: rows.count, n: k, k: p,
                accumulate: example > 0, workspace: pass.workspace + part * workspace)
            }
          }
          MatrixProduct.transpose(dW, rows: og, columns: k, into: dWt)
          continue
        }
        // dWt[q, :] = sum over examples, in order, of cols[q, :] dY^T: split by rows q, each
        // thread unfolding only its rows.
        Parallel.forEachPart(count: k, threads: pass.threads) { part, rows in
          let cols = self.cols(pass.workspace, part: part, threads: pass.threads)
          for example in 0..<batch {
            unfold(input(example), group: group, taps: rows, into: cols)
            MatrixProduct.multiply(
              UnsafePointer(cols), transposed: false, dY(example),
              transposed: true, into: dWt + rows.lowerBound * og, m: rows.count, n: og, k: p,
              accumulate: example > 0, workspace: pass.workspace + part * workspace)
          }
        }
      }
      if bias {
        // Channels split across threads; each adds its examples up in order.
        let dBias = pass.gradients + channels * k
        Parallel.forEachPart(count: channels, threads: pass.threads) { _, range in
          for o in range {
            var total = T.zero
            for example in 0..<batch {
              total += sum(pass.dOutput + (example * channels + o) * p, count: p)
            }
            dBias[o] = total
          }
        }
      }
      guard let dInput = pass.dInput else { return }
      Parallel.forEachPart(count: batch, threads: pass.threads) { part, examples in
        let cols = self.cols(pass.workspace, part: part, threads: pass.threads)
        for example in examples {
          let dIn = dInput + example * inputShape.count
          if !pass.accumulate { dIn.update(repeating: 0, count: inputShape.count) }
          for group in 0..<groups {
            MatrixProduct.multiply(
              pass.parameters + group * k * og, transposed: false,
              pass.dOutput + (example * channels + group * og) * p, transposed: false,
              into: cols, m: k, n: p, k: og, workspace: pass.workspace + part * workspace)
            fold(cols, group: group, into: dIn)
          }
        }
      }
    }

    /// The output columns `ox` whose input column `ox * stride - padding + offset` lies inside
    /// the image.
    @inline(__always)
    package func inside(offset: Int, stride s: Int, padding: Int, input: Int, output: Int) -> Range<Int> {
      // ox * s + shift in [0, input), shift = offset - padding.
      let shift = offset - padding
      let first = shift >= 0 ? 0 : (-shift + s - 1) / s
      let last = input - 1 - shift < 0 ? -1 : (input - 1 - shift) / s
      let end = min(output, last + 1)
      return first < end ? first..<end : 0..<0
    }

    /// Calls `body` for each kernel tap of one group in the order of the patch rows, with where
    /// the tap reads: the index of its input plane, the output rows and columns whose input
    /// lies inside the image, and `shift`, so that output `(oy, ox)` reads the plane's value
    /// `(oy * sh) * w + ox * sw + shift`.
    @inline(__always)
    package func forEachTap(
      group: Int, _ body: (_ tap: Int, _ plane: Int, _ rows: Range<Int>, _ columns: Range<Int>, _ shift: Int) -> Void
    ) {
      let (h, w) = (inputShape.height, inputShape.width)
      let (oh, ow) = (outputShape.height, outputShape.width)
      var tap = 0
      for c in 0..<groupInputs {
        let plane = (group * groupInputs + c) * h * w
        for i in 0..<kernel.height {
          let y = i * dilation.height
          let rows = inside(offset: y, stride: stride.height, padding: padding.height, input: h, output: oh)
          for j in 0..<kernel.width {
            let x = j * dilation.width
            let columns = inside(
              offset: x, stride: stride.width, padding: padding.width, input: w, output: ow)
            body(tap, plane, rows, columns, (y - padding.height) * w + x - padding.width)
            tap += 1
          }
        }
      }
    }

    /// Whether a tap's values are one run of its plane: with stride 1 and an output as wide as
    /// the input, output `(oy, ox)` reads `oy * w + ox + shift`, so that the values inside the
    /// image from the first to the last are read in one copy, and only the columns that fall
    /// in the padding need zeros.
    package var tapsAreRuns: Bool {
      stride == Pair(1) && outputShape.width == inputShape.width
    }

    /// The run of a tap's output positions from the first inside the image to the last.
    @inline(__always)
    package func run(_ rows: Range<Int>, _ columns: Range<Int>) -> Range<Int> {
      let ow = outputShape.width
      return rows.lowerBound * ow + columns.lowerBound..<(rows.upperBound - 1) * ow + columns.upperBound
    }

    /// Sets the values of the columns outside `columns`, on the rows of `rows`, to zero.
    @inline(__always)
    package func zeroPadding<T: Scalar>(_ row: UnsafeMutablePointer<T>, _ rows: Range<Int>, _ columns: Range<Int>) {
      let ow = outputShape.width
      // Down each column, so that the short stores do not become calls to memset.
      for ox in 0..<columns.lowerBound { for oy in rows { row[oy * ow + ox] = 0 } }
      for ox in columns.upperBound..<ow { for oy in rows { row[oy * ow + ox] = 0 } }
    }

    /// Writes the patches of one example's `group`: row `(channel * kh + i) * kw + j` holds,
    /// for each output position, the input value that kernel tap reads, zero in the padding.
    /// With `taps`, only those rows, written from the top of `cols`.
    @inline(__always)
    package func unfold<T: Scalar>(
      _ input: UnsafePointer<T>, group: Int, taps: Range<Int>? = nil,
      into cols: UnsafeMutablePointer<T>
    ) {
      let (ow, p, sw, w) = (outputShape.width, positions, stride.width, inputShape.width)
      let runs = tapsAreRuns
      let taps = taps ?? 0..<patch
      forEachTap(group: group) { tap, plane, rows, columns, shift in
        guard taps.contains(tap) else { return }
        let out = cols + (tap - taps.lowerBound) * p
        let source = input + plane + shift
        guard !rows.isEmpty && !columns.isEmpty else {
          out.update(repeating: 0, count: p)
          return
        }
        if runs {
          let run = run(rows, columns)
          out.update(repeating: 0, count: run.lowerBound)
          (out + run.lowerBound).update(from: source + run.lowerBound, count: run.count)
          (out + run.upperBound).update(repeating: 0, count: p - run.upperBound)
          zeroPadding(out, rows, columns)
          return
        }
        out.update(repeating: 0, count: rows.lowerBound * ow)
        for oy in rows {
          let from = source + oy * stride.height * w
          let target = out + oy * ow
          for ox in 0..<columns.lowerBound { target[ox] = 0 }
          for ox in columns { target[ox] = from[ox * sw] }
          for ox in columns.upperBound..<ow { target[ox] = 0 }
        }
        (out + rows.upperBound * ow).update(repeating: 0, count: p - rows.upperBound * ow)
      }
    }

    /// Adds each patch gradient back onto the input positions it was read from (the adjoint
    /// of `unfold`), tap after tap in the order `unfold` writes them. The patch gradients of
    /// positions in the padding are set to zero on the way.
    @inline(__always)
    package func fold<T: Scalar>(
      _ cols: UnsafeMutablePointer<T>, group: Int, into dInput: UnsafeMutablePointer<T>
    ) {
      let (ow, p, sw, w) = (outputShape.width, positions, stride.width, inputShape.width)
      let runs = tapsAreRuns
      forEachTap(group: group) { tap, plane, rows, columns, shift in
        guard !rows.isEmpty && !columns.isEmpty else { return }
        let from = cols + tap * p
        let target = dInput + plane + shift
        if runs {
          // Zeros where the run crosses the padding, so that the run adds in one loop.
          zeroPadding(from, rows, columns)
          for i in run(rows, columns) { target[i] += from[i] }
          return
        }
        for oy in rows {
          let row = target + oy * stride.height * w
          let source = from + oy * ow
          for ox in columns { row[ox * sw] += source[ox] }
        }
      }
    }
  }
}

extension Layer {
  /// A 2-D convolution with `outChannels` output channels.
  package static func conv2d(
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
