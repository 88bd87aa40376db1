import Descent
import Foundation

/// A folder of this process's own, where each input is written as the file a reader is given:
/// the readers under test read files, as Descent does.
public enum Scratch {
  /// The folder, made once per process (under `TMPDIR`, which Fuzz/run.sh points to a folder of
  /// its own); each input overwrites the file before it.
  public static let folder: String = {
    let path = NSTemporaryDirectory() + "descent-fuzz-\(getpid())"
    try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
  }()

  /// The file `name` of the folder.
  public static func file(_ name: String) -> DataFile {
    DataFile(path: name, resolvedPath: folder + "/" + name, displayPath: name)
  }

  /// Writes `bytes` to `name` in the folder and returns its path.
  @discardableResult
  public static func write(_ bytes: UnsafeRawBufferPointer, to name: String) -> String {
    let path = folder + "/" + name
    let directory = (path as NSString).deletingLastPathComponent
    if !FileManager.default.fileExists(atPath: directory) {
      try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }
    // Not atomically: a rename and the file system's flush would cost more than the reading.
    try? Data(bytes).write(to: URL(fileURLWithPath: path))
    return path
  }

  /// Writes `text` to `name` in the folder.
  public static func write(_ text: String, to name: String) {
    Array(text.utf8).withUnsafeBytes { _ = write($0, to: name) }
  }
}
