import DescentEngine

extension Loss {
  /// The names experiment files use, in the order messages list them.
  static let names = ["cross_entropy", "bce", "mse", "huber"]

  /// The loss called `name` with PyTorch's defaults: no label smoothing, Huber's delta 1.
  init?(name: String) {
    switch name {
    case "cross_entropy": self = .crossEntropy(labelSmoothing: 0)
    case "bce": self = .binaryCrossEntropy
    case "mse": self = .meanSquaredError
    case "huber": self = .huber(delta: 1)
    default: return nil
    }
  }

  /// The name experiment files use.
  var name: String {
    switch self {
    case .crossEntropy: "cross_entropy"
    case .binaryCrossEntropy: "bce"
    case .meanSquaredError: "mse"
    case .huber: "huber"
    }
  }
}
