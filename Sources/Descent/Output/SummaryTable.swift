import DescentEngine

/// `summary.csv`: the runs of a sweep side by side, in sweep order, built from `manifest.json`
/// and the runs' `result.json` alone, so that a merged folder and a single-machine folder get
/// the same table. The report (`Report`) reads it back for the timings and writes everything
/// else from the results folder's files.
struct SummaryTable {
  /// Every run of the sweep, as the manifest lists them.
  let runs: [Manifest.Run]
  /// The result of each run of `runs`, by position; `nil` for a run the folder does not hold
  /// (pending, or trained by another shard), which gets no row.
  let results: [RunResult?]

  // The columns depend on every run of the sweep, not only on those the folder holds, so that
  // the shards of a sweep agree on them. Computed once: each row asks for them.
  private let classification: Bool
  private let regression: Bool
  private let hasTest: Bool

  init(runs: [Manifest.Run], results: [RunResult?]) {
    precondition(runs.count == results.count, "one result (or nil) per run")
    self.runs = runs
    self.results = results
    classification = runs.contains { $0.isClassification }
    regression = runs.contains { !$0.isClassification }
    hasTest = results.contains { $0?.test != nil }
  }

  /// The swept keys, in the order the sweep lists them.
  private var sweptKeys: [String] {
    var keys: [String] = []
    var seen: Set<String> = []
    for run in runs {
      for setting in run.settings where seen.insert(setting.key).inserted {
        keys.append(setting.key)
      }
    }
    return keys
  }

  private func metricColumns(_ prefix: String) -> [String] {
    ["\(prefix)_loss"] + (classification ? ["\(prefix)_accuracy"] : [])
      + (regression ? ["\(prefix)_rmse", "\(prefix)_r2"] : [])
  }

  private func metricFields(_ evaluation: Evaluation?) -> [String] {
    [NumberFormat.csv(evaluation?.loss)]
      + (classification ? [NumberFormat.csv(evaluation?.accuracy)] : [])
      + (regression ? [NumberFormat.csv(evaluation?.rmse), NumberFormat.csv(evaluation?.r2)] : [])
  }

  /// One row per run the folder holds. Columns: `index, id`, each swept key, `seed, status,
  /// epochs, train_loss`, the final validation metrics (`val_loss, val_accuracy` or
  /// `val_rmse, val_r2`), `best_val_loss, best_epoch`, test metrics when there is a test set,
  /// then the timing columns `seconds, samples_per_second`.
  func csv() -> String {
    let keys = sweptKeys.filter { $0 != "seed" }
    var header = ["index", "id"] + keys + ["seed", "status", "epochs"]
    header += ["train_loss"] + metricColumns("val") + ["best_val_loss", "best_epoch"]
    if hasTest { header += metricColumns("test") }
    header += ["seconds", "samples_per_second"]
    var lines = [header.map(csvField).joined(separator: ",")]
    for (run, result) in zip(runs, results) {
      guard let result else { continue }
      let settings = Dictionary(
        run.settings.map { ($0.key, $0.value) }, uniquingKeysWith: { first, _ in first })
      var fields = ["\(run.index)", run.id] + keys.map { settings[$0] ?? "" }
      fields += ["\(run.seed)", result.status.rawValue, "\(result.curve.count)"]
      fields.append(NumberFormat.csv(result.final?.trainingLoss))
      fields += metricFields(result.final?.validation)
      fields.append(NumberFormat.csv(result.best?.validation?.loss))
      fields.append(result.best.map { "\($0.epoch)" } ?? "")
      if hasTest { fields += metricFields(result.test) }
      fields += [NumberFormat.seconds(result.seconds), "\(Int(result.samplesPerSecond.rounded()))"]
      lines.append(fields.map(csvField).joined(separator: ","))
    }
    return lines.joined(separator: "\n") + "\n"
  }
}
