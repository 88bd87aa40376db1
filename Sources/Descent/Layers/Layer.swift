/// One module of a network, in the order of a PyTorch `nn.Sequential`: a dense layer, an
/// activation and a dropout are each a layer of their own, so that the index of a layer is the
/// index of the same module in PyTorch and weights carry over by name.
public enum Layer: Sendable, Hashable {
  /// A fully connected layer with `units` outputs: `y = x W^T + b`, `W` shaped `[units, in]`.
  case dense(units: Int)
  /// An elementwise nonlinearity.
  case activation(Activation)
  /// Inverted dropout: during training each value is zeroed with probability `rate` and the
  /// others are scaled by `1 / (1 - rate)`; at evaluation it passes values through.
  case dropout(rate: Double)

  /// The width of this layer's output for an input of width `inputWidth`.
  public func outputWidth(inputWidth: Int) -> Int {
    if case .dense(let units) = self { return units }
    return inputWidth
  }

  /// The parameter tensors of this layer, named and shaped as in PyTorch's state_dict.
  func parameterShapes(inputWidth: Int) -> [(name: String, shape: [Int])] {
    guard case .dense(let units) = self else { return [] }
    return [("weight", [units, inputWidth]), ("bias", [units])]
  }
}

/// A network's architecture: its layers and how their parameters start.
public struct ModelSpec: Sendable, Hashable {
  public var layers: [Layer]
  public var initializer: Initializer

  public init(layers: [Layer], initializer: Initializer = .heNormal) {
    self.layers = layers
    self.initializer = initializer
  }

  /// The width of the network's output for inputs of width `inputWidth`.
  public func outputWidth(inputWidth: Int) -> Int {
    layers.reduce(inputWidth) { $1.outputWidth(inputWidth: $0) }
  }

  /// The most parameters a network may have. Training holds each about four times (weight,
  /// gradient, optimizer state), so this is some 1.6 GB per run, and a width mistyped with a
  /// few zeros too many is refused before anything is allocated.
  public static let maximumParameters = 100_000_000

  /// The number of weights and biases for inputs of width `inputWidth`, or `nil` past `Int.max`.
  public func parameterCount(inputWidth: Int) -> Int? {
    var count = 0
    var width = inputWidth
    for case .dense(let units) in layers {
      let (weights, overflow) = width.multipliedReportingOverflow(by: units)
      let (sum, overflowAgain) = count.addingReportingOverflow(weights)
      guard !overflow, !overflowAgain, sum <= Int.max - units else { return nil }
      count = sum + units
      width = units
    }
    return count
  }
}
