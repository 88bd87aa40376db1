import Foundation

/// A full disk, simulated so that tests can show what a real one does to a sweep: there is no
/// small file system to fill without root.
///
/// `DESCENT_FAULT_ENOSPC_AFTER=N` in the environment of a `descent` process lets its first `N`
/// files (`AtomicFile.write`) be written; then the disk is full, and stays full: each later file
/// gets half of its bytes written to its temporary file, and then `ENOSPC`, as `write(2)`
/// behaves when a disk fills in the middle of a file. Unset, nothing changes.
struct DiskFullFault: Sendable {
  /// The name of the environment variable.
  static let variable = "DESCENT_FAULT_ENOSPC_AFTER"

  /// The fault the environment asks for, read once per process.
  static let current: DiskFullFault? = {
    guard let value = ProcessInfo.processInfo.environment[variable] else { return nil }
    guard let files = Int(value), files >= 0 else {
      preconditionFailure("\(variable) must be a number of files >= 0, found '\(value)'")
    }
    return DiskFullFault(filesBeforeFull: files)
  }()

  /// What happens to one file's bytes.
  struct Outcome {
    /// How many of them reach the disk before the error.
    var bytesWritten: Int
    var error: Int32
  }

  let filesBeforeFull: Int
  private let filesStarted = Locked(0)

  init(filesBeforeFull: Int) {
    self.filesBeforeFull = filesBeforeFull
  }

  /// Counts a file of `count` bytes about to be written.
  ///
  /// - Returns: `nil` while the disk has room, then how much of the file is written before
  ///   `ENOSPC`.
  func nextFile(of count: Int) -> Outcome? {
    let index = filesStarted.withLock { started in
      defer { started += 1 }
      return started
    }
    return index < filesBeforeFull ? nil : Outcome(bytesWritten: count / 2, error: ENOSPC)
  }
}
