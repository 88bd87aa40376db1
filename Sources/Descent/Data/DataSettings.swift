import DescentEngine

/// Where a run's examples come from and how they are prepared.
public struct DataSettings: Sendable, Hashable {
  /// The origin of the examples.
  public typealias Source = DataSource

  public var source: Source
  /// The fraction of examples held out for validation, in [0, 1).
  public var validation: Double
  /// The feature scaling, fitted on the training part.
  public var normalize: Normalization
  /// The seed of the validation split and of synthetic sets. It is the experiment's base seed
  /// unless the file says otherwise, so every run of a sweep, whatever its own seed, trains and
  /// validates on the same examples.
  public var seed: UInt64
  /// `data.shape`: the shape each example is laid out as (`[1, 8, 8]` makes the digits
  /// images), or `nil` for the source's own (IDX images are `[1, rows, columns]`, every
  /// other source flat).
  public var shape: TensorShape?

  /// Settings with `normalize` at the source's default (`none` for IDX, else `standard`)
  /// unless given.
  public init(
    source: Source, validation: Double = 0.2, normalize: Normalization? = nil, seed: UInt64 = 0,
    shape: TensorShape? = nil
  ) {
    self.shape = shape
    self.source = source
    self.validation = validation
    self.normalize = normalize ?? source.defaultNormalization
    self.seed = seed
  }
}
