/// Training stopped because a `StopRequest` asked it to; nothing of the interrupted run is kept.
public struct Interrupted: Error, Sendable, CustomStringConvertible {
  /// Runs complete, and runs that remain to be trained.
  public var complete: Int
  public var remaining: Int

  public var description: String {
    "interrupted: \(complete) runs complete, \(remaining) not; run the same command again to "
      + "train the rest"
  }
}
