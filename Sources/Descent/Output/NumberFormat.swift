import Foundation

/// How numbers appear in Descent's CSV and JSON files: the shortest text that reads back as the
/// same `Double` (Swift's own rule, the same on every platform), `nan` and `inf` spelled out,
/// and nothing at all for a value that does not exist.
enum NumberFormat {
  static func csv(_ value: Double?) -> String {
    guard let value else { return "" }
    if value.isNaN { return "nan" }
    if value.isInfinite { return value > 0 ? "inf" : "-inf" }
    return "\(value)"
  }

  /// A timing, to the millisecond: timings differ from run to run, so more digits only add
  /// noise.
  static func seconds(_ value: Double) -> String {
    csv((value * 1000).rounded() / 1000)
  }

  /// A value rounded for reading in a table, such as `0.9617`.
  static func short(_ value: Double, digits: Int = 4) -> String {
    if value.isNaN { return "nan" }
    if value.isInfinite { return value > 0 ? "inf" : "-inf" }
    var scale = 1.0
    for _ in 0..<digits { scale *= 10 }
    let rounded = (value * scale).rounded() / scale
    var text = "\(rounded)"
    if text.contains("e") { return text }
    if let dot = text.firstIndex(of: ".") {
      let decimals = text.distance(from: dot, to: text.endIndex) - 1
      if decimals < digits { text += String(repeating: "0", count: digits - decimals) }
    } else {
      text += "." + String(repeating: "0", count: digits)
    }
    return text
  }
}

/// A CSV field quoted when it must be (RFC 4180).
func csvField(_ text: String) -> String {
  guard text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else {
    return text
  }
  return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
}
