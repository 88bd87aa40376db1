import DescentEngine

/// What the checks of an experiment need to know about its data before training: the width of
/// the inputs and of the targets, the classes, and how many examples there are.
public struct DataShape: Sendable, Hashable {
  public var featureCount: Int
  /// The shape of one example: `[featureCount]`, or `[channels, height, width]` for images.
  public var exampleShape: TensorShape
  /// The names of the classes in index order, or `nil` for regression.
  public var classNames: [String]?
  /// The number of target values per example: 1 (a class index, or one real number).
  public var targetWidth: Int
  /// The examples of the source's training part, before validation is held out.
  public var rows: Int
  /// The examples of each class among them, in class order; `nil` for regression.
  public var classSizes: [Int]?

  public var classCount: Int? { classNames?.count }

  public init(
    featureCount: Int, classNames: [String]?, targetWidth: Int = 1,
    exampleShape: TensorShape? = nil, rows: Int, classSizes: [Int]? = nil
  ) {
    self.featureCount = featureCount
    self.exampleShape = exampleShape ?? .flat(featureCount)
    self.classNames = classNames
    self.targetWidth = targetWidth
    self.rows = rows
    self.classSizes = classSizes
  }

  /// The shape of `data`.
  public init(_ data: Dataset) {
    var sizes = data.classNames.map { Array(repeating: 0, count: $0.count) }
    if sizes != nil {
      for row in 0..<data.rows { sizes![Int(data.targets[row * data.targetWidth])] += 1 }
    }
    self.init(
      featureCount: data.featureCount, classNames: data.classNames, targetWidth: data.targetWidth,
      exampleShape: data.exampleShape, rows: data.rows, classSizes: sizes)
  }

  /// The examples left to train on once a fraction `validation` is held out, as `DataSplit`
  /// holds it out (class by class for classification).
  public func trainingRows(validation: Double) -> Int {
    let groups = classSizes ?? [rows]
    return groups.reduce(0) { $0 + $1 - DataSplit.heldOut(of: $1, fraction: validation) }
  }
}
