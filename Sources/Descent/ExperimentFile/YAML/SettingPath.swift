/// The dotted name of a setting, such as `optimizer.lr` or `model.layers.0.dense`: how sweeps,
/// `--set` and messages address any value of an experiment.
struct SettingPath: Sendable, Hashable, CustomStringConvertible {
  /// Mapping keys, or list indices written as numbers.
  var components: [String]

  init(_ components: [String]) {
    self.components = components
  }

  /// Splits `dotted` at its dots, except that the keys of `sweep.grid`, `sweep.zip`,
  /// `sweep.random.space` and an expectation's `where` are dotted keys themselves and stay whole:
  /// `sweep.grid.optimizer.lr` is the key `optimizer.lr` of `sweep.grid`.
  init(dotted: String) {
    let parts = dotted.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
    let holders: [[String]] = [
      ["sweep", "grid"], ["sweep", "zip"], ["sweep", "random", "space"],
    ]
    for holder in holders
    where parts.count > holder.count && Array(parts.prefix(holder.count)) == holder {
      components = holder + [parts.dropFirst(holder.count).joined(separator: ".")]
      return
    }
    if parts.count > 3, parts[0] == "expect", parts[2] == "where" {
      components = Array(parts.prefix(3)) + [parts.dropFirst(3).joined(separator: ".")]
      return
    }
    components = parts
  }

  var description: String { components.joined(separator: ".") }

  /// Whether every component is a non-empty name.
  var isWellFormed: Bool { !components.isEmpty && components.allSatisfy { !$0.isEmpty } }

  /// The path of a key inside the mapping this path names.
  func appending(_ key: String) -> SettingPath {
    SettingPath(components + [key])
  }

  /// The dotted text of the path of `key` inside the mapping at dotted path `parent`.
  static func join(_ parent: String, _ key: String) -> String {
    parent.isEmpty ? key : parent + "." + key
  }
}
