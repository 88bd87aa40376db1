/// A network's architecture: its layers and how their parameters start.
public struct ModelSpec: Sendable, Hashable {
  public var layers: [Layer]
  public var initializer: Initializer

  public init(layers: [Layer], initializer: Initializer = .heNormal) {
    self.layers = layers
    self.initializer = initializer
  }

  /// The most parameters a network may have. Training holds each about four times (weight,
  /// gradient, optimizer state), so this is some 1.6 GB per run, and a width mistyped with a
  /// few zeros too many is refused before anything is allocated.
  public static let maximumParameters = 100_000_000

  /// A layer that cannot take the shape it is given.
  public struct PlanError: Error, Hashable {
    /// The index of the layer in `layers`.
    public var layer: Int
    public var message: String
    /// Where within that layer (a block) the problem lies.
    package var path: [LayerShapeError.Step] = []
  }

  /// Plans every layer in turn for examples shaped `input`.
  ///
  /// - Throws: `PlanError` for the first layer that cannot take the shape before it.
  package func plan(for input: TensorShape) throws(PlanError) -> [any PlannedLayer] {
    var shape = input
    var planned: [any PlannedLayer] = []
    for (index, layer) in layers.enumerated() {
      do throws(LayerShapeError) {
        let next = try layer.kind.plan(for: shape)
        planned.append(next)
        shape = next.outputShape
      } catch {
        throw PlanError(layer: index, message: error.message, path: error.path)
      }
    }
    return planned
  }

  /// The shape of the network's output for examples shaped `input`, or `nil` when a layer
  /// cannot take its input.
  public func outputShape(for input: TensorShape) -> TensorShape? {
    (try? plan(for: input))?.last?.outputShape ?? (layers.isEmpty ? input : nil)
  }

  /// The width of the network's output for flat inputs of width `inputWidth`.
  public func outputWidth(inputWidth: Int) -> Int {
    outputShape(for: .flat(inputWidth))?.count ?? 0
  }

  /// The number of parameters for examples shaped `input`, whatever the kinds of layer, or
  /// `nil` past `Int.max`.
  ///
  /// - Throws: `PlanError` when a layer cannot take its input.
  public func parameterCount(for input: TensorShape) throws(PlanError) -> Int? {
    var count = 0
    for layer in try plan(for: input) {
      for tensor in layer.parameters {
        var size = 1
        for d in tensor.shape {
          let (product, overflow) = size.multipliedReportingOverflow(by: d)
          guard !overflow else { return nil }
          size = product
        }
        let (sum, overflow) = count.addingReportingOverflow(size)
        guard !overflow else { return nil }
        count = sum
      }
    }
    return count
  }

  /// The number of weights and biases for flat inputs of width `inputWidth`.
  public func parameterCount(inputWidth: Int) -> Int? {
    (try? parameterCount(for: .flat(inputWidth))) ?? nil
  }
}
