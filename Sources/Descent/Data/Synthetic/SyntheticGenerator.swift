/// The synthetic data sets Descent generates, for experiments that need a known problem of a
/// chosen size and difficulty.
///
/// | name | task | features | classes | noise (default) |
/// | --- | --- | --- | --- | --- |
/// | spirals | classification | 2 | `classes`, 3 | on each coordinate, 0.1 |
/// | moons | classification | 2 | 2 | on each coordinate, 0.1 |
/// | circles | classification | 2 | 2 | on each coordinate, 0.1 |
/// | xor | classification | 2 | 2 | on each coordinate, 0.1 |
/// | blobs | classification | `dimension`, 2 | `classes`, 3 | cluster standard deviation, 1.0 |
/// | sine | regression | 1 | - | on the target, 0.1 |
/// | friedman1 | regression | `dimension` >= 5, 10 | - | on the target, 1.0 |
///
/// Noise is Gaussian with the given standard deviation. `SyntheticSource.generate(seed:)`
/// describes each set.
public enum SyntheticGenerator: String, Sendable, Hashable, CaseIterable {
  case spirals
  case moons
  case circles
  case xor
  case blobs
  case sine
  case friedman1

  public var isClassification: Bool {
    switch self {
    case .spirals, .moons, .circles, .xor, .blobs: true
    case .sine, .friedman1: false
    }
  }

  /// Whether the number of classes is a setting (`classes`); the other classification sets
  /// have two.
  public var takesClasses: Bool { self == .spirals || self == .blobs }

  /// Whether the number of features is a setting (`dimension`).
  public var takesDimension: Bool { self == .blobs || self == .friedman1 }

  /// The number of classes unless the file says otherwise; 0 for regression.
  public var defaultClasses: Int {
    switch self {
    case .spirals, .blobs: 3
    case .moons, .circles, .xor: 2
    case .sine, .friedman1: 0
    }
  }

  /// The number of features unless the file says otherwise.
  public var defaultDimension: Int {
    switch self {
    case .spirals, .moons, .circles, .xor, .blobs: 2
    case .sine: 1
    case .friedman1: 10
    }
  }

  /// The fewest features the set can have.
  public var minimumDimension: Int { self == .friedman1 ? 5 : 1 }

  /// The standard deviation of the noise unless the file says otherwise.
  public var defaultNoise: Double {
    switch self {
    case .spirals, .moons, .circles, .xor, .sine: 0.1
    case .blobs, .friedman1: 1.0
    }
  }
}
