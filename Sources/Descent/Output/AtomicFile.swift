import Foundation

/// Writes files so that a reader never sees a partial one: the bytes go to a temporary file in
/// the same folder, which is then renamed over the target (rename is atomic on POSIX file
/// systems). An interrupted write leaves at most a stray temporary file, never a truncated file
/// that looks complete.
public enum AtomicFile {
  /// Writes `data` to `path`, creating the parent folders.
  ///
  /// - Throws: `OutputError` naming the path and the system's reason.
  public static func write(_ data: Data, to path: String) throws {
    let url = URL(fileURLWithPath: path)
    let folder = url.deletingLastPathComponent()
    do {
      try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
      let temporary = folder.appendingPathComponent(
        ".\(url.lastPathComponent).\(ProcessInfo.processInfo.processIdentifier).\(UInt32.random(in: 0...UInt32.max)).tmp")
      try data.write(to: temporary)
      guard rename(temporary.path, url.path) == 0 else {
        let reason = String(cString: strerror(errno))
        try? FileManager.default.removeItem(at: temporary)
        throw OutputError(path: path, reason: reason)
      }
    } catch let error as OutputError {
      throw error
    } catch {
      throw OutputError(path: path, reason: Self.reason(error))
    }
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

  /// Writes `text` as UTF-8.
  public static func write(_ text: String, to path: String) throws {
    try write(Data(text.utf8), to: path)
  }

  /// The system's reason for a Foundation file error, without Foundation's decoration.
  static func reason(_ error: Error) -> String {
    let nsError = error as NSError
    if let underlying = nsError.userInfo[NSUnderlyingErrorKey] as? NSError,
      underlying.domain == NSPOSIXErrorDomain
    {
      return String(cString: strerror(Int32(underlying.code)))
    }
    if nsError.domain == NSPOSIXErrorDomain { return String(cString: strerror(Int32(nsError.code))) }
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
