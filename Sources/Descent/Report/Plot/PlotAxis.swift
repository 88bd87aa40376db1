import RealModule

/// One axis of a chart: the range of data values it shows, linear or logarithmic, and its ticks.
struct PlotAxis {
  enum Scale {
    case linear
    case logarithmic
  }

  struct Tick {
    var value: Double
    /// Empty for a minor tick, drawn without a label or grid line.
    var label: String
  }

  var scale: Scale
  /// The values at the two ends of the axis.
  var low: Double
  var high: Double
  var ticks: [Tick]

  /// Where `value` falls between the ends, 0 at `low` and 1 at `high`; `nil` for a value a
  /// logarithmic axis cannot show (zero or negative) or a value that is not finite.
  func fraction(_ value: Double) -> Double? {
    guard value.isFinite else { return nil }
    switch scale {
    case .linear:
      return high > low ? (value - low) / (high - low) : 0.5
    case .logarithmic:
      guard value > 0 else { return nil }
      let span = Double.log10(high) - Double.log10(low)
      return span > 0 ? (Double.log10(value) - Double.log10(low)) / span : 0.5
    }
  }

  /// A logarithmic axis when every value is positive and the largest is more than ten times the
  /// smallest (the values span more than a decade), a linear one otherwise.
  static func automatic(covering values: [Double]) -> PlotAxis {
    let finite = values.filter(\.isFinite)
    if let low = finite.min(), let high = finite.max(), low > 0, high / low > 10 {
      return logarithmic(covering: finite)
    }
    return linear(covering: finite)
  }

  /// A linear axis from a round number below the values to one above, ticks every 1, 2 or 5
  /// times a power of ten, about five of them; whole-number steps only when `integers`.
  static func linear(covering values: [Double], integers: Bool = false) -> PlotAxis {
    let finite = values.filter(\.isFinite)
    var low = finite.min() ?? 0
    var high = finite.max() ?? 1
    if low == high {
      let margin = low == 0 ? 1 : abs(low) * 0.1
      low -= margin
      high += margin
    }
    var step = niceStep((high - low) / 5)
    if integers && step.value < 1 { step = (1, 1, 0) }
    let unit = step.value
    let first = (low / unit).rounded(.down)
    let last = (high / unit).rounded(.up)
    let decimals = max(0, -step.exponent)
    var ticks: [Tick] = []
    var k = first
    while k <= last {
      let value = k * unit
      ticks.append(Tick(value: value, label: ReportFormat.fixed(value, decimals: decimals)))
      k += 1
    }
    return PlotAxis(scale: .linear, low: first * unit, high: last * unit, ticks: ticks)
  }

  /// A logarithmic axis a little wider than the values, ticks at powers of ten, and at 2 and 5
  /// times them when the values span fewer than three decades; unlabelled minor ticks at the
  /// other multiples.
  static func logarithmic(covering values: [Double]) -> PlotAxis {
    let positive = values.filter { $0 > 0 && $0.isFinite }
    let lowest = Double.log10(positive.min() ?? 0.1)
    let highest = Double.log10(positive.max() ?? 10)
    let pad = max(highest - lowest, 0.5) * 0.04
    let low = Double.exp10(lowest - pad)
    let high = Double.exp10(highest + pad)
    let labelled: Set<Int> = highest - lowest < 3 ? [1, 2, 5] : [1]
    var ticks: [Tick] = []
    let firstDecade = Int((lowest - pad).rounded(.down))
    let lastDecade = Int((highest + pad).rounded(.up))
    for exponent in firstDecade...lastDecade {
      for mantissa in 1...9 {
        let value = Double(mantissa) * power(exponent)
        guard value >= low && value <= high else { continue }
        let label = labelled.contains(mantissa) ? powerLabel(mantissa, exponent) : ""
        ticks.append(Tick(value: value, label: label))
      }
    }
    return PlotAxis(scale: .logarithmic, low: low, high: high, ticks: ticks)
  }

  /// An axis with a tick at each of `values`, labelled as given, such as the values of a swept
  /// setting; logarithmic when asked, with the ends a little beyond the outer values.
  static func marked(_ values: [(value: Double, label: String)], logarithmic: Bool) -> PlotAxis {
    let numbers = values.map(\.value)
    let ticks = values.map { Tick(value: $0.value, label: $0.label) }
    let lowest = numbers.min() ?? 0
    let highest = numbers.max() ?? 1
    if logarithmic && lowest > 0 {
      let span = max(Double.log10(highest) - Double.log10(lowest), 0.5)
      return PlotAxis(
        scale: .logarithmic, low: Double.exp10(Double.log10(lowest) - span * 0.08),
        high: Double.exp10(Double.log10(highest) + span * 0.08), ticks: ticks)
    }
    let span = highest > lowest ? highest - lowest : max(abs(lowest), 1)
    return PlotAxis(
      scale: .linear, low: lowest - span * 0.08, high: highest + span * 0.08, ticks: ticks)
  }

  /// The step of a linear axis: `mantissa × 10^exponent` with the mantissa 1, 2 or 5, the
  /// smallest such at least `raw`.
  private static func niceStep(_ raw: Double) -> (value: Double, mantissa: Int, exponent: Int) {
    var exponent = Int(Double.log10(raw).rounded(.down))
    let scaled = raw / power(exponent)
    var mantissa: Int
    switch scaled {
    case ...1: mantissa = 1
    case ...2: mantissa = 2
    case ...5: mantissa = 5
    default:
      mantissa = 1
      exponent += 1
    }
    return (Double(mantissa) * power(exponent), mantissa, exponent)
  }

  /// `10^exponent`, multiplied out so that it is the same double everywhere.
  static func power(_ exponent: Int) -> Double {
    var result = 1.0
    for _ in 0..<abs(exponent) { result *= 10 }
    return exponent < 0 ? 1 / result : result
  }

  /// `0.02`, `500`, or `2e-6` far from 1.
  private static func powerLabel(_ mantissa: Int, _ exponent: Int) -> String {
    if exponent < -4 || exponent > 5 { return "\(mantissa)e\(exponent)" }
    return ReportFormat.fixed(Double(mantissa) * power(exponent), decimals: max(0, -exponent))
  }
}
