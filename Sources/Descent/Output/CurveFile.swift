import DescentEngine

/// `curve.csv`: one row per epoch of a run.
///
/// Columns: `epoch, step, lr, momentum, train_loss, val_loss` (`momentum` is Adam's beta1, and
/// empty for Adagrad, which has none), then `val_accuracy` for classification or
/// `val_rmse, val_r2` for regression, then `grad_norm` and `seconds` (wall time since the run
/// started; the only column that differs between two runs of the same file).
enum CurveFile {
  static func header(classification: Bool) -> [String] {
    ["epoch", "step", "lr", "momentum", "train_loss", "val_loss"]
      + (classification ? ["val_accuracy"] : ["val_rmse", "val_r2"])
      + ["grad_norm", "seconds"]
  }

  static func render(_ curve: [EpochRecord], classification: Bool) -> String {
    var lines = [header(classification: classification).joined(separator: ",")]
    for record in curve {
      let v = record.validation
      var fields = [
        "\(record.epoch)", "\(record.step)", NumberFormat.csv(record.learningRate),
        NumberFormat.csv(record.momentum),
        NumberFormat.csv(record.trainingLoss), NumberFormat.csv(v?.loss),
      ]
      fields +=
        classification
        ? [NumberFormat.csv(v?.accuracy)]
        : [NumberFormat.csv(v?.rmse), NumberFormat.csv(v?.r2)]
      fields += [NumberFormat.csv(record.gradientNorm), NumberFormat.seconds(record.seconds)]
      lines.append(fields.joined(separator: ","))
    }
    return lines.joined(separator: "\n") + "\n"
  }
}
