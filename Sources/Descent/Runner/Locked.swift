import DescentEngine

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif

/// A value shared between threads, reached only while holding a `pthread_mutex_t`: the API of
/// `Synchronization.Mutex` (`withLock`), on a lock ThreadSanitizer sees.
///
/// `Mutex` takes its contended path in `libswiftSynchronization.so`, which is not instrumented,
/// so ThreadSanitizer misses the ordering between one thread's unlock and the next one's lock and
/// reports every access to the protected value as a race (docs/sanitizers.md). ThreadSanitizer
/// intercepts `pthread_mutex_lock` and `pthread_mutex_unlock` wherever they are called, so a
/// sweep's workers can run under it with no report that is not a real race.
public final class Locked<Value> {
  // Allocated once and never moved: a pthread mutex must not change address while in use, which
  // a stored property of a Swift class does not promise.
  private let mutex: UnsafeMutablePointer<pthread_mutex_t>
  private var value: Value

  public init(_ value: Value) {
    mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    mutex.initialize(to: pthread_mutex_t())
    let status = pthread_mutex_init(mutex, nil)
    precondition(status == 0, "pthread_mutex_init failed: \(status)")
    self.value = value
  }

  deinit {
    pthread_mutex_destroy(mutex)
    mutex.deinitialize(count: 1)
    mutex.deallocate()
  }

  /// Calls `body` with the value while no other thread can reach it.
  ///
  /// - Returns: what `body` returns.
  /// - Throws: what `body` throws, after releasing the lock.
  public func withLock<Result, Failure: Error>(
    _ body: (inout Value) throws(Failure) -> Result
  ) throws(Failure) -> Result {
    pthread_mutex_lock(mutex)
    defer { pthread_mutex_unlock(mutex) }
    return try body(&value)
  }
}

// The value is reached only under the lock, so sharing it is as safe as sharing the value.
extension Locked: @unchecked Sendable where Value: Sendable {}
