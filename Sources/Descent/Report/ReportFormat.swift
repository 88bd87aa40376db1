import RealModule

/// How numbers read in the report's Markdown and plots: fixed rules on the digits alone, so the
/// same numbers give the same bytes on every platform and locale.
enum ReportFormat {
  /// Four significant digits, such as `0.9617`, `0.01234` or `12.35`; whole numbers from 1000
  /// on (`48213`); an exponent below 0.0001 (`3.142e-7`).
  static func value(_ value: Double) -> String {
    if value.isNaN { return "nan" }
    if value.isInfinite { return value > 0 ? "inf" : "-inf" }
    if value == 0 { return "0" }
    guard let decimals = decimals(for: value) else { return scientific(value, significant: 4) }
    return fixed(value, decimals: decimals)
  }

  /// `mean ± std` with the standard deviation to the mean's decimals (`0.1591 ± 0.0193`), the
  /// mean alone for a single value, `–` for no value.
  static func meanAndDeviation(_ summary: SampleSummary?) -> String {
    guard let summary else { return "–" }
    let parts = meanAndDeviationParts(summary)
    return parts.deviation.map { "\(parts.mean) ± \($0)" } ?? parts.mean
  }

  /// The mean and the standard deviation of `summary` as `meanAndDeviation` writes them.
  static func meanAndDeviationParts(_ summary: SampleSummary) -> (mean: String, deviation: String?)
  {
    guard let deviation = summary.standardDeviation else { return (value(summary.mean), nil) }
    guard summary.mean.isFinite, deviation.isFinite, summary.mean != 0,
      let decimals = decimals(for: summary.mean)
    else { return (value(summary.mean), value(deviation)) }
    return (fixed(summary.mean, decimals: decimals), fixed(deviation, decimals: decimals))
  }

  /// Numbers that are read together, such as a difference and its confidence interval, to the
  /// same decimals: four significant digits of the largest.
  static func aligned(_ values: [Double]) -> [String] {
    let largest = values.filter(\.isFinite).map(abs).max() ?? 0
    guard largest > 0, let decimals = decimals(for: largest) else { return values.map(value) }
    return values.map { $0.isFinite ? fixed($0, decimals: decimals) : value($0) }
  }

  /// The decimals that give a finite, nonzero `value` four significant digits: none from 1000
  /// on, `nil` below 0.0001 where an exponent reads better.
  private static func decimals(for value: Double) -> Int? {
    let magnitude = abs(value)
    if magnitude >= 1000 { return 0 }
    guard magnitude >= 1e-4 else { return nil }
    return max(0, 3 - Int(Double.log10(magnitude).rounded(.down)))
  }

  /// A p-value to two significant digits, `< 0.0001` below that.
  static func pValue(_ p: Double) -> String {
    if p.isNaN { return "nan" }
    if p < 0.0001 { return "< 0.0001" }
    if p >= 0.995 { return "1.0" }
    let exponent = Int(Double.log10(p).rounded(.down))
    return fixed(p, decimals: max(1, 1 - exponent))
  }

  /// A confidence level as a percentage: `95` for 0.95, `99.5` for 0.995.
  static func percent(_ level: Double) -> String {
    let percent = level * 100
    return fixed(percent, decimals: abs(percent - percent.rounded()) < 1e-9 ? 0 : 1)
  }

  /// `value` rounded to `decimals` places, digits computed in integers (no locale, no
  /// platform's printf).
  static func fixed(_ value: Double, decimals: Int) -> String {
    precondition(decimals >= 0 && decimals <= 15, "between 0 and 15 decimals")
    if value.isNaN { return "nan" }
    if value.isInfinite { return value > 0 ? "inf" : "-inf" }
    var unit: UInt64 = 1
    for _ in 0..<decimals { unit *= 10 }
    let scaled = (abs(value) * Double(unit)).rounded()
    guard scaled < 9e15 else { return "\(value)" }
    let digits = UInt64(scaled)
    let sign = value < 0 && digits != 0 ? "-" : ""
    let whole = "\(digits / unit)"
    guard decimals > 0 else { return sign + whole }
    let fraction = "\(digits % unit)"
    return sign + whole + "." + String(repeating: "0", count: decimals - fraction.count) + fraction
  }

  /// `3.142e-7`: `significant` digits and a power of ten.
  static func scientific(_ value: Double, significant: Int) -> String {
    var exponent = Int(Double.log10(abs(value)).rounded(.down))
    var mantissa = value / power(exponent)
    if abs((mantissa * power(significant - 1)).rounded()) >= power(significant) {
      exponent += 1
      mantissa = value / power(exponent)
    }
    return fixed(mantissa, decimals: significant - 1) + "e\(exponent)"
  }

  private static func power(_ exponent: Int) -> Double {
    var result = 1.0
    for _ in 0..<abs(exponent) { result *= 10 }
    return exponent < 0 ? 1 / result : result
  }
}
