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
  /// For each group the batch's patches are unfolded into `cols`, one row per output position
  /// (`batch * P` rows of `K = (C / G) * kh * kw`), kept for the backward pass. Then
  /// `Y[batch * P, O / G] = cols * W^T` gives the outputs channel-last, and they are laid out
  /// as `[O, Ho, Wo]` per example. Backward, with `dY` channel-last: `dW = dY^T cols`,
  /// `dcols = dY W`, folded back onto the input (col2im).
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

    /// The patches of every group, then one group's channel-last outputs or their gradient.
    func scratchCount(batch: Int) -> Int {
      batch * positions * (patch * groups + groupOutputs)
    }

    func workspaceCount(batch: Int, threads: Int) -> Int {
      let rows = batch * positions
      return threads
        * max(
          MatrixProduct.workspaceSize(m: rows, n: groupOutputs, k: patch),  // forward
          MatrixProduct.workspaceSize(m: groupOutputs, n: patch, k: rows),  // weight gradient
          MatrixProduct.workspaceSize(m: rows, n: patch, k: groupOutputs))  // patch gradient
    }

    func forward(_ pass: ForwardPass<Float>) { forwardPass(pass) }
    func forward(_ pass: ForwardPass<Double>) { forwardPass(pass) }
    func backward(_ pass: BackwardPass<Float>) { backwardPass(pass) }
    func backward(_ pass: BackwardPass<Double>) { backwardPass(pass) }

    @inline(__always)
    func forwardPass<T: Scalar>(_ pass: ForwardPass<T>) {
      let rows = pass.batch * positions
      let (og, k) = (groupOutputs, patch)
      let channelLast = pass.scratch + rows * k * groups
      for group in 0..<groups {
        let cols = pass.scratch + group * rows * k
        unfold(pass.input, batch: pass.batch, group: group, into: cols)
        let weight = pass.parameters + group * og * k
        if bias {
          let b = pass.parameters + outputShape.channels * k + group * og
          for row in 0..<rows { (channelLast + row * og).update(from: b, count: og) }
        }
        MatrixProduct.multiply(
          UnsafePointer(cols), transposed: false, weight, transposed: true, into: channelLast,
          m: rows, n: og, k: k, accumulate: bias, workspace: pass.workspace,
          threads: pass.threads)
        // [batch, P, O/G] -> the group's channels of [batch, O, P].
        for example in 0..<pass.batch {
          MatrixProduct.transpose(
            channelLast + example * positions * og, rows: positions, columns: og,
            into: pass.output + (example * outputShape.channels + group * og) * positions)
        }
      }
    }

    @inline(__always)
    func backwardPass<T: Scalar>(_ pass: BackwardPass<T>) {
      let rows = pass.batch * positions
      let (og, k) = (groupOutputs, patch)
      let channelLast = pass.scratch + rows * k * groups
      if let dInput = pass.dInput, !pass.accumulate {
        dInput.update(repeating: 0, count: pass.batch * inputShape.count)
      }
      for group in 0..<groups {
        // The group's channels of dL/dY, channel-last: [batch, P, O/G].
        for example in 0..<pass.batch {
          MatrixProduct.transpose(
            pass.dOutput + (example * outputShape.channels + group * og) * positions,
            rows: og, columns: positions, into: channelLast + example * positions * og)
        }
        let cols = pass.scratch + group * rows * k
        MatrixProduct.multiply(
          UnsafePointer(channelLast), transposed: true, UnsafePointer(cols), transposed: false,
          into: pass.gradients + group * og * k, m: og, n: k, k: rows,
          workspace: pass.workspace, threads: pass.threads)
        if bias {
          let dBias = pass.gradients + outputShape.channels * k + group * og
          dBias.update(repeating: 0, count: og)
          for row in 0..<rows {
            let dRow = channelLast + row * og
            for o in 0..<og { dBias[o] += dRow[o] }
          }
        }
        guard let dInput = pass.dInput else { continue }
        // The patches are not needed again this step: their gradient takes their place.
        MatrixProduct.multiply(
          UnsafePointer(channelLast), transposed: false, pass.parameters + group * og * k,
          transposed: false, into: cols, m: rows, n: k, k: og, workspace: pass.workspace,
          threads: pass.threads)
        fold(UnsafePointer(cols), batch: pass.batch, group: group, into: dInput)
      }
    }

    /// Writes the patches of `group` for every output position of the batch: row
    /// `example * P + position`, column `(channel * kh + i) * kw + j`, zero where the patch
    /// reaches into the padding.
    @inline(__always)
    func unfold<T: Scalar>(
      _ input: UnsafePointer<T>, batch: Int, group: Int, into cols: UnsafeMutablePointer<T>
    ) {
      let (h, w) = (inputShape.height, inputShape.width)
      let (kh, kw) = (kernel.height, kernel.width)
      var out = cols
      for example in 0..<batch {
        let planes = input + (example * inputShape.channels + group * groupInputs) * h * w
        for oy in 0..<outputShape.height {
          for ox in 0..<outputShape.width {
            let top = oy * stride.height - padding.height
            let left = ox * stride.width - padding.width
            for c in 0..<groupInputs {
              let plane = planes + c * h * w
              for i in 0..<kh {
                let y = top + i * dilation.height
                if y < 0 || y >= h {
                  out.update(repeating: 0, count: kw)
                } else {
                  let row = plane + y * w
                  for j in 0..<kw {
                    let x = left + j * dilation.width
                    out[j] = x >= 0 && x < w ? row[x] : 0
                  }
                }
                out += kw
              }
            }
          }
        }
      }
    }

    /// Adds each patch gradient back onto the input positions it was read from (the adjoint
    /// of `unfold`).
    @inline(__always)
    func fold<T: Scalar>(
      _ cols: UnsafePointer<T>, batch: Int, group: Int, into dInput: UnsafeMutablePointer<T>
    ) {
      let (h, w) = (inputShape.height, inputShape.width)
      let (kh, kw) = (kernel.height, kernel.width)
      var from = cols
      for example in 0..<batch {
        let planes = dInput + (example * inputShape.channels + group * groupInputs) * h * w
        for oy in 0..<outputShape.height {
          for ox in 0..<outputShape.width {
            let top = oy * stride.height - padding.height
            let left = ox * stride.width - padding.width
            for c in 0..<groupInputs {
              let plane = planes + c * h * w
              for i in 0..<kh {
                let y = top + i * dilation.height
                if y >= 0 && y < h {
                  let row = plane + y * w
                  for j in 0..<kw {
                    let x = left + j * dilation.width
                    if x >= 0 && x < w { row[x] += from[j] }
                  }
                }
                from += kw
              }
            }
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
