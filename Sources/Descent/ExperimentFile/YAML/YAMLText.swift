import Foundation

/// Reads an experiment file as text: UTF-8, and small enough to hold in memory whatever the
/// path names (a device such as `/dev/zero` never ends).
enum YAMLText {
  /// The most bytes an experiment file may have; the shipped ones have about a kilobyte.
  static let maximumBytes = 1 << 20

  /// The text of the file at `path`.
  ///
  /// - Throws: `Diagnostics` naming the file, and the line and column of a byte that is not
  ///   UTF-8.
  static func read(_ path: String) throws(Diagnostics) -> String {
    let bytes: Data
    do {
      let handle = try FileHandle(forReadingFrom: URL(fileURLWithPath: path))
      defer { try? handle.close() }
      bytes = try handle.read(upToCount: maximumBytes + 1) ?? Data()
    } catch {
      throw Diagnostics([
        Diagnostic(
          file: path, message: "cannot read the file: \(Diagnostic.reason(reading: error))")
      ])
    }
    guard bytes.count <= maximumBytes else {
      throw Diagnostics([
        Diagnostic(
          file: path,
          message:
            "the file is larger than \(maximumBytes) bytes; an experiment file needs a few thousand"
        )
      ])
    }
    return try decode(bytes, file: path)
  }

  /// `bytes` as UTF-8 text, without a byte-order mark.
  static func decode(_ bytes: Data, file: String) throws(Diagnostics) -> String {
    if var text = String(validating: bytes, as: UTF8.self) {
      // Yams reads a String as UTF-8 already and takes a mark for a character.
      if text.unicodeScalars.first == "\u{FEFF}" { text.unicodeScalars.removeFirst() }
      return text
    }
    if bytes.starts(with: [0xFF, 0xFE]) || bytes.starts(with: [0xFE, 0xFF]) {
      throw Diagnostics([Diagnostic(file: file, message: "the file is UTF-16; save it as UTF-8")])
    }
    let offset = firstInvalidOffset(bytes)
    let before = String(decoding: bytes.prefix(offset), as: UTF8.self)
    let byte = String(bytes[bytes.startIndex + offset], radix: 16, uppercase: true)
    let location = InputLocation(file: file, after: before)
    throw Diagnostics([
      location.diagnostic(
        key: nil,
        "not UTF-8 text: byte 0x\(byte.count == 1 ? "0" : "")\(byte) at offset \(offset); "
          + "save the file as UTF-8")
    ])
  }

  /// The offset of the first byte that does not decode as UTF-8.
  private static func firstInvalidOffset(_ bytes: Data) -> Int {
    var parser = Unicode.UTF8.ForwardParser()
    var iterator = bytes.makeIterator()
    var offset = 0
    while case .valid(let scalar) = parser.parseScalar(from: &iterator) {
      offset += scalar.count
    }
    return offset
  }
}
