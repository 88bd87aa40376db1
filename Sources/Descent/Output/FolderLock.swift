import Foundation

/// An exclusive lock on a results folder for the life of a `descent` process: a second process
/// that would write the same folder refuses to start instead of interleaving its writes.
///
/// The lock is `flock(2)` on the folder itself, so it leaves no file behind, and the system
/// releases it when the process ends, however it ends: a killed run never leaves a stale lock.
final class FolderLock {
  private let descriptor: Int32

  /// Takes the lock on `folder`, creating the folder if needed.
  ///
  /// - Throws: `FolderInUse` when another process holds it; `OutputError` when the folder cannot
  ///   be created or opened.
  init(folder: String) throws {
    do {
      try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    } catch {
      throw OutputError(path: folder, reason: AtomicFile.reason(error))
    }
    let descriptor = open(folder, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
    guard descriptor >= 0 else {
      throw OutputError(path: folder, reason: String(cString: strerror(errno)))
    }
    guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
      close(descriptor)
      throw FolderInUse(folder: folder)
    }
    self.descriptor = descriptor
  }

  deinit {
    close(descriptor)
  }
}

/// Another `descent` process is writing the results folder.
public struct FolderInUse: Error, Sendable, CustomStringConvertible {
  public var folder: String

  public var description: String {
    "\(folder): another descent process is writing this folder; wait for it to finish, or "
      + "write elsewhere with --out"
  }
}
