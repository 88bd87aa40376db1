import DescentEngine

/// The paired comparisons of a report as `comparison.csv` and as Markdown sections.
struct ComparisonTable {
  var comparisons: [PairedComparison]
  var sweptKeys: [String]
  var metric: RunMetric
  var confidence: Double

  /// The compared settings, in the order first compared.
  var keys: [String] {
    var keys: [String] = []
    for comparison in comparisons where !keys.contains(comparison.key) {
      keys.append(comparison.key)
    }
    return keys
  }

  /// `comparison.csv`, one row per pair of arms: `setting, baseline, arm, fixed` (the other
  /// settings, `key=value` joined by `; `), `metric, pairs, baseline_mean, arm_mean,
  /// mean_difference` (arm − baseline), `sd_difference, ci_low, ci_high, t, df, p_value`
  /// (two-sided, paired t-test) and `test`. Fields the test cannot give are empty.
  func csv() -> String {
    let header = [
      "setting", "baseline", "arm", "fixed", "metric", "pairs", "baseline_mean", "arm_mean",
      "mean_difference", "sd_difference", "ci_low", "ci_high", "t", "df", "p_value", "test",
    ]
    var lines = [header.joined(separator: ",")]
    for comparison in comparisons {
      let test = comparison.test
      var fields = [
        comparison.key, comparison.baseline, comparison.arm,
        comparison.fixed.map { $0.label(short: false) }.joined(separator: "; "),
        comparison.metric.rawValue, "\(comparison.pairs.count)",
        NumberFormat.csv(comparison.baselineMean), NumberFormat.csv(comparison.armMean),
        NumberFormat.csv(Self.meanDifference(comparison)),
      ]
      fields += [
        NumberFormat.csv(test?.standardDeviation), NumberFormat.csv(test?.interval.low),
        NumberFormat.csv(test?.interval.high), NumberFormat.csv(test?.statistic),
        test.map { "\($0.degreesOfFreedom)" } ?? "", NumberFormat.csv(test?.pValue),
        "paired t-test, two-sided",
      ]
      lines.append(fields.map(csvField).joined(separator: ","))
    }
    return lines.joined(separator: "\n") + "\n"
  }

  /// One section per compared setting: what was compared and how, then a table.
  func markdown() -> String {
    var text = ""
    let level = ReportFormat.percent(confidence)
    for key in keys {
      let rows = comparisons.filter { $0.key == key }
      let fixedKeys = sweptKeys.filter { $0 != key }
      let direction = metric.higherIsBetter ? "higher" : "lower"
      let sign = metric.higherIsBetter ? "positive" : "negative"
      let quantile = ReportFormat.percent((1 + confidence) / 2)
      text += "### \(key)\n\n"
      text += "Each row compares the runs with \(key) at the arm's value against the runs at the "
      text += "baseline's, the other settings as listed, seed by seed: runs with the same seed "
      text += "start from the same weights and see the same batches. difference: the mean over "
      text += "seeds of arm − baseline final \(metric.rawValue); \(direction) is better, so a "
      text += "\(sign) difference favours the arm. Paired t-test on the differences: "
      text += "\(level)% CI d̄ ± t · s_d / √n with t the \(quantile)th percentile of Student's t "
      text += "with n − 1 degrees of freedom; p two-sided; n/a with fewer than two pairs.\n\n"
      let header =
        fixedKeys + [
          "baseline", "arm", "pairs", "baseline mean", "arm mean", "difference",
          "\(level)% CI", "t (df)", "p",
        ]
      text += MarkdownTable.row(header)
      text += MarkdownTable.rule(left: fixedKeys.count + 2, right: 7)
      for comparison in rows {
        var cells = fixedKeys.map { key in comparison.fixed.first { $0.key == key }?.value ?? "" }
        cells += [comparison.baseline, comparison.arm]
        cells.append("\(comparison.pairs.count)")
        if let baseline = comparison.baselineMean, let arm = comparison.armMean {
          cells += ReportFormat.aligned([baseline, arm])
        } else {
          cells += ["n/a", "n/a"]
        }
        let difference = Self.meanDifference(comparison)
        if let test = comparison.test {
          let numbers = ReportFormat.aligned(
            [test.meanDifference, test.interval.low, test.interval.high])
          cells += [numbers[0], "[\(numbers[1]), \(numbers[2])]"]
          cells.append(
            test.statistic.map { "\(ReportFormat.value($0)) (\(test.degreesOfFreedom))" } ?? "n/a")
          cells.append(test.pValue.map(ReportFormat.pValue) ?? "n/a")
        } else {
          cells += [difference.map(ReportFormat.value) ?? "n/a", "n/a", "n/a", "n/a"]
        }
        text += MarkdownTable.row(cells)
      }
      text += "\n"
    }
    return text
  }

  /// The mean of `arm − baseline` over the pairs; `nil` without pairs.
  static func meanDifference(_ comparison: PairedComparison) -> Double? {
    SampleSummary(comparison.pairs.map { $0.arm - $0.baseline })?.mean
  }
}
