import Foundation

/// A file that an experiment names as data: the path as written, where it is read from, and how
/// messages name it.
public struct DataFile: Sendable, Hashable {
  /// The path as the experiment wrote it; relative paths are relative to the experiment file.
  public var path: String
  /// The absolute path the file is read from.
  public var resolvedPath: String
  /// How messages name the file: the written path joined to the folder of the experiment file
  /// as the user named it (`experiments/data/iris.csv` for `data/iris.csv` in
  /// `experiments/iris-csv.yaml`), so that it can be opened from where Descent was started.
  public var displayPath: String

  public init(path: String, resolvedPath: String, displayPath: String) {
    self.path = path
    self.resolvedPath = resolvedPath
    self.displayPath = displayPath
  }

  /// The file `path` names in the experiment file `experimentFile`, whose relative paths are
  /// resolved against `baseDirectory`.
  ///
  /// The display path is the written path joined to `experimentFile`'s folder when that folder
  /// is `baseDirectory`, and the resolved path otherwise.
  public init(path: String, experimentFile: String, baseDirectory: String) {
    let base = URL(fileURLWithPath: baseDirectory, isDirectory: true).standardizedFileURL
    let resolved = URL(fileURLWithPath: path, relativeTo: base).standardizedFileURL.path
    let folder = (experimentFile as NSString).deletingLastPathComponent
    let folderURL = URL(fileURLWithPath: folder.isEmpty ? "." : folder, isDirectory: true)
    let display: String
    if path.hasPrefix("/") {
      display = path
    } else if folderURL.standardizedFileURL.path == base.path {
      display =
        folder.isEmpty || folder == "." ? path : (folder as NSString).appendingPathComponent(path)
    } else {
      display = resolved
    }
    self.init(path: path, resolvedPath: resolved, displayPath: display)
  }

  /// Whether the file exists and is not a folder.
  public var exists: Bool {
    var isFolder: ObjCBool = false
    return FileManager.default.fileExists(atPath: resolvedPath, isDirectory: &isFolder)
      && !isFolder.boolValue
  }

  /// The size of the file in bytes, when it can be read.
  var size: Int? {
    let attributes = try? FileManager.default.attributesOfItem(atPath: resolvedPath)
    return (attributes?[.size] as? NSNumber)?.intValue
  }

  /// What to tell a user whose file is missing: where it was looked for and, for the data sets
  /// Debian packages, the package and the command that installs it; or that it is a folder.
  public var missingFileMessage: String {
    var isFolder: ObjCBool = false
    if FileManager.default.fileExists(atPath: resolvedPath, isDirectory: &isFolder),
      isFolder.boolValue
    {
      return "expected a file, found a folder: \(displayPath)"
    }
    var message = "no such file: \(displayPath)"
    if let package = Self.packages.first(where: { resolvedPath.hasPrefix($0.folder) })?.package {
      message +=
        "; it is installed by the Debian package \(package): apt-get install \(package)"
    }
    return message
  }

  /// Folders that Debian packages of data sets install.
  static let packages = [
    (folder: "/usr/share/datasets/fashion-mnist/", package: "dataset-fashion-mnist")
  ]

  /// A problem with the file itself, named by its display path.
  func problem(line: Int? = nil, key: String? = nil, _ message: String) -> Diagnostic {
    Diagnostic(file: displayPath, line: line, key: key, message: message)
  }
}
