/// Feature scaling, fitted on the training part only and applied unchanged to the others, so
/// that nothing about held-out data leaks into training.
public enum Normalization: String, Sendable, Hashable, CaseIterable {
  /// Zero mean and unit standard deviation per feature; constant features are only centred.
  case standard
  /// Each feature mapped onto [0, 1] by the training minimum and maximum.
  case minmax
  case none

  /// The per-feature shift and scale (`x' = (x - shift) / scale`) fitted on `data`.
  public func fit(_ data: Dataset) -> (shift: [Float], scale: [Float]) {
    let d = data.featureCount
    var shift = [Float](repeating: 0, count: d)
    var scale = [Float](repeating: 1, count: d)
    guard self != .none, data.rows > 0 else { return (shift, scale) }
    for j in 0..<d {
      var low = Double.infinity
      var high = -Double.infinity
      var sum = 0.0
      for i in 0..<data.rows {
        let x = Double(data.features[i * d + j])
        low = min(low, x)
        high = max(high, x)
        sum += x
      }
      let mean = sum / Double(data.rows)
      var squares = 0.0
      for i in 0..<data.rows {
        let r = Double(data.features[i * d + j]) - mean
        squares += r * r
      }
      let deviation = (squares / Double(data.rows)).squareRoot()
      switch self {
      case .standard:
        shift[j] = Float(mean)
        scale[j] = deviation > 0 ? Float(deviation) : 1
      case .minmax:
        shift[j] = Float(low)
        scale[j] = high > low ? Float(high - low) : 1
      case .none:
        break
      }
    }
    return (shift, scale)
  }

  /// Fits on the training part of `split` and applies the same scaling to both parts.
  public func apply(to split: DataSplit) -> DataSplit {
    let (shift, scale) = fit(split.training)
    return DataSplit(
      training: split.training.scaled(shift: shift, scale: scale),
      validation: split.validation?.scaled(shift: shift, scale: scale))
  }
}

extension Dataset {
  /// The data set with every feature mapped to `(x - shift) / scale`.
  public func scaled(shift: [Float], scale: [Float]) -> Dataset {
    var data = self
    let d = featureCount
    for i in data.features.indices {
      data.features[i] = (data.features[i] - shift[i % d]) / scale[i % d]
    }
    return data
  }
}
