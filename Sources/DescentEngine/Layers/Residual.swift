/// A residual block (He et al., 2016), `y = body(x) + shortcut(x)`: the body is a list of layers,
/// and the shortcut is the input itself (`identity`) or a `projection` of it to the body's
/// output shape, a bias-free 1x1 convolution with the body's stride then batch norm (on flat
/// inputs a bias-free dense layer then batch norm), as ResNet's downsampling blocks do.
///
/// In a state_dict, block `N`'s layers are `N.body.I.*` and a projection's `N.shortcut.J.*`, the
/// modules of PyTorch's
///
///     class Residual(nn.Module):
///         def __init__(self, body, shortcut=None):
///             super().__init__()
///             self.body = nn.Sequential(*body)
///             if shortcut is not None:
///                 self.shortcut = nn.Sequential(*shortcut)
///         def forward(self, x):
///             s = self.shortcut(x) if hasattr(self, "shortcut") else x
///             return self.body(x) + s
package struct Residual: LayerKind {
  package enum Shortcut: String, Sendable, Hashable, CaseIterable {
    case identity
    case projection
  }

  /// The deepest blocks may nest, which keeps decoding, planning and the passes, each a
  /// recursion through the blocks, within a thread's stack.
  package static let maximumDepth = 32

  package var body: [Layer]
  package var shortcut = Shortcut.identity

  package init(body: [Layer], shortcut: Shortcut = .identity) {
    self.body = body
    self.shortcut = shortcut
  }

  package var name: String { "residual" }
  package var resolvedEntry: String {
    "{residual: [\(Layer.resolvedEntries(body).joined(separator: ", "))], shortcut: \(shortcut.rawValue)}"
  }
  package var summaryText: String { "residual, \(shortcut.rawValue) shortcut" }

  /// The product of the body's strides, at most `Int.max`.
  package var stride: Pair {
    body.reduce(Pair(1)) {
      Pair(
        saturatingProduct($0.height, $1.kind.stride.height),
        saturatingProduct($0.width, $1.kind.stride.width))
    }
  }

  package func plan(for input: TensorShape) throws(LayerShapeError) -> any PlannedLayer {
    let body = try Self.plan(self.body, for: input, step: LayerShapeError.Step.body)
    let output = body.last?.planned.outputShape ?? input
    var shortcut: [Sublayer] = []
    switch self.shortcut {
    case .identity:
      guard output == input else {
        throw LayerShapeError(
          "an identity shortcut cannot add the input \(input) to the body's output \(output); use shortcut: projection, which maps the input to the body's shape",
          path: [.shortcut])
      }
    case .projection:
      shortcut = try Self.plan(try projection(from: input, to: output), for: input) { _ in
        .shortcut
      }
      let projected = shortcut.last!.planned.outputShape
      guard projected == output else {
        throw LayerShapeError(
          "the projection shortcut (1x1, stride \(stride.sizeText)) turns \(input) into \(projected), but the body gives \(output); pad the body's convolutions to keep the size, as ResNet's do",
          path: [.shortcut])
      }
    }
    return Planned(inputShape: input, outputShape: output, body: body, shortcut: shortcut)
  }

  /// The layers of a projection shortcut from `input` to `output`.
  private func projection(from input: TensorShape, to output: TensorShape) throws(LayerShapeError)
    -> [Layer]
  {
    if input.isImage && output.isImage {
      return [
        Layer(Conv2d(outChannels: output.channels, kernel: Pair(1), stride: stride, bias: false)),
        Layer(BatchNorm()),
      ]
    }
    if input.isFlat && output.isFlat {
      return [.dense(units: output.count, bias: false), Layer(BatchNorm())]
    }
    throw LayerShapeError(
      "a projection shortcut takes an image to an image or a flat input to a flat output, but the body turns \(input) into \(output)",
      path: [.shortcut])
  }

  /// Plans `layers` one after the other, naming them `<step>.<index>`.
  private static func plan(
    _ layers: [Layer], for input: TensorShape, step: (Int) -> LayerShapeError.Step
  ) throws(LayerShapeError) -> [Sublayer] {
    var shape = input
    var planned: [Sublayer] = []
    for (index, layer) in layers.enumerated() {
      let position = step(index)
      do throws(LayerShapeError) {
        let next = try layer.kind.plan(for: shape)
        let branch = if case .shortcut = position { "shortcut" } else { "body" }
        planned.append(
          Sublayer(step: position, name: "\(branch).\(index)", layer: layer, planned: next))
        shape = next.outputShape
      } catch {
        // A projection's own layers are not written in the file: the shortcut is to blame.
        let path = if case .shortcut = position { [position] } else { [position] + error.path }
        throw LayerShapeError(error.message, path: path)
      }
    }
    return planned
  }

  /// The block planned for one input shape.
  ///
  /// Its scratch holds, for each sublayer, body first, then shortcut: the sublayer's output,
  /// its output gradient (but for the last of each branch, whose gradient is the block's own
  /// `dOutput`), and the sublayer's own scratch. The shared workspace is the largest any
  /// sublayer needs, since they run one at a time. Parameters, buffers and counters of the
  /// sublayers follow one another in the same order.
  ///
  /// Backward runs the body, its first layer writing (or adding to) the block's input gradient
  /// as the block was asked to, then the shortcut, which adds to it: the gradient of a sum of
  /// two branches of the same input.
  package struct Planned: PlannedLayer {
    /// A sublayer with the offsets of its tensors in the block's.
    package struct Part: Sendable {
      package var sublayer: Sublayer
      package var parameters: Int
      package var buffers: Int
      package var counters: Int
      /// Whether its output gradient has a place of its own (every layer but a branch's last).
      package var ownsDelta: Bool
      /// Values of one example's output, kept here: a kind may build its output shape anew,
      /// which would allocate during a pass.
      package var outputs: Int

      package var planned: any PlannedLayer { sublayer.planned }

      /// Values of its scratch region for a batch of `batch`.
      package func region(batch: Int) -> Int {
        batch * outputs * (ownsDelta ? 2 : 1) + planned.scratchCount(batch: batch)
      }
    }

    package let inputShape: TensorShape
    package let outputShape: TensorShape
    package let body: [Part]
    package let shortcut: [Part]

    package init(inputShape: TensorShape, outputShape: TensorShape, body: [Sublayer], shortcut: [Sublayer])
    {
      self.inputShape = inputShape
      self.outputShape = outputShape
      var offsets = (parameters: 0, buffers: 0, counters: 0)
      func parts(_ branch: [Sublayer]) -> [Part] {
        branch.enumerated().map { index, sublayer in
          defer {
            offsets.parameters += sublayer.planned.parameterCount
            offsets.buffers += sublayer.planned.bufferValueCount
            offsets.counters += sublayer.planned.counterCount
          }
          return Part(
            sublayer: sublayer, parameters: offsets.parameters, buffers: offsets.buffers,
            counters: offsets.counters, ownsDelta: index < branch.count - 1,
            outputs: sublayer.planned.outputShape.count)
        }
      }
      self.body = parts(body)
      self.shortcut = parts(shortcut)
    }

    package var parts: [Part] { body + shortcut }

    package var parameters: [ParameterSpec] {
      parts.flatMap { part in
        part.planned.parameters.map { spec in
          var spec = spec
          spec.name = part.sublayer.name + "." + spec.name
          return spec
        }
      }
    }

    package var buffers: [BufferSpec] {
      parts.flatMap { part in
        part.planned.buffers.map { spec in
          var spec = spec
          spec.name = part.sublayer.name + "." + spec.name
          return spec
        }
      }
    }

    /// Sublayer after sublayer, each in its own order.
    package var stateDictOrder: [StateEntry] {
      var entries: [StateEntry] = []
      var (parameters, buffers) = (0, 0)
      for part in parts {
        for entry in part.planned.stateDictOrder {
          switch entry {
          case .parameter(let i): entries.append(.parameter(parameters + i))
          case .buffer(let i): entries.append(.buffer(buffers + i))
          }
        }
        parameters += part.planned.parameters.count
        buffers += part.planned.buffers.count
      }
      return entries
    }

    package var sublayers: [Sublayer] { parts.map(\.sublayer) }

    package var multiplyAdds: Int { parts.reduce(0) { $0 + $1.planned.multiplyAdds } }

    // Called during passes by an enclosing block: no array is built.
    package func scratchCount(batch: Int) -> Int {
      body.reduce(0) { $0 + $1.region(batch: batch) }
        + shortcut.reduce(0) { $0 + $1.region(batch: batch) }
    }

    package func workspaceCount(batch: Int, threads: Int) -> Int {
      parts.map { $0.planned.workspaceCount(batch: batch, threads: threads) }.max() ?? 0
    }

    package func forward(_ pass: ForwardPass<Float>) { forwardPass(pass) }
    package func forward(_ pass: ForwardPass<Double>) { forwardPass(pass) }
    package func backward(_ pass: BackwardPass<Float>) { backwardPass(pass) }
    package func backward(_ pass: BackwardPass<Double>) { backwardPass(pass) }

    @inline(__always)
    package func forwardPass<T: Scalar>(_ pass: ForwardPass<T>) {
      var offset = 0
      let bodyOutput = forward(body, pass, offset: &offset)
      let shortcutOutput = shortcut.isEmpty ? pass.input : forward(shortcut, pass, offset: &offset)
      let output = pass.output
      for i in 0..<pass.batch * outputShape.count { output[i] = bodyOutput[i] + shortcutOutput[i] }
    }

    /// Runs one branch on the block's input from `offset` in scratch; returns its output.
    @inline(__always)
    private func forward<T: Scalar>(
      _ branch: [Part], _ pass: ForwardPass<T>, offset: inout Int
    ) -> UnsafePointer<T> {
      let batch = pass.batch
      var input = pass.input
      for part in branch {
        let output = pass.scratch + offset
        part.planned.run(
          ForwardPass(
            batch: batch, input: input, output: output,
            parameters: pass.parameters + part.parameters,
            scratch: output + batch * part.outputs * (part.ownsDelta ? 2 : 1),
            workspace: pass.workspace, mode: pass.mode, random: pass.random,
            threads: pass.threads, buffers: pass.buffers.map { $0 + part.buffers },
            counters: pass.counters.map { $0 + part.counters }))
        input = UnsafePointer(output)
        offset += part.region(batch: batch)
      }
      return input
    }

    @inline(__always)
    package func backwardPass<T: Scalar>(_ pass: BackwardPass<T>) {
      let bodyRegion = body.reduce(0) { $0 + $1.region(batch: pass.batch) }
      backward(body, pass, from: 0, to: bodyRegion, accumulate: pass.accumulate)
      if shortcut.isEmpty {
        guard let dInput = pass.dInput else { return }
        for i in 0..<pass.batch * inputShape.count { dInput[i] += pass.dOutput[i] }
      } else {
        let end = bodyRegion + shortcut.reduce(0) { $0 + $1.region(batch: pass.batch) }
        backward(shortcut, pass, from: bodyRegion, to: end, accumulate: true)
      }
    }

    /// Backpropagates one branch, whose scratch lies in `start..<end`, from the block's
    /// `dOutput` to its input gradient, which the branch's first layer writes or adds to as
    /// `accumulate` says.
    @inline(__always)
    private func backward<T: Scalar>(
      _ branch: [Part], _ pass: BackwardPass<T>, from start: Int, to end: Int, accumulate: Bool
    ) {
      let batch = pass.batch
      var regionEnd = end
      for index in branch.indices.reversed() {
        let part = branch[index]
        let region = regionEnd - part.region(batch: batch)
        let output = pass.scratch + region
        let delta = part.ownsDelta ? UnsafePointer(output + batch * part.outputs) : pass.dOutput
        var input = pass.input
        var dInput = pass.dInput
        if index > 0 {
          let previous = branch[index - 1]
          let previousRegion = region - previous.region(batch: batch)
          input = UnsafePointer(pass.scratch + previousRegion)
          dInput = pass.scratch + previousRegion + batch * previous.outputs
        }
        part.planned.run(
          BackwardPass(
            batch: batch, input: input, output: UnsafePointer(output), dOutput: delta,
            dInput: dInput, accumulate: index == 0 ? accumulate : false,
            parameters: pass.parameters + part.parameters,
            gradients: pass.gradients + part.parameters,
            scratch: output + batch * part.outputs * (part.ownsDelta ? 2 : 1),
            workspace: pass.workspace, threads: pass.threads))
        regionEnd = region
      }
      precondition(regionEnd == start, "a branch's scratch regions must fill its span")
    }
  }
}

// The strides of the pooling kinds, which a projection shortcut follows. (A convolution's is a
// setting of its own.)
extension MaxPool2d {
  package var stride: Pair { window.stride }
}

extension AvgPool2d {
  package var stride: Pair { window.stride }
}

extension Layer {
  /// A residual block of `body` with an identity or projection shortcut.
  package static func residual(_ body: [Layer], shortcut: Residual.Shortcut = .identity) -> Layer {
    Layer(Residual(body: body, shortcut: shortcut))
  }
}
