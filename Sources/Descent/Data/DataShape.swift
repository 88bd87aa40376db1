/// What the checks of an experiment need to know about its data before training: the width of
/// the inputs and of the targets, and the classes.
public struct DataShape: Sendable, Hashable {
  public var featureCount: Int
  /// The shape of one example: `[featureCount]`, or `[channels, height, width]` for images.
  public var exampleShape: TensorShape
  /// The names of the classes in index order, or `nil` for regression.
  public var classNames: [String]?
  /// The number of target values per example: 1 (a class index, or one real number).
  public var targetWidth: Int

  public var classCount: Int? { classNames?.count }

  public init(
    featureCount: Int, classNames: [String]?, targetWidth: Int = 1,
    exampleShape: TensorShape? = nil
  ) {
    self.featureCount = featureCount
    self.exampleShape = exampleShape ?? .flat(featureCount)
    self.classNames = classNames
    self.targetWidth = targetWidth
  }

  /// The shape of `data`.
  public init(_ data: Dataset) {
    self.init(
      featureCount: data.featureCount, classNames: data.classNames, targetWidth: data.targetWidth,
      exampleShape: data.exampleShape)
  }
}
