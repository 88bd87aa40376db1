/// One layer of a network as an experiment declares it, in the order of a PyTorch
/// `nn.Sequential`: a dense layer, an activation and a dropout are each a layer of their own, so
/// that the index of a layer is the index of the same module in PyTorch and weights carry over
/// by name.
///
/// A layer holds one `LayerKind`, the type that plans and computes it; see `Layers/`.
public struct Layer: Sendable, Hashable, CustomStringConvertible {
  let kind: any LayerKind

  init(_ kind: some LayerKind) {
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
}

/// What planning a layer for an input shape found wrong, said for a user:
/// "expects a flat input, found [32, 7, 7]; add flatten before it".
struct LayerShapeError: Error, Hashable {
  var message: String
  init(_ message: String) { self.message = message }
}

/// A kind of layer: its settings, and how to plan it for an input shape.
///
/// A kind is one type in a file of its own under `Layers/`. Planning checks the input shape and
/// returns a `PlannedLayer`, which owns the passes; the network lays out every plan's
/// parameters, buffers and scratch once, so that a training step allocates nothing.
protocol LayerKind: Sendable, Hashable {
  /// The name files write, `conv2d`.
  var name: String { get }
  /// The entry `config.yaml` writes: every setting, defaults filled in.
  var resolvedEntry: String { get }
  /// The layer in a few words, its settings that differ from the defaults: `conv2d 32, 3x3,
  /// padding 1`.
  var summaryText: String { get }
  /// Whether an entry of this kind takes an `activation:`, the activation layer after it.
  var takesActivation: Bool { get }
  /// The layer for inputs shaped `input`.
  ///
  /// - Throws: `LayerShapeError` when the layer cannot take that shape.
  func plan(for input: TensorShape) throws(LayerShapeError) -> any PlannedLayer
}

extension LayerKind {
  var takesActivation: Bool { false }
  var summaryText: String { resolvedEntry }

  func isEqual(to other: any LayerKind) -> Bool {
    guard let other = other as? Self else { return false }
    return self == other
  }
}

/// How a parameter tensor starts.
enum ParameterStart: Sendable, Hashable {
  /// A weight, drawn by the model's initializer with these fans (`torch.nn.init`'s
  /// `_calculate_fan_in_and_fan_out`).
  case weight(fanIn: Int, fanOut: Int)
  /// A bias: zero, or uniform in `+-1/sqrt(fanIn)` under `torch_default`.
  case bias(fanIn: Int)
  /// Every value the same (a normalization's scale 1 and shift 0).
  case constant(Double)
}

/// One parameter tensor of a planned layer.
struct ParameterSpec: Sendable, Hashable {
  /// The name within the layer, `weight`.
  var name: String
  /// The shape in PyTorch's state_dict.
  var shape: [Int]
  var start: ParameterStart
  /// Blocks of rows the network stores transposed, so that products read the tensor in place;
  /// 0 keeps PyTorch's layout. Seen as a matrix of `shape[0]` rows, the tensor is split into
  /// this many blocks of consecutive rows, each kept transposed: a dense weight `[units, in]` as
  /// `[in, units]` (one block), a convolution's `[out, in/G, kh, kw]` as `G` blocks of
  /// `[in/G * kh * kw, out/G]`.
  var transposedBlocks = 0

  var count: Int { shape.reduce(1, *) }
}

/// Copies a tensor of `shape` from PyTorch's layout into the one of `transposedBlocks` blocks
/// transposed (`ParameterSpec.transposedBlocks`), or back with `toPyTorch`.
func relayout<T>(
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
protocol PlannedLayer: Sendable {
  var inputShape: TensorShape { get }
  var outputShape: TensorShape { get }
  /// The parameter tensors, in state_dict order; they are contiguous in the network's array.
  var parameters: [ParameterSpec] { get }
  /// Scratch values of the layer's own that live from the forward pass to the backward pass
  /// (masks, unfolded patches, the positions of maxima), for a batch of `batch`.
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
  var parameters: [ParameterSpec] { [] }
  func scratchCount(batch: Int) -> Int { 0 }
  func workspaceCount(batch: Int, threads: Int) -> Int { 0 }
  var multiplyAdds: Int { 0 }
  var parameterCount: Int { parameters.reduce(0) { $0 + $1.count } }
}

/// How a forward pass treats dropout.
public enum PassMode: Sendable {
  /// Dropout passes values through.
  case evaluation
  /// Dropout draws a new mask.
  case training
  /// Dropout applies the mask of the previous training pass again (for gradient checks).
  case trainingWithFixedMask
}

/// What a layer's forward pass reads and writes: `batch` examples, row after row.
struct ForwardPass<T: Scalar> {
  var batch: Int
  /// `batch x inputShape.count` values.
  var input: UnsafePointer<T>
  /// `batch x outputShape.count` values, to be overwritten.
  var output: UnsafeMutablePointer<T>
  /// The layer's first parameter; its tensors follow in order.
  var parameters: UnsafePointer<T>
  /// The layer's own scratch (`scratchCount`), kept for the backward pass.
  var scratch: UnsafeMutablePointer<T>
  /// The shared scratch (`workspaceCount`).
  var workspace: UnsafeMutablePointer<T>
  var mode: PassMode
  /// The run's dropout stream.
  var random: UnsafeMutablePointer<RandomGenerator>
  /// Threads the matrix products may use; results do not depend on it.
  var threads: Int
}

/// What a layer's backward pass reads and writes, given `dOutput = dL/d output`.
struct BackwardPass<T: Scalar> {
  var batch: Int
  var input: UnsafePointer<T>
  var output: UnsafePointer<T>
  var dOutput: UnsafePointer<T>
  /// Where `dL/d input` goes, or `nil` when nothing needs it (the first layer). The pass adds
  /// its gradient to what is there when `accumulate` is true, and overwrites it otherwise; so
  /// a block can sum the gradients of two branches.
  var dInput: UnsafeMutablePointer<T>?
  var accumulate: Bool
  var parameters: UnsafePointer<T>
  /// The gradients of the layer's parameters, laid out as they are; overwritten.
  var gradients: UnsafeMutablePointer<T>
  var scratch: UnsafeMutablePointer<T>
  var workspace: UnsafeMutablePointer<T>
  var threads: Int

  /// `dInput[i] (+)= value` for the pass's accumulation rule.
  @inline(__always)
  func store(_ value: T, at i: Int, into dInput: UnsafeMutablePointer<T>) {
    if accumulate { dInput[i] += value } else { dInput[i] = value }
  }
}
