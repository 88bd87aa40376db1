/// Numbers written into the resolved configuration and the model summary.
package enum NumberText {
  /// Swift's shortest representation that reads back to the same `Double` (`0.1`, `30.0`),
  /// with `.0` before an exponent (`1.0e-08`) so that YAML 1.1 readers such as PyYAML read a
  /// number too.
  package static func yaml(_ value: Double) -> String {
    let text = "\(value)"
    guard let exponent = text.firstIndex(where: { $0 == "e" || $0 == "E" }),
      !text[..<exponent].contains(".")
    else { return text }
    return text[..<exponent] + ".0" + text[exponent...]
  }
}
