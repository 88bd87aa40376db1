/// A swept setting of a run: the dotted key and its value as written in YAML.
struct Setting: Sendable, Hashable {
  var key: String
  var value: String

  /// `key=value`, or `name=value` with the key's last component only when `short`.
  func label(short: Bool) -> String {
    "\(short ? Setting.shortName(key) : key)=\(value)"
  }

  /// The last component of a dotted key: `lr` for `optimizer.lr`.
  static func shortName(_ key: String) -> String {
    key.split(separator: ".").last.map(String.init) ?? key
  }
}
