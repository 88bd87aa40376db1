import DescentEngine
import Foundation

/// A `--set KEY=VALUE` from the command line: a dotted key and a YAML value, applied to the
/// file's tree before anything is checked, so that the value is checked exactly like the file.
///
/// Messages about an override name it as their file, `--set optimizer.lr=abc: optimizer.lr:
/// expected a positive number, found "abc"`, since it has no line.
struct Override: Sendable {
  var path: SettingPath
  var value: YAMLNode
  var location: InputLocation

  /// Parses `text`, `KEY=VALUE`; VALUE is YAML (`0.1`, `relu`, `[1, 2]`, `{epochs: 1}`) and
  /// may be empty for null.
  static func parse(_ text: String) -> Result<Override, Diagnostic> {
    let location = InputLocation(file: "--set \(text)")
    guard let equals = text.firstIndex(of: "=") else {
      return .failure(location.diagnostic(key: nil, "expected KEY=VALUE, such as optimizer.lr=0.1"))
    }
    let key = String(text[..<equals]).trimmingCharacters(in: .whitespaces)
    let path = SettingPath(dotted: key)
    guard path.isWellFormed else {
      return .failure(
        location.diagnostic(key: nil, "expected a dotted key before '=', such as optimizer.lr"))
    }
    let (node, problems) = YAMLParser(file: location.file).parse(
      String(text[text.index(after: equals)...]))
    guard let node, problems.isEmpty else {
      let problem = problems.first.map { $0.message } ?? "cannot read the value"
      return .failure(location.diagnostic(key: key, problem))
    }
    return .success(Override(path: path, value: node.relocated(to: location), location: location))
  }

  /// Parses `text`, `KEY=V1,V2,...`, a grid axis from the command line: `sweep.grid.KEY` set to
  /// the list of the values, each YAML (`0.1`, `relu`, `[1, 2]`), so that they are typed and
  /// checked like the file's. An axis the file has already is replaced.
  static func sweep(_ text: String) -> Result<Override, Diagnostic> {
    let location = InputLocation(file: "--sweep \(text)")
    guard let equals = text.firstIndex(of: "=") else {
      return .failure(
        location.diagnostic(key: nil, "expected KEY=V1,V2,..., such as optimizer.lr=0.01,0.1"))
    }
    let key = String(text[..<equals]).trimmingCharacters(in: .whitespaces)
    guard SettingPath(dotted: key).isWellFormed, !key.hasPrefix("sweep.") else {
      return .failure(
        location.diagnostic(key: nil, "expected a dotted key before '=', such as optimizer.lr"))
    }
    let values = String(text[text.index(after: equals)...])
    let (node, problems) = YAMLParser(file: location.file).parse("[" + values + "]")
    guard let node, problems.isEmpty, let items = node.items, !items.isEmpty,
      !items.contains(where: \.isNull)
    else {
      return .failure(
        location.diagnostic(
          key: key, "expected values separated by commas, such as 0.01,0.1, found \"\(values)\""))
    }
    return .success(
      Override(
        path: SettingPath(["sweep", "grid", key]), value: node.relocated(to: location),
        location: location))
  }
}
