/// A linear warmup before a learning-rate schedule, as the file gives it.
///
/// `ScheduleSettings.warmupSteps` counts steps of the schedule's own interval. Epochs of warmup
/// on a per-batch schedule become steps only once the number of batches per epoch is known,
/// which needs the size of the training part: `RunConfiguration.trainingSettings(trainingRows:)`
/// does that conversion.
public enum Warmup: Sendable, Hashable {
  /// Warmup over whole epochs, with either interval.
  case epochs(Int)
  /// Warmup over optimizer steps (batches); only with a per-batch schedule.
  case steps(Int)

  /// No warmup.
  public static let disabled = Warmup.epochs(0)

  /// The warmup in steps of a schedule of `interval`, for epochs of `batchesPerEpoch` batches;
  /// `Int.max` when there are more.
  public func scheduleSteps(interval: ScheduleSettings.Interval, batchesPerEpoch: Int) -> Int {
    switch (self, interval) {
    case (.epochs(let epochs), .epoch): return epochs
    case (.epochs(let epochs), .batch):
      let (steps, overflow) = epochs.multipliedReportingOverflow(by: batchesPerEpoch)
      return overflow ? .max : steps
    case (.steps(let steps), _): return steps
    }
  }
}
