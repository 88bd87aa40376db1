/// `sweep.random`: a number of samples, each drawing every key of a space from its
/// distribution (Bergstra and Bengio, 2012).
struct RandomSearch: Sendable, Hashable {
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

  /// The samples in order, each with one value per dimension in the order of the space.
  ///
  /// Draws come from `RandomGenerator(seed:stream: .sweep)`, dimension by dimension within a
  /// sample, so the same file always gives the same samples.
  func draw() -> [[SweepAssignment]] {
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
}
