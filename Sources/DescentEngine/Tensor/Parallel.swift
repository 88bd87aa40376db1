import Dispatch

/// Work split across the threads a run may use, in parts whose results do not depend on how
/// many there are: each part writes only its own outputs.
package enum Parallel {
  /// Runs `body(part, range)` for `parts` contiguous ranges covering `0..<count`, concurrently
  /// when there is more than one; `part` numbers the range (for per-thread scratch).
  ///
  /// - Parameter threads: the most parts; fewer when `count` is smaller.
  @inline(__always)
  package static func forEachPart(count: Int, threads: Int, _ body: (Int, Range<Int>) -> Void) {
    let parts = max(1, min(threads, count))
    guard parts > 1 else {
      body(0, 0..<count)
      return
    }
    withoutActuallyEscaping(body) { body in
      let shared = UncheckedSendable(body)
      DispatchQueue.concurrentPerform(iterations: parts) { part in
        let start = count * part / parts
        let end = count * (part + 1) / parts
        shared.value(part, start..<end)
      }
    }
  }
}

/// A value handed to the threads of one split, each of which touches only its own part.
package struct UncheckedSendable<Value>: @unchecked Sendable {
  package let value: Value
  package init(_ value: Value) { self.value = value }
}
