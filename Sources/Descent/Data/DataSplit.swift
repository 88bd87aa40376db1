import DescentEngine

/// Training and validation parts of a data set.
public struct DataSplit: Sendable {
  public var training: Dataset
  public var validation: Dataset?

  /// Holds out `fraction` of `data` for validation, drawn with `seed`.
  ///
  /// For classification the split is stratified: each class gives the same fraction (rounded),
  /// so a small validation set still sees every class. Both parts keep the file's row order.
  /// The held-out rows are copied out and the others close up in place, so that a data set
  /// passed in with nothing else holding it is never held twice.
  public init(_ data: consuming Dataset, validationFraction fraction: Double, seed: UInt64) {
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
      held += group.prefix(Self.heldOut(of: group.count, fraction: fraction))
    }
    held.sort()
    validation = data.subset(held)
    var isHeld = [Bool](repeating: false, count: data.rows)
    for row in held { isHeld[row] = true }
    data.keepRows { !isHeld[$0] }
    training = data
  }

  /// The examples held out of a group (a class, or a whole regression set) of `count`.
  public static func heldOut(of count: Int, fraction: Double) -> Int {
    Int((Double(count) * fraction).rounded())
  }

  public init(training: Dataset, validation: Dataset?) {
    self.training = training
    self.validation = validation
  }
}
