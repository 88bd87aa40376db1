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
  public init(_ settings: DataSettings) throws {
    let data: Dataset
    switch settings.source {
    case .builtin(let builtin): data = builtin.load()
    }
    let split = DataSplit(data, validationFraction: settings.validation, seed: settings.seed)
    self.split = settings.normalize.apply(to: split)
    test = nil
  }
}
