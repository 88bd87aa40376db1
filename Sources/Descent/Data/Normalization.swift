import DescentEngine

/// Feature scaling, fitted on the training part only and applied unchanged to the others, so
/// that nothing about held-out data leaks into training.
public enum Normalization: String, Sendable, Hashable, CaseIterable {
  /// Zero mean and unit standard deviation per feature; constant features are only centred.
  case standard
  /// Each feature mapped onto [0, 1] by the training minimum and maximum.
  case minmax
  case none

  /// The per-feature shift and scale (`x' = (x - shift) / scale`) fitted on `data`.
  ///
  /// The sums run over the rows in order, in double precision, one feature at a time; the data
  /// is read row by row, as it is stored.
  public func fit(_ data: Dataset) -> (shift: [Float], scale: [Float]) {
    let d = data.featureCount
    var shift = [Float](repeating: 0, count: d)
    var scale = [Float](repeating: 1, count: d)
    guard self != .none, data.rows > 0 else { return (shift, scale) }
    var low = [Double](repeating: .infinity, count: d)
    var high = [Double](repeating: -.infinity, count: d)
    var sum = [Double](repeating: 0, count: d)
    var squares = [Double](repeating: 0, count: d)
    data.features.withUnsafeBufferPointer { x in
      for i in 0..<data.rows {
        for j in 0..<d {
          let value = Double(x[i * d + j])
          low[j] = min(low[j], value)
          high[j] = max(high[j], value)
          sum[j] += value
        }
      }
      let mean = sum.map { $0 / Double(data.rows) }
      for i in 0..<data.rows {
        for j in 0..<d {
          let r = Double(x[i * d + j]) - mean[j]
          squares[j] += r * r
        }
      }
      for j in 0..<d {
        let deviation = (squares[j] / Double(data.rows)).squareRoot()
        switch self {
        case .standard:
          shift[j] = Float(mean[j])
          scale[j] = deviation > 0 ? Float(deviation) : 1
        case .minmax:
          shift[j] = Float(low[j])
          scale[j] = high[j] > low[j] ? Float(high[j] - low[j]) : 1
        case .none:
          break
        }
      }
    }
    return (shift, scale)
  }

  /// Fits on the training part of `split` and applies the same scaling to both parts, in
  /// place.
  public func apply(to split: consuming DataSplit) -> DataSplit {
    guard self != .none else { return split }
    let (shift, scale) = fit(split.training)
    split.training.scale(shift: shift, scale: scale)
    split.validation?.scale(shift: shift, scale: scale)
    return split
  }
}

extension Dataset {
  /// Maps every feature to `(x - shift) / scale`, in place.
  public mutating func scale(shift: [Float], scale: [Float]) {
    let d = featureCount
    precondition(shift.count == d && scale.count == d, "one shift and scale per feature")
    features.withUnsafeMutableBufferPointer { x in
      var i = 0
      while i < x.count {
        for j in 0..<d { x[i + j] = (x[i + j] - shift[j]) / scale[j] }
        i += d
      }
    }
  }

  /// The data set with every feature mapped to `(x - shift) / scale`.
  public func scaled(shift: [Float], scale: [Float]) -> Dataset {
    var data = self
    data.scale(shift: shift, scale: scale)
    return data
  }
}
