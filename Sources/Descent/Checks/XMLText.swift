import DescentEngine

/// Text made safe for an XML 1.0 document.
enum XMLText {
  /// `text` as the value of a double-quoted attribute: markup characters and quotes escaped,
  /// and line breaks and tabs as character references so that parsers do not normalize them to
  /// spaces.
  static func attribute(_ text: String) -> String {
    escape(text, attribute: true)
  }

  /// `text` as element content.
  static func content(_ text: String) -> String {
    escape(text, attribute: false)
  }

  private static func escape(_ text: String, attribute: Bool) -> String {
    var escaped = ""
    escaped.unicodeScalars.reserveCapacity(text.unicodeScalars.count)
    for scalar in text.unicodeScalars {
      switch scalar {
      case "&": escaped += "&amp;"
      case "<": escaped += "&lt;"
      case ">": escaped += "&gt;"
      case "\"" where attribute: escaped += "&quot;"
      case "'" where attribute: escaped += "&apos;"
      case "\n" where attribute: escaped += "&#10;"
      case "\r": escaped += "&#13;"
      case "\t" where attribute: escaped += "&#9;"
      default:
        escaped.unicodeScalars.append(isAllowed(scalar) ? scalar : "\u{FFFD}")
      }
    }
    return escaped
  }

  /// Whether XML 1.0 allows the character at all (`Char` in the specification): control
  /// characters other than tab and line breaks, and U+FFFE and U+FFFF, cannot appear even as
  /// character references.
  private static func isAllowed(_ scalar: Unicode.Scalar) -> Bool {
    switch scalar.value {
    case 0x9, 0xA, 0xD: true
    case 0x20...0xD7FF, 0xE000...0xFFFD, 0x10000...0x10FFFF: true
    default: false
    }
  }
}
