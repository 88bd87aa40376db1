/// A quantity measured after each epoch of a run, by the name an experiment file uses for it.
public enum RunMetric: String, Sendable, Hashable, CaseIterable {
  /// The mean training loss over the epoch.
  case trainLoss = "train_loss"
  /// The loss on the held-out part.
  case valLoss = "val_loss"
  /// The fraction of correct predictions on the held-out part (classification).
  case valAccuracy = "val_accuracy"
  /// The root-mean-square error on the held-out part (regression).
  case valRMSE = "val_rmse"
  /// The coefficient of determination on the held-out part (regression).
  case valR2 = "val_r2"

  /// Whether a larger value is an improvement.
  public var higherIsBetter: Bool {
    switch self {
    case .valAccuracy, .valR2: true
    case .trainLoss, .valLoss, .valRMSE: false
    }
  }

  /// Whether the metric is measured on the held-out part, so that it needs `data.validation > 0`.
  public var needsValidation: Bool { self != .trainLoss }

  /// Whether the metric exists for classification (`true`) or regression (`false`) only, or for
  /// both (`nil`).
  package var classification: Bool? {
    switch self {
    case .trainLoss, .valLoss: nil
    case .valAccuracy: true
    case .valRMSE, .valR2: false
    }
  }
}
