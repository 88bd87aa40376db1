/// A CSV file read into memory (RFC 4180: comma-separated, fields quoted with `"` when they hold
/// a comma, a quote or a line break, `""` for a quote inside quotes), with its first line as the
/// header. Every problem is a `Diagnostic` naming the file, the line and the column.
struct CSVTable {
  /// The file, as the caller named it, for messages.
  var path: String
  var header: [String]
  /// The data rows, each as wide as the header.
  var rows: [[String]]
  /// The line in the file on which each row starts, from 1.
  var lines: [Int]

  /// Parses `text`, the contents of the file at `path`.
  ///
  /// - Throws: `Diagnostic` when the file is empty, a quote is not closed, or a row does not
  ///   have as many fields as the header.
  init(text: String, path: String) throws {
    self.path = path
    var records: [(line: Int, fields: [String])] = []
    var fields: [String] = []
    var field = ""
    var quoted = false
    var line = 1
    var recordLine = 1
    var characters = Array(text.unicodeScalars)[...]
    while let character = characters.popFirst() {
      if quoted {
        if character == "\"" {
          if characters.first == "\"" {
            field.unicodeScalars.append(characters.removeFirst())
          } else {
            quoted = false
          }
        } else {
          if character == "\n" { line += 1 }
          field.unicodeScalars.append(character)
        }
        continue
      }
      switch character {
      case "\"" where field.isEmpty:
        quoted = true
      case ",":
        fields.append(field)
        field = ""
      case "\r" where characters.first == "\n":
        continue
      case "\n":
        fields.append(field)
        records.append((recordLine, fields))
        fields = []
        field = ""
        line += 1
        recordLine = line
      default:
        field.unicodeScalars.append(character)
      }
    }
    if quoted {
      throw Diagnostic(file: path, line: recordLine, message: "a quoted field is not closed")
    }
    if !fields.isEmpty || !field.isEmpty {
      fields.append(field)
      records.append((recordLine, fields))
    }
    guard let first = records.first, first.fields != [""] else {
      throw Diagnostic(file: path, line: 1, message: "empty: expected a header line")
    }
    header = first.fields
    rows = []
    lines = []
    for record in records.dropFirst() where record.fields != [""] {
      guard record.fields.count == header.count else {
        throw Diagnostic(
          file: path, line: record.line,
          message: "expected \(header.count) fields as in the header, found \(record.fields.count)")
      }
      rows.append(record.fields)
      lines.append(record.line)
    }
  }

  /// The position of the column named `name`, if the header has one.
  func column(_ name: String) -> Int? {
    header.firstIndex(of: name)
  }

  /// The position of the column named `name`.
  ///
  /// - Throws: `Diagnostic` on the header line when there is no such column.
  func requireColumn(_ name: String) throws -> Int {
    guard let index = column(name) else {
      throw Diagnostic(
        file: path, line: 1, message: "expected a column named \(name) in the header")
    }
    return index
  }

  /// The number in row `row` of column `column`: `nil` for an empty field; `nan`, `inf` and
  /// `-inf` as Descent writes them.
  ///
  /// - Throws: `Diagnostic` at the row's line, keyed by the column's name, when the field is not
  ///   a number.
  func number(row: Int, column: Int) throws -> Double? {
    let text = rows[row][column]
    switch text {
    case "": return nil
    case "nan": return .nan
    case "inf": return .infinity
    case "-inf": return -.infinity
    default:
      guard let value = Double(text) else {
        throw Diagnostic(
          file: path, line: lines[row], key: header[column],
          message: "expected a number, found \"\(text)\"")
      }
      return value
    }
  }

  /// The whole number in row `row` of column `column`.
  ///
  /// - Throws: `Diagnostic` when the field is empty or not a whole number.
  func integer(row: Int, column: Int) throws -> Int {
    let text = rows[row][column]
    guard let value = Int(text) else {
      throw Diagnostic(
        file: path, line: lines[row], key: header[column],
        message: "expected a whole number, found \"\(text)\"")
    }
    return value
  }
}
