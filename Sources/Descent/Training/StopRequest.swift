import Synchronization

/// A request to stop training, shared by every thread of a sweep: set once (from a signal
/// handler, say), read at every training step, so that runs in flight stop at a step boundary.
public final class StopRequest: Sendable {
  private let requested = Atomic<Bool>(false)

  public init() {}

  /// Asks every run that watches this request to stop at its next step.
  public func request() {
    requested.store(true, ordering: .relaxed)
  }

  public var isRequested: Bool {
    requested.load(ordering: .relaxed)
  }
}

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
