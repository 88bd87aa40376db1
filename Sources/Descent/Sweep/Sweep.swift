/// A sweep section: the axes an experiment varies and how they combine.
///
/// Runs come in this order: the grid's cartesian product (its first key slowest), then within
/// each grid point the zip's positions, then the random samples (the same samples at every grid
/// and zip point), then the seeds innermost, so the seeds of one configuration are adjacent.
struct Sweep: Sendable, Hashable {
  var grid: [SweepAxis] = []
  /// Keys advanced together; every axis has the same number of values.
  var zip: [SweepAxis] = []
  var random: RandomSearch?
  /// The seeds axis: each value gives one run of every configuration (see `runSeed`).
  var seeds: [UInt64] = []
  /// `sweep.max_runs`, when the file sets it.
  var maxRuns: Int?

  /// Where the `sweep` key is written, for a message about the sweep as a whole.
  var location: InputLocation

  /// Every dotted key the sweep sets, in sweep order.
  var keys: [String] {
    grid.map(\.key) + zip.map(\.key) + (random?.space.map(\.key) ?? [])
  }

  /// The number of runs, computed without expanding anything; `nil` past `Int.max`.
  var runCount: Int? {
    var counts = grid.map(\.values.count)
    counts.append(zip.first?.values.count ?? 1)
    counts.append(random?.samples ?? 1)
    counts.append(max(seeds.count, 1))
    var product = 1
    for count in counts {
      let (next, overflow) = product.multipliedReportingOverflow(by: count)
      if overflow { return nil }
      product = next
    }
    return product
  }

  /// The number of runs as a floating-point number, for a message about a sweep too large to
  /// count exactly: `1e+20`.
  var approximateRunCount: Double {
    let counts =
      grid.map(\.values.count) + [
        zip.first?.values.count ?? 1, random?.samples ?? 1, max(seeds.count, 1),
      ]
    return counts.reduce(1.0) { $0 * Double($1) }
  }

  /// The distinct configurations, each as the assignments that make it, in sweep order
  /// (without the seeds axis).
  func configurations() -> [[SweepAssignment]] {
    var points: [[SweepAssignment]] = [[]]
    for axis in grid {
      points = points.flatMap { point in
        axis.values.indices.map { point + [axis.assignment($0)] }
      }
    }
    if let length = zip.first?.values.count {
      points = points.flatMap { point in
        (0..<length).map { position in point + zip.map { $0.assignment(position) } }
      }
    }
    if let random {
      let samples = random.draw()
      points = points.flatMap { point in samples.map { point + $0 } }
    }
    return points
  }

  /// The seed of a run whose seeds-axis value is `value`: `base + value`, wrapping past 2^64.
  ///
  /// It depends on nothing else, not on the run's position in the sweep, so every arm of a
  /// comparison that shares a seeds-axis value starts from the same weights and sees the same
  /// batches in the same order. With `base` 0, the seeds axis lists the runs' seeds themselves.
  static func runSeed(base: UInt64, value: UInt64) -> UInt64 {
    base &+ value
  }
}
