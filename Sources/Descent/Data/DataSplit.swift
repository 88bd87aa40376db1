/// Training and validation parts of a data set.
public struct DataSplit: Sendable {
  public var training: Dataset
  public var validation: Dataset?

  /// Holds out `fraction` of `data` for validation, drawn with `seed`.
  ///
  /// For classification the split is stratified: each class gives the same fraction (rounded),
  /// so a small validation set still sees every class. Both parts keep the file's row order.
  public init(_ data: Dataset, validationFraction fraction: Double, seed: UInt64) {
    guard fraction > 0 else {
      training = data
      validation = nil
      return
    }
    var random = RandomGenerator(seed: seed, stream: .split)
    var groups: [[Int]]
    if let classes = data.classCount {
      groups = Array(repeating: [], count: classes)
      for row in 0..<data.rows { groups[Int(data.targets[row])].append(row) }
    } else {
      groups = [Array(0..<data.rows)]
    }
    var held: [Int] = []
    for var group in groups {
      random.shuffle(&group)
      let count = Int((Double(group.count) * fraction).rounded())
      held += group.prefix(count)
    }
    let heldSet = Set(held)
    training = data.subset((0..<data.rows).filter { !heldSet.contains($0) })
    validation = data.subset(held.sorted())
  }

  public init(training: Dataset, validation: Dataset?) {
    self.training = training
    self.validation = validation
  }
}
