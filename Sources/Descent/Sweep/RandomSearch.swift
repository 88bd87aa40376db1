import DescentEngine

/// `sweep.random`: a number of samples, each drawing every key of a space from its
/// distribution (Bergstra and Bengio, 2012), or taking it from the Halton sequence, a
/// quasi-random one that covers the space more evenly than independent draws (Bergstra and
/// Bengio, section 6).
struct RandomSearch: Sendable, Hashable {
  /// `sequence:`: how samples are drawn.
  enum Sequence: String, Sendable, Hashable, CaseIterable {
    /// Independent pseudo-random draws from `seed`.
    case random
    /// The Halton sequence: sample `i` (from 1) takes in dimension `d` the radical inverse of
    /// `i` in the `d`-th prime base. It has no seed.
    case halton
  }

  /// The most dimensions a Halton space may have: one prime base each.
  static let haltonBases = [2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47, 53, 59, 61, 67, 71]

  struct Dimension: Sendable, Hashable {
    var key: String
    var keyLocation: InputLocation
    var distribution: Distribution
    /// Where the distribution is written: messages about a drawn value point here.
    var location: InputLocation
  }

  var samples: Int
  /// The seed of the draws: `sweep.random.seed`, else the experiment's base seed.
  var seed: UInt64
  var space: [Dimension]
  var sequence: Sequence = .random

  /// The samples in order, each with one value per dimension in the order of the space.
  ///
  /// Draws come from `RandomGenerator(seed:stream: .sweep)`, dimension by dimension within a
  /// sample, so the same file always gives the same samples.
  func draw() -> [[SweepAssignment]] {
    if sequence == .halton {
      return (1...samples).map { index in
        space.enumerated().map { dimension, entry in
          let fraction = Self.radicalInverse(index, base: Self.haltonBases[dimension])
          let (value, position) = entry.distribution.value(at: fraction, location: entry.location)
          return SweepAssignment(
            key: entry.key, keyLocation: entry.keyLocation, value: value, position: position)
        }
      }
    }
    var random = RandomGenerator(seed: seed, stream: .sweep)
    return (0..<samples).map { _ in
      space.map { dimension in
        let (value, position) = dimension.distribution.sample(&random, at: dimension.location)
        return SweepAssignment(
          key: dimension.key, keyLocation: dimension.keyLocation, value: value,
          position: position)
      }
    }
  }

  /// `index` written in `base` with its digits mirrored after the point: 1, 2, 3 in base 2 are
  /// 0.5, 0.25, 0.75.
  static func radicalInverse(_ index: Int, base: Int) -> Double {
    var (rest, scale, value) = (index, 1.0 / Double(base), 0.0)
    while rest > 0 {
      value += scale * Double(rest % base)
      rest /= base
      scale /= Double(base)
    }
    return value
  }
}
