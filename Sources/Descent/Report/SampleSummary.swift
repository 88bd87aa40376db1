/// The count, mean and sample standard deviation of a few measurements, such as one metric of
/// the seeds of one configuration.
struct SampleSummary: Sendable, Equatable {
  /// How many values were summarized.
  var count: Int
  /// The arithmetic mean, `x̄ = Σ xᵢ / n`.
  var mean: Double
  /// The sample standard deviation, `s = √(Σ (xᵢ − x̄)² / (n − 1))` (Bessel's correction, as
  /// `numpy.std(ddof=1)` and `pandas.Series.std`); `nil` for a single value, where it is not
  /// defined.
  var standardDeviation: Double?

  /// Summarizes `values`; `nil` when there are none.
  init?(_ values: [Double]) {
    guard !values.isEmpty else { return nil }
    count = values.count
    mean = values.reduce(0, +) / Double(values.count)
    if values.count > 1 {
      let mean = self.mean
      let squares = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) }
      standardDeviation = (squares / Double(values.count - 1)).squareRoot()
    } else {
      standardDeviation = nil
    }
  }
}
