import DescentEngine

/// How experiment files read and write plain YAML scalars: numbers, booleans, null, and
/// strings that need quotes.
///
/// Descent types scalars itself rather than through Yams' resolver, so that `"0.1"` in quotes is
/// a string, `1e-4` is a number, and `yes` is not a boolean.
enum YAMLScalar {
  /// Whether `text` is a decimal number such as `3`, `-0.5`, `.5` or `1.0e-4`.
  static func isNumber(_ text: String) -> Bool {
    number(text) != nil
  }

  /// The value of a decimal number; `nil` for anything else, including `.inf`, `nan` and hex.
  static func number(_ text: String) -> Double? {
    let allowed = Set("0123456789+-.eE")
    guard text.contains(where: \.isNumber), text.allSatisfy(allowed.contains) else { return nil }
    return Double(text)
  }

  /// Whether `text` is one of YAML's words: a boolean or null.
  static func isLiteral(_ text: String) -> Bool {
    boolean(text) != nil || ["~", "null", "Null", "NULL"].contains(text)
  }

  /// The value of YAML 1.2's `true` and `false` (any of their capitalizations).
  static func boolean(_ text: String) -> Bool? {
    switch text {
    case "true", "True", "TRUE": true
    case "false", "False", "FALSE": false
    default: nil
    }
  }

  /// A number as it is written in resolved files (`NumberText.yaml`).
  static func format(_ value: Double) -> String { NumberText.yaml(value) }

  /// `text` in double quotes, with the escapes YAML and JSON share.
  static func doubleQuoted(_ text: String) -> String {
    var out = "\""
    for scalar in text.unicodeScalars {
      switch scalar {
      case "\"": out += "\\\""
      case "\\": out += "\\\\"
      case "\n": out += "\\n"
      case "\t": out += "\\t"
      case "\r": out += "\\r"
      default:
        if scalar.value < 0x20 || scalar.value == 0x7F {
          let hex = String(scalar.value, radix: 16)
          out += "\\x" + String(repeating: "0", count: 2 - hex.count) + hex
        } else {
          out.unicodeScalars.append(scalar)
        }
      }
    }
    return out + "\""
  }

  /// Whether a string must be quoted to read back as the same string.
  static func needsQuotes(_ text: String) -> Bool {
    guard let first = text.unicodeScalars.first, let last = text.unicodeScalars.last else {
      return true
    }
    let safe = text.unicodeScalars.allSatisfy {
      ($0.properties.isAlphabetic || $0.properties.numericType != nil
        || "_-./".unicodeScalars.contains($0))
    }
    return !safe || isNumber(text) || isLiteral(text) || "-.".unicodeScalars.contains(first)
      || last == "."
  }
}
