/// A model described layer by layer, as Keras' `model.summary()` and torchinfo describe one:
/// each layer's output shape, parameters and multiply-adds per example, with totals.
public struct ModelSummary: Sendable, Hashable {
  public struct Row: Sendable, Hashable {
    /// The layer's index, which is its module's in the equivalent `nn.Sequential`.
    public var index: Int
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

  public var parameters: Int { rows.reduce(0) { $0 + $1.parameters } }
  public var multiplyAdds: Int { rows.reduce(0) { $0 + $1.multiplyAdds } }

  /// The summary of `spec` for examples shaped `input`.
  ///
  /// - Throws: `ModelSpec.PlanError` when a layer cannot take its input.
  public init(_ spec: ModelSpec, input: TensorShape) throws(ModelSpec.PlanError) {
    inputShape = input
    rows = try spec.plan(for: input).enumerated().map { index, layer in
      Row(
        index: index, layer: spec.layers[index].summary, outputShape: layer.outputShape,
        parameters: layer.parameterCount, multiplyAdds: layer.multiplyAdds)
    }
  }
}
