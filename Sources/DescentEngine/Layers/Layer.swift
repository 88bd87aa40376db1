/// One layer of a network as an experiment declares it, in the order of a PyTorch
/// `nn.Sequential`: a dense layer, an activation and a dropout are each a layer of their own, so
/// that the index of a layer is the index of the same module in PyTorch and weights carry over
/// by name.
///
/// A layer holds one `LayerKind`, the type that plans and computes it; see `Layers/`.
public struct Layer: Sendable, Hashable, CustomStringConvertible {
  package let kind: any LayerKind

  package init(_ kind: some LayerKind) {
    self.kind = kind
  }

  public static func == (a: Layer, b: Layer) -> Bool { a.kind.isEqual(to: b.kind) }

  public func hash(into hasher: inout Hasher) { kind.hash(into: &hasher) }

  /// The layer as `config.yaml` writes it, `{conv2d: 32, kernel: [3, 3], ...}`.
  public var description: String { kind.resolvedEntry }

  /// The layer in a few words, for the model summary: `conv2d 32, 3x3, padding 1`.
  public var summary: String { kind.summaryText }

  /// The name of the kind, as files write it: `dense`, `conv2d`, `relu`.
  public var name: String { kind.name }

  /// The entries `config.yaml` writes for `layers`, flow mappings one per entry: a dense or
  /// convolutional layer takes the activation that follows it, `{dense: 64, activation: relu}`.
  package static func resolvedEntries(_ layers: [Layer]) -> [String] {
    var entries: [String] = []
    var index = 0
    while index < layers.count {
      let kind = layers[index].kind
      if kind.takesActivation, index + 1 < layers.count,
        let activation = layers[index + 1].kind as? Activation
      {
        entries.append(
          String(kind.resolvedEntry.dropLast()) + ", activation: \(activation.resolvedText)}")
        index += 2
      } else {
        entries.append(kind.resolvedEntry)
        index += 1
      }
    }
    return entries
  }
}

/// What planning a layer for an input shape found wrong, said for a user:
/// "expects a flat input, found [32, 7, 7]; add flatten before it".
package struct LayerShapeError: Error, Hashable {
  /// Where within a block the problem lies: the body's layer `i`, or the shortcut.
  package enum Step: Sendable, Hashable {
    case body(Int)
    case shortcut
  }

  package var message: String
  /// The way from the layer that threw down to the sublayer at fault; empty for the layer
  /// itself.
  package var path: [Step] = []

  package init(_ message: String, path: [Step] = []) {
    self.message = message
    self.path = path
  }
}

/// A kind of layer: its settings, and how to plan it for an input shape.
///
/// A kind is one type in a file of its own under `Layers/`. Planning checks the input shape and
/// returns a `PlannedLayer`, which owns the passes; the network lays out every plan's
/// parameters, buffers and scratch once, so that a training step allocates nothing.
package protocol LayerKind: Sendable, Hashable {
  /// The name files write, `conv2d`.
  var name: String { get }
  /// The entry `config.yaml` writes: every setting, defaults filled in.
  var resolvedEntry: String { get }
  /// The layer in a few words, its settings that differ from the defaults: `conv2d 32, 3x3,
  /// padding 1`.
  var summaryText: String { get }
  /// Whether an entry of this kind takes an `activation:`, the activation layer after it.
  var takesActivation: Bool { get }
  /// How far the layer moves over an image per axis: a convolution's or a pooling window's
  /// stride, a block's product over its body; 1 for every other layer. A projection shortcut
  /// strides by its body's.
  var stride: Pair { get }
  /// The layer for inputs shaped `input`.
  ///
  /// - Throws: `LayerShapeError` when the layer cannot take that shape.
  func plan(for input: TensorShape) throws(LayerShapeError) -> any PlannedLayer
}

extension LayerKind {
  package var takesActivation: Bool { false }
  package var stride: Pair { Pair(1) }
  package var summaryText: String { resolvedEntry }

  package func isEqual(to other: any LayerKind) -> Bool {
    guard let other = other as? Self else { return false }
    return self == other
  }
}

/// How a parameter tensor starts.
package enum ParameterStart: Sendable, Hashable {
  /// A weight, drawn by the model's initializer with these fans (`torch.nn.init`'s
  /// `_calculate_fan_in_and_fan_out`).
  case weight(fanIn: Int, fanOut: Int)
  /// A bias: zero, or uniform in `+-1/sqrt(fanIn)` under `torch_default`.
  case bias(fanIn: Int)
  /// Every value the same (a normalization's scale 1 and shift 0).
  case constant(Double)
}

/// One tensor of a layer's state that is not trained: a running statistic, or a counter.
///
/// Buffers have no gradient; optimizers, weight decay, clipping and the gradient norm never see
/// them. They are saved and loaded with the weights, under PyTorch's names.
package struct BufferSpec: Sendable, Hashable {
  /// The name within the layer, `running_mean`.
  package var name: String
  /// The shape in PyTorch's state_dict; `[]` for a scalar.
  package var shape: [Int]
  /// The value every entry starts at.
  package var start: Double
  /// Whether it is an int64 counter (`num_batches_tracked`), kept exactly in the network's
  /// counters rather than among its floating-point buffers.
  package var isCounter = false

  package var count: Int { shape.reduce(1, *) }
}

/// One entry of a layer's state_dict: its parameter or its buffer of that index.
package enum StateEntry: Sendable, Hashable {
  case parameter(Int)
  case buffer(Int)
}

/// One parameter tensor of a planned layer.
package struct ParameterSpec: Sendable, Hashable {
  /// The name within the layer, `weight`.
  package var name: String
  /// The shape in PyTorch's state_dict.
  package var shape: [Int]
  package var start: ParameterStart
  /// Blocks of rows the network stores transposed, so that products read the tensor in place;
  /// 0 keeps PyTorch's layout. Seen as a matrix of `shape[0]` rows, the tensor is split into
  /// this many blocks of consecutive rows, each kept transposed: a dense weight `[units, in]` as
  /// `[in, units]` (one block), a convolution's `[out, in/G, kh, kw]` as `G` blocks of
  /// `[in/G * kh * kw, out/G]`.
  package var transposedBlocks = 0

  package var count: Int { shape.reduce(1, *) }
}

/// Copies a tensor of `shape` from PyTorch's layout into the one of `transposedBlocks` blocks
/// transposed (`ParameterSpec.transposedBlocks`), or back with `toPyTorch`.
package func relayout<T>(
  _ source: UnsafePointer<T>, into destination: UnsafeMutablePointer<T>, shape: [Int],
  transposedBlocks blocks: Int, toPyTorch: Bool = false
) {
  let count = shape.reduce(1, *)
  guard blocks > 0 else {
    destination.update(from: source, count: count)
    return
  }
  // In PyTorch's layout each block is [rows, columns]; stored, [columns, rows].
  let (rows, columns) = (shape[0] / blocks, count / shape[0])
  for b in 0..<blocks {
    let offset = b * rows * columns
    MatrixProduct.transpose(
      source + offset, rows: toPyTorch ? columns : rows, columns: toPyTorch ? rows : columns,
      into: destination + offset)
  }
}

/// A layer planned for one input shape: its output shape, its tensors and scratch, and its
/// forward and backward passes side by side.
///
/// Each pass exists in `Float`, which trains, and `Double`, in which the gradient check runs the
/// same code; a kind writes its passes once, generic over `Scalar`, and forwards both to them.
package protocol PlannedLayer: Sendable {
  var inputShape: TensorShape { get }
  var outputShape: TensorShape { get }
  /// The parameter tensors, in state_dict order; they are contiguous in the network's array.
  var parameters: [ParameterSpec] { get }
  /// The buffers, in state_dict order: the values contiguous in the network's buffers, the
  /// counters in its counters.
  var buffers: [BufferSpec] { get }
  /// The order of the layer's tensors in PyTorch's state_dict: each module's parameters, then
  /// its buffers, module after module. By default all parameters, then all buffers.
  var stateDictOrder: [StateEntry] { get }
  /// The layers inside this one (a block's body and shortcut), with their names relative to
  /// it (`body.0`), for the model summary; empty for a single module.
  var sublayers: [Sublayer] { get }
  /// Values per channel that one example gives a statistic computed over the batch in
  /// training (batch norm: height x width), or `nil` for a layer without one.
  var valuesPerChannel: Int? { get }
  /// Scratch values of the layer's own that live from the forward pass to the backward pass
  /// (masks, unfolded patches, the positions of maxima), for a batch of `batch`: a number per
  /// example plus a fixed number, which `MemoryPlan` takes from batches of one and two.
  func scratchCount(batch: Int) -> Int
  /// Scratch values a pass needs only while it runs, shared by all layers (the matrix
  /// product's packed panels), for a batch of `batch` run on `threads` threads.
  func workspaceCount(batch: Int, threads: Int) -> Int
  /// Multiply-adds per example of the forward pass, for the model summary.
  var multiplyAdds: Int { get }

  func forward(_ pass: ForwardPass<Float>)
  func forward(_ pass: ForwardPass<Double>)
  func backward(_ pass: BackwardPass<Float>)
  func backward(_ pass: BackwardPass<Double>)
}

extension PlannedLayer {
  package var parameters: [ParameterSpec] { [] }
  package var buffers: [BufferSpec] { [] }
  package var stateDictOrder: [StateEntry] {
    parameters.indices.map(StateEntry.parameter) + buffers.indices.map(StateEntry.buffer)
  }
  package var sublayers: [Sublayer] { [] }
  package var valuesPerChannel: Int? { nil }
  package func scratchCount(batch: Int) -> Int { 0 }
  package func workspaceCount(batch: Int, threads: Int) -> Int { 0 }
  package var multiplyAdds: Int { 0 }
  package var parameterCount: Int { parameters.reduce(0) { $0 + $1.count } }
  /// The values of the floating-point buffers, counters excluded.
  package var bufferValueCount: Int { buffers.filter { !$0.isCounter }.reduce(0) { $0 + $1.count } }
  package var counterCount: Int { buffers.filter(\.isCounter).reduce(0) { $0 + $1.count } }
}

/// A layer inside another (a block's body or shortcut), for the model summary and the checks
/// that look at every layer.
package struct Sublayer: Sendable {
  /// Where it is in its block.
  package var step: LayerShapeError.Step
  /// Its name within the block, `body.0`: its tensors are `<block>.body.0.weight`.
  package var name: String
  package var layer: Layer
  package var planned: any PlannedLayer
}

/// How a forward pass treats dropout and batch statistics.
public enum PassMode: Sendable {
  /// Dropout passes values through; batch norm normalizes with its running statistics.
  case evaluation
  /// Dropout draws a new mask; batch norm normalizes with the batch's statistics and updates
  /// its running statistics.
  case training
  /// Dropout applies the mask of the previous training pass again, and batch norm uses the
  /// batch's statistics without updating its running ones: the function of the parameters
  /// that a gradient check differentiates.
  case trainingWithFixedMask
}

/// What a layer's forward pass reads and writes: `batch` examples, row after row.
package struct ForwardPass<T: Scalar> {
  package var batch: Int
  /// `batch x inputShape.count` values.
  package var input: UnsafePointer<T>
  /// `batch x outputShape.count` values, to be overwritten.
  package var output: UnsafeMutablePointer<T>
  /// The layer's first parameter; its tensors follow in order.
  package var parameters: UnsafePointer<T>
  /// The layer's own scratch (`scratchCount`), kept for the backward pass.
  package var scratch: UnsafeMutablePointer<T>
  /// The shared scratch (`workspaceCount`).
  package var workspace: UnsafeMutablePointer<T>
  package var mode: PassMode
  /// The run's dropout stream.
  package var random: UnsafeMutablePointer<RandomGenerator>
  /// Threads the matrix products may use; results do not depend on it.
  package var threads: Int
  /// The layer's first buffer value, its others following in order (training updates them);
  /// `nil` when the network has no buffers.
  package var buffers: UnsafeMutablePointer<T>? = nil
  /// The layer's first counter; `nil` when the network has none.
  package var counters: UnsafeMutablePointer<Int64>? = nil
}

/// What a layer's backward pass reads and writes, given `dOutput = dL/d output`.
package struct BackwardPass<T: Scalar> {
  package var batch: Int
  package var input: UnsafePointer<T>
  package var output: UnsafePointer<T>
  package var dOutput: UnsafePointer<T>
  /// Where `dL/d input` goes, or `nil` when nothing needs it (the first layer). The pass adds
  /// its gradient to what is there when `accumulate` is true, and overwrites it otherwise; so
  /// a block can sum the gradients of two branches.
  package var dInput: UnsafeMutablePointer<T>?
  package var accumulate: Bool
  package var parameters: UnsafePointer<T>
  /// The gradients of the layer's parameters, laid out as they are; overwritten.
  package var gradients: UnsafeMutablePointer<T>
  package var scratch: UnsafeMutablePointer<T>
  package var workspace: UnsafeMutablePointer<T>
  package var threads: Int

  /// `dInput[i] (+)= value` for the pass's accumulation rule.
  @inline(__always)
  package func store(_ value: T, at i: Int, into dInput: UnsafeMutablePointer<T>) {
    if accumulate { dInput[i] += value } else { dInput[i] = value }
  }
}
