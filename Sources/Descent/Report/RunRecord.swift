import DescentEngine

/// One run of a results folder, as its files describe it: the manifest's entry, its row of
/// `summary.csv` and its `curve.csv`.
struct RunRecord: Sendable {
  var index: Int
  var id: String
  /// The swept settings other than the seed, in sweep order; values as written in YAML.
  var settings: [Setting]
  /// The seed the run trained with; runs of different configurations with the same seed start
  /// from the same weights and see the same batches.
  var seed: UInt64
  /// How the run ended; `nil` for a run the manifest lists as pending.
  var status: RunStatus?
  /// One record per epoch trained, from `curve.csv`; empty for a run that did not train.
  var curve: [EpochRecord]
  /// Wall time of the whole run, from `summary.csv`.
  var seconds: Double?
  /// Training examples per second of wall time, from `summary.csv`.
  var samplesPerSecond: Double?

  /// The value of `metric` after the last epoch trained.
  func final(_ metric: RunMetric) -> Double? {
    curve.last.flatMap(metric.value(in:))
  }

  /// The best finite value of `metric` over the epochs and the first epoch that reached it.
  func best(_ metric: RunMetric) -> (value: Double, epoch: Int)? {
    var best: (value: Double, epoch: Int)?
    for record in curve {
      guard let value = metric.value(in: record), value.isFinite else { continue }
      if let current = best, !metric.isBetter(value, than: current.value) { continue }
      best = (value, record.epoch)
    }
    return best
  }

  /// The first epoch after which `target.metric` is at least as good as `target.value`
  /// (`≤` for losses and errors, `≥` for accuracy and r²); `nil` if no epoch reached it.
  func epochReaching(_ target: ReportOptions.Target) -> Int? {
    curve.first { record in
      guard let value = target.metric.value(in: record), value.isFinite else { return false }
      return target.metric.higherIsBetter ? value >= target.value : value <= target.value
    }?.epoch
  }

  /// The area under the validation-loss curve by the trapezoid rule over epochs,
  /// `Σ (Lₑ + Lₑ₊₁) / 2 · (e₊₁ − e)`, from the first to the last epoch with a validation loss:
  /// one number for how fast and how far the loss came down. `nil` with fewer than two epochs.
  ///
  /// Runs stopped early cover fewer epochs, so compare areas of runs of the same length.
  var validationLossArea: Double? {
    let points = curve.compactMap { record in
      record.validation.map { (epoch: Double(record.epoch), loss: $0.loss) }
    }
    guard points.count >= 2 else { return nil }
    var area = 0.0
    for (a, b) in zip(points, points.dropFirst()) {
      area += (a.loss + b.loss) / 2 * (b.epoch - a.epoch)
    }
    return area
  }
}

extension RunMetric {
  /// Whether `value` is an improvement on `other` for this metric.
  func isBetter(_ value: Double, than other: Double) -> Bool {
    higherIsBetter ? value > other : value < other
  }
}
