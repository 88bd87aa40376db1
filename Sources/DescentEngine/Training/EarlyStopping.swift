/// Stops a run when a metric has not improved for a number of epochs, as PyTorch Lightning's
/// `EarlyStopping` callback: an epoch improves when it beats the best value so far by more than
/// `minDelta`.
public struct EarlyStopping: Sendable, Hashable {
  public typealias Metric = RunMetric

  /// The metric watched after each epoch.
  public var metric: RunMetric
  /// Epochs without improvement tolerated before the run stops.
  public var patience: Int
  /// The smallest change that counts as an improvement.
  public var minDelta: Double

  public init(metric: RunMetric = .valLoss, patience: Int = 3, minDelta: Double = 0) {
    self.metric = metric
    self.patience = patience
    self.minDelta = minDelta
  }
}
