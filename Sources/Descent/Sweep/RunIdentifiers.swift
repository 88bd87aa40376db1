/// Names the runs of a sweep after their settings: `momentum-0.9_lr-0.05_seed-1`.
///
/// The rule, which is part of the results format:
/// - Each swept setting gives `name-value`, in sweep order, joined by `_`; the seeds axis gives
///   `seed-N` last.
/// - `name` is the last component of the dotted key (`lr` for `optimizer.lr`), with the one
///   before it when the last is a list index (`betas.0`), and the one before it alone when the
///   last is `name` (`optimizer-adam` for `optimizer.name`). Two swept keys that would share a
///   name are both written in full (`model.layers.0.dense-64`).
/// - `value` is the value as written, with every character other than letters, digits, `-`,
///   `_` and `.` replaced by `_`; a mapping with a `name` gives that name (`schedule-cosine`);
///   any other list or mapping gives its position in the sweep's list of values instead.
/// - A run without swept settings is `run`.
/// - When two ids would be equal, ignoring case (as some file systems do), every id gets its
///   sweep position as a zero-padded prefix: `07_lr-0.1`. When an id would be longer than 100
///   characters, every id is `run-` and its padded position instead.
///
/// Ids depend only on the sweep's keys and values, so they are the same on every invocation.
enum RunIdentifiers {
  static let maximumLength = 100

  /// The ids of runs with `settings`, each a list of swept assignments and an optional
  /// seeds-axis value.
  static func make(for runs: [(assignments: [SweepAssignment], seed: UInt64?)]) -> [String] {
    let keys = runs.first?.assignments.map(\.key) ?? []
    let names = shortNames(keys)
    var ids = runs.map { run -> String in
      var parts = zip(names, run.assignments).map { name, assignment in
        name + "-" + valueText(assignment)
      }
      if let seed = run.seed { parts.append("seed-\(seed)") }
      return parts.isEmpty ? "run" : parts.joined(separator: "_")
    }
    let width = String(max(runs.count - 1, 0)).count
    if ids.contains(where: { $0.count > maximumLength }) {
      ids = ids.indices.map { "run-" + padded($0, width) }
    } else if Set(ids.map { $0.lowercased() }).count != ids.count {
      ids = ids.indices.map { padded($0, width) + "_" + ids[$0] }
    }
    return ids
  }

  /// The name each key goes by in ids: its last component, or the whole key when that is
  /// ambiguous.
  static func shortNames(_ keys: [String]) -> [String] {
    let short = keys.map { key -> String in
      let components = SettingPath(dotted: key).components
      guard let last = components.last else { return key }
      if components.count >= 2 {
        let previous = components[components.count - 2]
        if Int(last) != nil { return previous + "." + last }
        if last == "name" { return previous }
      }
      return last
    }
    return zip(keys, short).map { key, name in
      let clashes = short.filter { $0 == name }.count > 1 || name == "seed" && key != "seed"
      return clashes ? key : name
    }
  }

  /// A value as it appears in an id.
  static func valueText(_ assignment: SweepAssignment) -> String {
    // A whole section, such as a schedule, is named by its `name` when it has one.
    let named = assignment.value["name"]?.scalarText
    guard let text = assignment.value.scalarText ?? named else { return "\(assignment.position)" }
    if text.isEmpty { return "null" }
    let safe = text.unicodeScalars.map { scalar -> Character in
      let allowed =
        scalar.isASCII
        && (scalar.properties.isAlphabetic || ("0"..."9").contains(scalar)
          || "-_.".unicodeScalars.contains(scalar))
      return allowed ? Character(scalar) : "_"
    }
    return String(safe)
  }

  private static func padded(_ index: Int, _ width: Int) -> String {
    let digits = String(index)
    return String(repeating: "0", count: width - digits.count) + digits
  }
}
