/// Splits CSV text into records of fields, as RFC 4180 describes: fields separated by commas,
/// records by line ends (LF, CRLF or CR), and fields in double quotes may hold commas, line
/// ends and quotes written twice (`""`).
///
/// Beyond the RFC: spaces and tabs around an unquoted field, and around the quotes of a quoted
/// one, are not part of the field; a quote inside an unquoted field is kept as it is; a UTF-8
/// byte order mark is skipped; blank lines are skipped; the last line may end without a line
/// end.
struct CSVParser {
  /// One record: its fields and the line it starts on (from 1).
  struct Record {
    var line: Int
    var fields: [String]
  }

  /// A record that cannot be read, at `line`.
  struct Failure: Error {
    var line: Int
    var message: String
  }

  private let bytes: [UInt8]
  private var position: Int
  private var line = 1

  private static let quote = UInt8(ascii: "\"")
  private static let comma = UInt8(ascii: ",")
  private static let newline = UInt8(ascii: "\n")
  private static let carriageReturn = UInt8(ascii: "\r")

  init(_ bytes: [UInt8]) {
    self.bytes = bytes
    position = bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? 3 : 0
  }

  /// The next record that is not a blank line, or `nil` at the end of the text.
  mutating func next() throws(Failure) -> Record? {
    while position < bytes.count {
      let start = line
      var fields: [String] = []
      var quotedAny = false
      while true {
        let (field, quoted) = try readField()
        fields.append(field)
        quotedAny = quotedAny || quoted
        if position < bytes.count, bytes[position] == Self.comma {
          position += 1
          continue
        }
        skipLineEnd()
        break
      }
      if fields.count == 1, fields[0].isEmpty, !quotedAny { continue }
      return Record(line: start, fields: fields)
    }
    return nil
  }

  /// Reads one field and stops at the comma or line end after it.
  private mutating func readField() throws(Failure) -> (String, quoted: Bool) {
    let start = position
    skipSpaces()
    guard position < bytes.count, bytes[position] == Self.quote else {
      position = start
      return (readUnquoted(), false)
    }
    let quoteLine = line
    position += 1
    var field: [UInt8] = []
    while true {
      guard position < bytes.count else {
        throw Failure(
          line: quoteLine,
          message:
            "a quoted field is not closed; a quote inside a quoted field is written twice (\"\")"
        )
      }
      let byte = bytes[position]
      position += 1
      if byte == Self.quote {
        if position < bytes.count, bytes[position] == Self.quote {
          field.append(Self.quote)
          position += 1
          continue
        }
        break
      }
      if byte == Self.newline || (byte == Self.carriageReturn && !isNewline(at: position)) {
        line += 1
      }
      field.append(byte)
    }
    skipSpaces()
    if position < bytes.count, !isSeparator(bytes[position]) {
      throw Failure(
        line: line,
        message:
          "text after the closing quote of a field; a quote inside a quoted field is written twice (\"\")"
      )
    }
    return (String(decoding: field, as: UTF8.self), true)
  }

  private mutating func readUnquoted() -> String {
    let start = position
    while position < bytes.count, !isSeparator(bytes[position]) { position += 1 }
    var end = position
    var first = start
    while first < end, isSpace(bytes[first]) { first += 1 }
    while end > first, isSpace(bytes[end - 1]) { end -= 1 }
    return String(decoding: bytes[first..<end], as: UTF8.self)
  }

  private mutating func skipSpaces() {
    while position < bytes.count, isSpace(bytes[position]) { position += 1 }
  }

  /// Steps over one line end (LF, CRLF or CR), if there is one.
  private mutating func skipLineEnd() {
    guard position < bytes.count else { return }
    if bytes[position] == Self.carriageReturn { position += 1 }
    if position < bytes.count, bytes[position] == Self.newline { position += 1 }
    line += 1
  }

  private func isNewline(at index: Int) -> Bool {
    index < bytes.count && bytes[index] == Self.newline
  }

  private func isSeparator(_ byte: UInt8) -> Bool {
    byte == Self.comma || byte == Self.newline || byte == Self.carriageReturn
  }

  private func isSpace(_ byte: UInt8) -> Bool {
    byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t")
  }
}
