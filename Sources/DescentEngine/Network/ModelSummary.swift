/// A model described layer by layer, as Keras' `model.summary()` and torchinfo describe one:
/// each layer's output shape, parameters and multiply-adds per example, with totals.
public struct ModelSummary: Sendable, Hashable {
  public struct Row: Sendable, Hashable {
    /// The index of the layer among the model's, which is its module's in the equivalent
    /// `nn.Sequential`; a layer inside a block has its block's.
    public var index: Int
    /// The module's name in the state_dict: `3`, or `3.body.0` for a layer inside a block.
    public var module: String
    /// How many blocks the layer is inside: 0 for the model's own layers.
    public var depth: Int
    /// The layer in a few words: `conv2d 32, 3x3, padding 1`.
    public var layer: String
    public var outputShape: TensorShape
    public var parameters: Int
    /// Multiply-adds of one example's forward pass (the matrix products of dense and
    /// convolutional layers; elementwise work and pooling are not counted).
    public var multiplyAdds: Int
  }

  public var inputShape: TensorShape
  public var rows: [Row]

  /// The totals of the model's own layers (a block's row counts its layers).
  public var parameters: Int { rows.filter { $0.depth == 0 }.reduce(0) { $0 + $1.parameters } }
  public var multiplyAdds: Int {
    rows.filter { $0.depth == 0 }.reduce(0) { $0 + $1.multiplyAdds }
  }

  /// The summary of `spec` for examples shaped `input`: a row per layer, each block's row
  /// followed by the rows of its layers.
  ///
  /// - Throws: `ModelSpec.PlanError` when a layer cannot take its input.
  public init(_ spec: ModelSpec, input: TensorShape) throws(ModelSpec.PlanError) {
    inputShape = input
    var rows: [Row] = []
    func add(_ layer: Layer, _ planned: any PlannedLayer, index: Int, module: String, depth: Int) {
      rows.append(
        Row(
          index: index, module: module, depth: depth, layer: layer.summary,
          outputShape: planned.outputShape, parameters: planned.parameterCount,
          multiplyAdds: planned.multiplyAdds))
      for sublayer in planned.sublayers {
        add(
          sublayer.layer, sublayer.planned, index: index, module: module + "." + sublayer.name,
          depth: depth + 1)
      }
    }
    for (index, planned) in try spec.plan(for: input).enumerated() {
      add(spec.layers[index], planned, index: index, module: "\(index)", depth: 0)
    }
    self.rows = rows
  }
}
