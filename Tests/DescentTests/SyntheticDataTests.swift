import Foundation
import Testing

@testable import Descent
@testable import DescentEngine

/// Synthetic sets: deterministic for a seed, of the documented shape, on their curves.
struct SyntheticDataTests {
  @Test(arguments: SyntheticGenerator.allCases)
  func generatorIsDeterministicForASeed(generator: SyntheticGenerator) {
    let source = SyntheticSource(generator, samples: 60)
    let first = source.generate(seed: 7)
    let again = source.generate(seed: 7)
    let other = source.generate(seed: 8)
    #expect(first.features == again.features)
    #expect(first.targets == again.targets)
    #expect(first.features != other.features)
  }

  @Test(arguments: SyntheticGenerator.allCases)
  func generatorHasTheDocumentedShape(generator: SyntheticGenerator) {
    let source = SyntheticSource(generator, samples: 90)
    let data = source.generate(seed: 1)
    let expected: (features: Int, classes: Int?) =
      switch generator {
      case .spirals, .blobs: (2, 3)
      case .moons, .circles, .xor: (2, 2)
      case .sine: (1, nil)
      case .friedman1: (10, nil)
      }
    #expect(data.rows == 90)
    #expect(data.featureCount == expected.features)
    #expect(data.featureNames.count == expected.features)
    #expect(data.targetWidth == 1)
    #expect(data.classCount == expected.classes)
    #expect(DataShape(data) == source.shape)
    #expect(data.features.allSatisfy { $0.isFinite })
    if let classes = expected.classes {
      // Example i is of class i % classes: balanced, every label in range.
      #expect(data.targets == (0..<90).map { Float($0 % classes) })
    }
  }

  @Test func classesAndDimensionAreSettings() {
    let blobs = SyntheticSource(.blobs, samples: 50, classes: 5, dimension: 7).generate(seed: 2)
    #expect(blobs.featureCount == 7)
    #expect(blobs.classNames == ["0", "1", "2", "3", "4"])
    #expect(Set(blobs.targets) == [0, 1, 2, 3, 4])
    let spirals = SyntheticSource(.spirals, samples: 20, classes: 4).generate(seed: 2)
    #expect(spirals.classCount == 4)
    let friedman = SyntheticSource(.friedman1, samples: 20, dimension: 5).generate(seed: 2)
    #expect(friedman.featureCount == 5)
    #expect(friedman.featureNames == ["x1", "x2", "x3", "x4", "x5"])
  }

  /// The rows of `data` as (features, target) in double precision.
  private func rows(_ data: Dataset) -> [(x: [Double], y: Double)] {
    (0..<data.rows).map { i in
      let d = data.featureCount
      return (data.features[i * d..<(i + 1) * d].map(Double.init), Double(data.targets[i]))
    }
  }

  @Test func withoutNoiseTheClassificationSetsLieOnTheirCurves() {
    for (x, y) in rows(SyntheticSource(.circles, samples: 40, noise: 0).generate(seed: 3)) {
      let radius = (x[0] * x[0] + x[1] * x[1]).squareRoot()
      #expect(abs(radius - (y == 0 ? 1 : 0.5)) < 1e-6)
    }
    for (x, y) in rows(SyntheticSource(.moons, samples: 40, noise: 0).generate(seed: 3)) {
      let centre = y == 0 ? (0.0, 0.0) : (1.0, 0.5)
      let radius = ((x[0] - centre.0) * (x[0] - centre.0) + (x[1] - centre.1) * (x[1] - centre.1))
        .squareRoot()
      #expect(abs(radius - 1) < 1e-6)
      #expect(y == 0 ? x[1] >= 0 : x[1] <= 0.5)
    }
    for (x, y) in rows(SyntheticSource(.xor, samples: 40, noise: 0).generate(seed: 3)) {
      #expect(abs(x[0]) <= 1 && abs(x[1]) <= 1)
      #expect((x[0] * x[1] < 0) == (y == 1))
    }
    for (x, _) in rows(SyntheticSource(.spirals, samples: 40, noise: 0).generate(seed: 3)) {
      #expect((x[0] * x[0] + x[1] * x[1]).squareRoot() < 1)
    }
  }

  @Test func blobsClusterAroundOneCentrePerClass() {
    let data = SyntheticSource(.blobs, samples: 300, classes: 3, noise: 0).generate(seed: 4)
    let points = rows(data)
    for k in 0..<3 {
      let members = points.filter { $0.y == Double(k) }.map(\.x)
      #expect(Set(members.map { $0.map { Float($0) } }).count == 1)
      #expect(members[0].allSatisfy { abs($0) <= 10 })
    }
  }

  @Test func withoutNoiseTheRegressionTargetsFollowTheirFormulas() {
    for (x, y) in rows(SyntheticSource(.sine, samples: 40, noise: 0).generate(seed: 5)) {
      #expect(abs(x[0]) <= Double.pi)
      #expect(abs(y - sin(x[0])) < 1e-6)
    }
    for (x, y) in rows(SyntheticSource(.friedman1, samples: 40, noise: 0).generate(seed: 5)) {
      let expected =
        10 * sin(Double.pi * x[0] * x[1]) + 20 * (x[2] - 0.5) * (x[2] - 0.5) + 10 * x[3] + 5 * x[4]
      #expect(abs(y - expected) < 1e-4)
      #expect(x.allSatisfy { $0 >= 0 && $0 < 1 })
    }
  }

  @Test func noiseHasTheGivenStandardDeviation() {
    let clean = SyntheticSource(.sine, samples: 4000, noise: 0).generate(seed: 6)
    let noisy = SyntheticSource(.sine, samples: 4000, noise: 0.5).generate(seed: 6)
    #expect(clean.features == noisy.features)
    let residuals = zip(clean.targets, noisy.targets).map { Double($1 - $0) }
    let deviation = (residuals.map { $0 * $0 }.reduce(0, +) / Double(residuals.count)).squareRoot()
    #expect(abs(deviation - 0.5) < 0.03)
  }
}
