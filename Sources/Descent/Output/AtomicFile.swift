import Foundation

/// Writes files so that a reader never sees a partial one: the bytes go to a temporary file in
/// the same folder, which is then renamed over the target (rename is atomic on POSIX file
/// systems). A write that fails, a full disk say, removes its temporary file and leaves the
/// target as it was; an interrupted process leaves at most a stray temporary file, never a
/// truncated file that looks complete.
public enum AtomicFile {
  /// Writes `data` to `path`, creating the parent folders.
  ///
  /// - Throws: `OutputError` naming the path and the system's reason.
  public static func write(_ data: Data, to path: String) throws {
    let url = URL(fileURLWithPath: path)
    let folder = url.deletingLastPathComponent()
    do {
      try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    } catch {
      throw OutputError(path: path, reason: Self.reason(error))
    }
    let process = ProcessInfo.processInfo.processIdentifier
    let name = ".\(url.lastPathComponent).\(process).\(UInt32.random(in: 0...UInt32.max)).tmp"
    let temporary = folder.appendingPathComponent(name).path
    if let failure = create(temporary, holding: data)
      ?? (rename(temporary, url.path) == 0 ? nil : errno)
    {
      unlink(temporary)
      throw OutputError(path: path, reason: String(cString: strerror(failure)))
    }
  }

  /// Writes `text` as UTF-8.
  public static func write(_ text: String, to path: String) throws {
    try write(Data(text.utf8), to: path)
  }

  /// Creates the file `path`, which must not exist, and writes `data` to it.
  ///
  /// - Returns: the `errno` of the first call that failed, or `nil`.
  private static func create(_ path: String, holding data: Data) -> Int32? {
    let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o666)
    guard descriptor >= 0 else { return errno }
    // A simulated full disk takes part of the file, then refuses the rest, as write(2) does.
    let fault = DiskFullFault.current?.nextFile(of: data.count)
    var failure: Int32? = data.withUnsafeBytes { bytes in
      var offset = 0
      let end = fault?.bytesWritten ?? bytes.count
      while offset < end {
        let count = Foundation.write(descriptor, bytes.baseAddress! + offset, end - offset)
        if count < 0 {
          if errno == EINTR { continue }
          return errno
        }
        offset += count
      }
      return fault?.error
    }
    // Some file systems (NFS) report a full disk only when the file is closed.
    if close(descriptor) != 0 && failure == nil { failure = errno }
    return failure
  }

  /// Removes the temporary files that interrupted writes left in `folder` and below. Call it
  /// only while holding the folder's lock, so that no write in progress loses its file.
  static func removeStaleTemporaries(in folder: String) {
    guard let enumerator = FileManager.default.enumerator(atPath: folder) else { return }
    while let relative = enumerator.nextObject() as? String {
      let name = (relative as NSString).lastPathComponent
      if name.hasPrefix(".") && name.hasSuffix(".tmp") {
        try? FileManager.default.removeItem(atPath: folder + "/" + relative)
      }
    }
  }

  /// The system's reason for a Foundation file error, without Foundation's decoration.
  static func reason(_ error: Error) -> String {
    let nsError = error as NSError
    if let underlying = nsError.userInfo[NSUnderlyingErrorKey] as? NSError,
      underlying.domain == NSPOSIXErrorDomain
    {
      return String(cString: strerror(Int32(underlying.code)))
    }
    if nsError.domain == NSPOSIXErrorDomain {
      return String(cString: strerror(Int32(nsError.code)))
    }
    return nsError.localizedDescription
  }
}

/// A results file or folder that cannot be written: nothing is trained when it happens before
/// a sweep starts, and nothing already written is touched.
public struct OutputError: Error, Sendable, CustomStringConvertible {
  public var path: String
  public var reason: String

  public var description: String { "\(path): cannot write: \(reason)" }
}
