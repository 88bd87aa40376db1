extension BuiltinDataset {
  /// The number of classes, known without loading the data.
  public var classCount: Int {
    switch self {
    case .digits: 10
    case .iris: 3
    }
  }

  /// The number of input features, known without loading the data.
  public var featureCount: Int {
    switch self {
    case .digits: 64
    case .iris: 4
    }
  }
}
