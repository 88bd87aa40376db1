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
