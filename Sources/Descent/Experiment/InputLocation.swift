/// Where a value of an experiment was written: a position in a file, or a command-line override
/// such as `--set optimizer.lr=0.1` (then the "file" is the override and there is no line).
public struct InputLocation: Sendable, Hashable {
  public var file: String
  /// The line, from 1.
  public var line: Int?
  /// The column, from 1, counted in Unicode scalars as libyaml counts them.
  public var column: Int?

  public init(file: String, line: Int? = nil, column: Int? = nil) {
    self.file = file
    self.line = line
    self.column = column
  }

  /// A problem at this location with the setting `key`.
  func diagnostic(key: String?, _ message: String) -> Diagnostic {
    Diagnostic(file: file, line: line, column: column, key: key, message: message)
  }
}
