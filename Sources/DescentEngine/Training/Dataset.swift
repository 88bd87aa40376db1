/// A table of examples in memory: features and targets as row-major `Float` matrices.
///
/// For classification each target row is one class index; for regression it holds the target
/// values. A data set is read once per experiment and shared, read-only, by all of its runs.
public struct Dataset: Sendable {
  public var features: [Float]
  public var targets: [Float]
  public let featureCount: Int
  public let targetWidth: Int
  /// The shape of one example: `[featureCount]`, or `[channels, height, width]` for images.
  public var exampleShape: TensorShape
  public var featureNames: [String]
  /// The names of the classes in index order, or `nil` for regression.
  public var classNames: [String]?

  public var rows: Int { featureCount == 0 ? 0 : features.count / featureCount }
  public var classCount: Int? { classNames?.count }

  public init(
    features: [Float], targets: [Float], featureCount: Int, targetWidth: Int,
    featureNames: [String], classNames: [String]?, exampleShape: TensorShape? = nil
  ) {
    precondition(features.count % featureCount == 0, "features must fill whole rows")
    precondition(
      targets.count == features.count / featureCount * targetWidth, "one target row per row")
    self.features = features
    self.targets = targets
    self.featureCount = featureCount
    self.exampleShape = exampleShape ?? .flat(featureCount)
    precondition(self.exampleShape.count == featureCount, "the example shape must hold the features")
    self.targetWidth = targetWidth
    self.featureNames = featureNames
    self.classNames = classNames
  }

  /// The examples at `indices`, in that order.
  public func subset(_ indices: [Int]) -> Dataset {
    var features: [Float] = []
    var targets: [Float] = []
    features.reserveCapacity(indices.count * featureCount)
    targets.reserveCapacity(indices.count * targetWidth)
    for i in indices {
      features += self.features[i * featureCount..<(i + 1) * featureCount]
      targets += self.targets[i * targetWidth..<(i + 1) * targetWidth]
    }
    return Dataset(
      features: features, targets: targets, featureCount: featureCount, targetWidth: targetWidth,
      featureNames: featureNames, classNames: classNames, exampleShape: exampleShape)
  }

  /// Keeps the rows for which `keep` is true, in order, moving them up in place.
  public mutating func keepRows(_ keep: (Int) -> Bool) {
    let (d, t) = (featureCount, targetWidth)
    let count = rows
    var kept = 0
    features.withUnsafeMutableBufferPointer { x in
      targets.withUnsafeMutableBufferPointer { y in
        for row in 0..<count where keep(row) {
          if kept != row {
            for j in 0..<d { x[kept * d + j] = x[row * d + j] }
            for j in 0..<t { y[kept * t + j] = y[row * t + j] }
          }
          kept += 1
        }
      }
    }
    features.removeLast((count - kept) * d)
    targets.removeLast((count - kept) * t)
  }

  /// Copies the rows at `indices` into a batch: inputs `count x featureCount`, targets
  /// `count x targetWidth`, converted to `T`.
  @inline(__always)
  package func gather<T: Scalar, C: Collection<Int>>(
    _ indices: C, inputs: UnsafeMutablePointer<T>, targets: UnsafeMutablePointer<T>
  ) {
    let (d, t) = (featureCount, targetWidth)
    features.withUnsafeBufferPointer { x in
      self.targets.withUnsafeBufferPointer { y in
        for (row, i) in indices.enumerated() {
          for j in 0..<d { inputs[row * d + j] = T(x[i * d + j]) }
          for j in 0..<t { targets[row * t + j] = T(y[i * t + j]) }
        }
      }
    }
  }
}
