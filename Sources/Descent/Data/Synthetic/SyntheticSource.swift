import DescentEngine
import RealModule

/// A synthetic data set as an experiment declares it:
/// `{synthetic: NAME, samples: 1000, classes: K, noise: x, dimension: d}`.
///
/// The examples are drawn from `RandomGenerator(seed: data.seed, stream: .synthetic)`, so the
/// same seed gives the same set on every machine. Class `k` takes every `k`-th example
/// (example `i` is of class `i % classes`), so classes are balanced.
public struct SyntheticSource: Sendable, Hashable {
  /// The number of examples unless the file says otherwise.
  public static let defaultSamples = 1000
  /// The most examples, classes and features a file may ask for: together at most 10^8 values,
  /// 400 MB as `Float`, made before training starts.
  public static let maximumSamples = 1_000_000
  public static let maximumClasses = 1000
  public static let maximumDimension = 100

  public var generator: SyntheticGenerator
  public var samples: Int
  /// The number of classes; 0 for regression.
  public var classes: Int
  /// The standard deviation of the Gaussian noise.
  public var noise: Double
  /// The number of features.
  public var dimension: Int

  /// A set with every setting not given at the generator's default.
  public init(
    _ generator: SyntheticGenerator, samples: Int = defaultSamples, classes: Int? = nil,
    noise: Double? = nil, dimension: Int? = nil
  ) {
    self.generator = generator
    self.samples = samples
    self.classes = classes ?? generator.defaultClasses
    self.noise = noise ?? generator.defaultNoise
    self.dimension = dimension ?? generator.defaultDimension
  }

  public var classNames: [String]? {
    generator.isClassification ? (0..<classes).map(String.init) : nil
  }

  public var shape: DataShape {
    // Example i is of class i % classes.
    DataShape(
      featureCount: dimension, classNames: classNames, rows: samples,
      classSizes: classNames.map { names in
        names.indices.map { samples / names.count + ($0 < samples % names.count ? 1 : 0) }
      })
  }

  /// The examples, in the order they are drawn.
  ///
  /// - spirals: arm `k` of `K` is the points `t (cos a, sin a)`, `a = 2 pi k / K + 4 t`, for
  ///   `t` uniform in [0, 1) (CS231n's spiral data, arms spread evenly).
  /// - moons: the upper half of the unit circle (class 0) and the lower half of the circle
  ///   centred at (1, 0.5) (class 1), angles uniform, as scikit-learn's `make_moons`.
  /// - circles: the unit circle (class 0) and the circle of radius 0.5 (class 1), as
  ///   scikit-learn's `make_circles` with `factor=0.5`.
  /// - xor: points uniform in [-1, 1]^2 whose class is whether the coordinates' signs differ.
  /// - blobs: `K` centres uniform in [-10, 10]^d, drawn first; each point is its class's centre
  ///   plus noise, as scikit-learn's `make_blobs`.
  /// - sine: `x` uniform in [-pi, pi), target `sin x`.
  /// - friedman1: `x` uniform in [0, 1)^d, target `10 sin(pi x1 x2) + 20 (x3 - 0.5)^2 + 10 x4 +
  ///   5 x5` (Friedman, 1991; scikit-learn's `make_friedman1`); the other features are noise.
  ///
  /// Noise is added to every coordinate of a classification set and to the target of a
  /// regression set.
  public func generate(seed: UInt64) -> Dataset {
    var random = RandomGenerator(seed: seed, stream: .synthetic)
    var features: [Float] = []
    var targets: [Float] = []
    features.reserveCapacity(samples * dimension)
    targets.reserveCapacity(samples)
    let centres =
      generator == .blobs ? (0..<classes * dimension).map { _ in random.uniform(-10, 10) } : []
    var point = [Double](repeating: 0, count: dimension)
    for index in 0..<samples {
      let label = generator.isClassification ? index % classes : 0
      var target = Double(label)
      switch generator {
      case .spirals:
        let t = random.uniform()
        let angle = 2 * Double.pi * Double(label) / Double(classes) + 4 * t
        point[0] = t * Double.cos(angle)
        point[1] = t * Double.sin(angle)
      case .moons:
        let angle = random.uniform(0, Double.pi)
        point[0] = label == 0 ? Double.cos(angle) : 1 - Double.cos(angle)
        point[1] = label == 0 ? Double.sin(angle) : 0.5 - Double.sin(angle)
      case .circles:
        let angle = random.uniform(0, 2 * Double.pi)
        let radius = label == 0 ? 1.0 : 0.5
        point[0] = radius * Double.cos(angle)
        point[1] = radius * Double.sin(angle)
      case .xor:
        let x = random.uniform()
        let y = random.uniform()
        let xSign = random.integer(below: 2) == 0 ? 1.0 : -1.0
        point[0] = xSign * x
        point[1] = (label == 0 ? xSign : -xSign) * y
      case .blobs:
        for j in 0..<dimension { point[j] = centres[label * dimension + j] }
      case .sine:
        point[0] = random.uniform(-Double.pi, Double.pi)
        target = Double.sin(point[0])
      case .friedman1:
        for j in 0..<dimension { point[j] = random.uniform() }
        target =
          10 * Double.sin(Double.pi * point[0] * point[1]) + 20 * (point[2] - 0.5)
          * (point[2] - 0.5)
          + 10 * point[3] + 5 * point[4]
      }
      if generator.isClassification {
        for j in 0..<dimension { point[j] += noise * random.normal() }
      } else {
        target += noise * random.normal()
      }
      features += point.map { Float($0) }
      targets.append(Float(target))
    }
    let featureNames =
      dimension == 1 ? ["x"] : (1...dimension).map { "x\($0)" }
    return Dataset(
      features: features, targets: targets, featureCount: dimension, targetWidth: 1,
      featureNames: featureNames, classNames: classNames)
  }
}
