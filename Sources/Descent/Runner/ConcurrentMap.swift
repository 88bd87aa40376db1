import DescentEngine
import Dispatch
import Foundation

extension Array where Element: Sendable {
  /// The elements transformed on up to `workers` threads, in order; for reading the files of
  /// thousands of runs, where each element is a file to read and decode.
  ///
  /// Each thread takes a contiguous part of at least `minimumPart` elements, so that small
  /// arrays stay on the calling thread.
  ///
  /// - Throws: the error of the first element, in order, whose transform threw: the same error
  ///   as a plain `map`.
  func concurrentMap<T: Sendable, E: Error>(
    workers: Int = ProcessInfo.processInfo.activeProcessorCount, minimumPart: Int = 256,
    _ transform: @Sendable (Element) throws(E) -> T
  ) throws(E) -> [T] {
    let parts = Swift.max(1, Swift.min(workers, count / minimumPart))
    guard parts > 1 else { return try map(transform) }
    let done = Locked([Result<[T], E>?](repeating: nil, count: parts))
    DispatchQueue.concurrentPerform(iterations: parts) { part in
      let range = (count * part / parts)..<(count * (part + 1) / parts)
      let result = Result { () throws(E) -> [T] in try self[range].map(transform) }
      done.withLock { $0[part] = result }
    }
    var mapped: [T] = []
    mapped.reserveCapacity(count)
    for part in done.withLock({ $0 }) { mapped += try part!.get() }
    return mapped
  }
}
