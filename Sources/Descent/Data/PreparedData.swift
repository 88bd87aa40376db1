import DescentEngine

/// The data of an experiment as runs consume it: split, normalized, and shared read-only by
/// every run that declares the same data settings.
public struct PreparedData: Sendable {
  public var split: DataSplit
  /// A separate test set, when the source has one; normalized like the training part.
  public var test: Dataset?

  public init(split: DataSplit, test: Dataset? = nil) {
    self.split = split
    self.test = test
  }

  /// Reads the source, holds out the validation part (seeded by the settings' seed) and fits
  /// the normalization on the training part alone.
  ///
  /// The examples are held once: the split moves rows out of the data it reads rather than
  /// copying it, and the scaling is applied in place, so that preparing a data set needs
  /// little more memory than the data set itself.
  ///
  /// - Throws: `Diagnostics` naming the file, line and column of each problem with the data.
  public init(_ settings: DataSettings) throws(Diagnostics) {
    let (training, test) = try settings.source.load(seed: settings.seed)
    var split = DataSplit(
      consume training, validationFraction: settings.validation, seed: settings.seed)
    var scaledTest = consume test
    let normalization = settings.normalize
    if normalization != .none {
      let (shift, scale) = normalization.fit(split.training)
      split.training.scale(shift: shift, scale: scale)
      split.validation?.scale(shift: shift, scale: scale)
      scaledTest?.scale(shift: shift, scale: scale)
    }
    if let shape = settings.shape {
      split.training.exampleShape = shape
      split.validation?.exampleShape = shape
      scaledTest?.exampleShape = shape
    }
    self.split = split
    self.test = scaledTest
  }
}
