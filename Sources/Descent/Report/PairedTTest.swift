/// Student's paired t-test on differences `dᵢ = armᵢ − baselineᵢ`, one per seed.
///
/// With `n` pairs, `d̄` their mean and `s_d` their sample standard deviation:
/// standard error `SE = s_d / √n`, statistic `t = d̄ / SE` with `ν = n − 1` degrees of freedom,
/// two-sided p-value `P(|T_ν| ≥ |t|)`, and the confidence interval `d̄ ± t_{1−α/2, ν} · SE`.
/// The same test as `scipy.stats.ttest_rel` and R's `t.test(paired = TRUE)`.
struct PairedTTest: Sendable {
  /// The number of pairs.
  var count: Int
  /// The mean paired difference `d̄`.
  var meanDifference: Double
  /// The sample standard deviation of the differences `s_d` (n − 1 in the denominator).
  var standardDeviation: Double
  var standardError: Double
  var degreesOfFreedom: Int
  /// The confidence level of `interval`, such as 0.95.
  var confidence: Double
  var interval: (low: Double, high: Double)
  /// `t = d̄ / SE`; `nil` when every difference is the same, so that `SE` is 0 and `t` undefined.
  var statistic: Double?
  /// The two-sided p-value; `nil` when `statistic` is.
  var pValue: Double?

  /// Tests `differences`; `nil` with fewer than two, where there is no spread to test against.
  init?(differences: [Double], confidence: Double = 0.95) {
    guard let summary = SampleSummary(differences), let deviation = summary.standardDeviation
    else { return nil }
    count = summary.count
    meanDifference = summary.mean
    standardDeviation = deviation
    standardError = deviation / Double(count).squareRoot()
    degreesOfFreedom = count - 1
    self.confidence = confidence
    let distribution = StudentT(degreesOfFreedom: Double(degreesOfFreedom))
    let margin = distribution.quantile(1 - (1 - confidence) / 2) * standardError
    interval = (meanDifference - margin, meanDifference + margin)
    // Equal differences have no spread; rounding can still leave a tiny nonzero s_d.
    if Set(differences).count > 1 && standardError > 0 {
      let t = meanDifference / standardError
      statistic = t
      pValue = distribution.twoSidedPValue(t)
    } else {
      statistic = nil
      pValue = nil
    }
  }
}
