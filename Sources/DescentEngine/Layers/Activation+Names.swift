/// Activations by the names and parameters experiment files and PyTorch give them.
extension Activation {
  /// The names experiment files use, in the order messages list them.
  package static let names = [
    "relu", "leaky_relu", "elu", "gelu", "tanh", "sigmoid", "softplus", "identity",
  ]

  /// The activation called `name`, with PyTorch's default parameters.
  package init?(name: String) {
    switch name {
    case "relu": self = .relu
    case "leaky_relu": self = .leakyRelu(slope: 0.01)
    case "elu": self = .elu(alpha: 1)
    case "gelu": self = .gelu
    case "tanh": self = .tanh
    case "sigmoid": self = .sigmoid
    case "softplus": self = .softplus(beta: 1, threshold: 20)
    case "identity": self = .identity
    default: return nil
    }
  }

  /// The name experiment files use.
  package var name: String {
    switch self {
    case .relu: "relu"
    case .leakyRelu: "leaky_relu"
    case .elu: "elu"
    case .gelu: "gelu"
    case .tanh: "tanh"
    case .sigmoid: "sigmoid"
    case .softplus: "softplus"
    case .identity: "identity"
    }
  }

  /// The parameters and their values, in the order files write them.
  package var parameters: [(name: String, value: Double)] {
    switch self {
    case .leakyRelu(let slope): [("slope", slope)]
    case .elu(let alpha): [("alpha", alpha)]
    case .softplus(let beta, let threshold): [("beta", beta), ("threshold", threshold)]
    case .relu, .gelu, .tanh, .sigmoid, .identity: []
    }
  }

  /// This activation with `parameter` set to `value`; unchanged if it has no such parameter.
  package func setting(_ parameter: String, to value: Double) -> Activation {
    switch (self, parameter) {
    case (.leakyRelu, "slope"): .leakyRelu(slope: value)
    case (.elu, "alpha"): .elu(alpha: value)
    case (.softplus(_, let threshold), "beta"): .softplus(beta: value, threshold: threshold)
    case (.softplus(let beta, _), "threshold"): .softplus(beta: beta, threshold: value)
    default: self
    }
  }
}
