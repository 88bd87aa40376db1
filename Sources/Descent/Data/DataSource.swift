import DescentEngine

/// Where the examples of an experiment come from: a data set built into Descent, a CSV file,
/// IDX files (the MNIST format), or a seeded synthetic set.
public enum DataSource: Sendable, Hashable {
  case builtin(BuiltinDataset)
  case csv(CSVSource)
  case idx(IDXSource)
  case synthetic(SyntheticSource)

  /// How messages name the source: `iris`, `data/wine.csv`, the training images' file, or
  /// `spirals`.
  public var name: String {
    switch self {
    case .builtin(let dataset): dataset.rawValue
    case .csv(let source): source.file.displayPath
    case .idx(let source): source.training.images.displayPath
    case .synthetic(let source): source.generator.rawValue
    }
  }

  /// The scaling `data.normalize` applies unless the file says otherwise: `none` for IDX, whose
  /// pixels are scaled to [0, 1] as they are read, `standard` for every other source.
  public var defaultNormalization: Normalization {
    if case .idx = self { return .none }
    return .standard
  }

  /// The width of inputs and targets, the classes and the examples, read from the data with as
  /// little work as it allows: nothing for synthetic sets, the embedded text of built-in ones,
  /// the labels and image headers of IDX files, the whole of a CSV file (whose classes need
  /// every row).
  ///
  /// - Throws: `Diagnostics` naming the file, line and column of each problem found.
  public func inspect() throws(Diagnostics) -> DataShape {
    switch self {
    case .builtin(let dataset):
      return DataShape(dataset.load())
    case .csv(let source):
      return DataShape(try CSVDatasetReader(source).read().training)
    case .idx(let source):
      return try IDXDatasetReader(source).inspect()
    case .synthetic(let source):
      return source.shape
    }
  }

  /// Reads the examples, and the separate test set when the source has one.
  ///
  /// - Parameter seed: the seed of a synthetic set (`data.seed`).
  /// - Throws: `Diagnostics` naming the file, line and column of each problem found.
  public func load(seed: UInt64) throws(Diagnostics) -> (training: Dataset, test: Dataset?) {
    switch self {
    case .builtin(let dataset): return (dataset.load(), nil)
    case .csv(let source): return try CSVDatasetReader(source).read()
    case .idx(let source): return try IDXDatasetReader(source).read()
    case .synthetic(let source): return (source.generate(seed: seed), nil)
    }
  }
}
