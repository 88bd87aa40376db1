import DescentEngine

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

  /// The place just after `prefix`, the text that comes before it.
  init(file: String, after prefix: String) {
    let position = Self.position(after: prefix)
    self.init(file: file, line: position.line, column: position.column)
  }

  /// The line and column just after `prefix`, counted as libyaml counts them: a line ends at
  /// `\n`, `\r\n`, `\r`, U+0085, U+2028 or U+2029.
  static func position(after prefix: String) -> (line: Int, column: Int) {
    var line = 1
    var column = 1
    var previous: Unicode.Scalar?
    for scalar in prefix.unicodeScalars {
      switch scalar {
      case "\n" where previous == "\r":
        break
      case "\n", "\r", "\u{85}", "\u{2028}", "\u{2029}":
        line += 1
        column = 1
      default:
        column += 1
      }
      previous = scalar
    }
    return (line, column)
  }

  /// A problem at this location with the setting `key`.
  func diagnostic(key: String?, _ message: String) -> Diagnostic {
    Diagnostic(file: file, line: line, column: column, key: key, message: message)
  }
}
