/// Where a run's examples come from and how they are prepared.
public struct DataSettings: Sendable, Hashable {
  /// The origin of the examples. Built-in sets for now; files and synthetic sets are further
  /// cases of this enum.
  public enum Source: Sendable, Hashable {
    case builtin(BuiltinDataset)

    /// The number of classes, or `nil` for a regression set.
    public var classCount: Int? {
      switch self {
      case .builtin(let dataset): dataset.classCount
      }
    }

    /// The number of input features.
    public var featureCount: Int {
      switch self {
      case .builtin(let dataset): dataset.featureCount
      }
    }

    /// How an experiment file names the source.
    public var name: String {
      switch self {
      case .builtin(let dataset): dataset.rawValue
      }
    }
  }

  public var source: Source
  /// The fraction of examples held out for validation, in [0, 1).
  public var validation: Double
  /// The feature scaling, fitted on the training part.
  public var normalize: Normalization
  /// The seed of the validation split (and of anything else random about the data). It is the
  /// experiment's base seed unless the file says otherwise, so every run of a sweep, whatever its
  /// own seed, trains and validates on the same examples.
  public var seed: UInt64

  public init(
    source: Source, validation: Double = 0.2, normalize: Normalization = .standard, seed: UInt64 = 0
  ) {
    self.source = source
    self.validation = validation
    self.normalize = normalize
    self.seed = seed
  }
}
