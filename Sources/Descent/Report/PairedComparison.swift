import DescentEngine

/// Two arms of a sweep that differ in one setting only, compared seed by seed on a final metric.
///
/// Runs of the two arms with the same seed started from the same weights and saw the same
/// batches, so their difference is the setting's alone; the paired t-test uses that, where an
/// unpaired test would count the seeds' own spread against the setting.
struct PairedComparison: Sendable {
  /// One seed's runs in both arms.
  struct Pair: Sendable {
    var seed: UInt64
    var baseline: Double
    var arm: Double
  }

  /// The compared setting, such as `optimizer.momentum`.
  var key: String
  /// The other swept settings, the same in both arms.
  var fixed: [Setting]
  /// The compared setting's value in the baseline arm (the first in sweep order) and in the arm.
  var baseline: String
  var arm: String
  var metric: RunMetric
  /// The seeds for which both arms completed, in the baseline's order.
  var pairs: [Pair]
  /// The test on `arm − baseline`; `nil` with fewer than two pairs.
  var test: PairedTTest?

  /// The arms' means over the pairs.
  var baselineMean: Double? { SampleSummary(pairs.map(\.baseline))?.mean }
  var armMean: Double? { SampleSummary(pairs.map(\.arm))?.mean }

  /// Compares, for each combination of the other settings, every value of `key` with the first
  /// one, on the final `metric` of the complete runs.
  ///
  /// - Returns: the comparisons in sweep order; none when `key` takes fewer than two values.
  static func comparisons(
    of key: String, in groups: [ConfigurationGroup], metric: RunMetric, confidence: Double
  ) -> [PairedComparison] {
    // Cells of configurations that agree on every setting but `key`, in sweep order.
    var cells: [(fixed: [Setting], arms: [ConfigurationGroup])] = []
    for group in groups {
      guard group.value(of: key) != nil else { continue }
      let fixed = group.settings.filter { $0.key != key }
      if let position = cells.firstIndex(where: { $0.fixed == fixed }) {
        cells[position].arms.append(group)
      } else {
        cells.append((fixed, [group]))
      }
    }
    var comparisons: [PairedComparison] = []
    for cell in cells {
      guard let baseline = cell.arms.first else { continue }
      for arm in cell.arms.dropFirst() {
        let pairs = baseline.complete.compactMap { run -> Pair? in
          guard let value = run.final(metric), value.isFinite,
            let partner = arm.complete.first(where: { $0.seed == run.seed }),
            let other = partner.final(metric), other.isFinite
          else { return nil }
          return Pair(seed: run.seed, baseline: value, arm: other)
        }
        comparisons.append(
          PairedComparison(
            key: key, fixed: cell.fixed, baseline: baseline.value(of: key) ?? "",
            arm: arm.value(of: key) ?? "", metric: metric, pairs: pairs,
            test: PairedTTest(
              differences: pairs.map { $0.arm - $0.baseline }, confidence: confidence)))
      }
    }
    return comparisons
  }
}
