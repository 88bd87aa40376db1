/// The valid name a mistyped one most likely meant, for "did you mean" hints.
enum KeySuggestion {
  /// Names other tools use for Descent's keys.
  private static let aliases: [String: String] = [
    "learning_rate": "lr", "epsilon": "eps", "scheduler": "schedule", "lr_scheduler": "schedule",
    "optim": "optimizer", "max_epochs": "epochs", "batchsize": "batch_size", "layer": "layers",
    "units": "dense", "activations": "activation", "nesterov_momentum": "nesterov",
  ]

  /// The candidate nearest to `word` by edit distance (with transpositions), when it is near
  /// enough to be a typo: at most one edit per three letters, and never more than three. A
  /// candidate that begins with `word` also counts (`batch` for `batch_size`).
  static func nearest(to word: String, in candidates: [String]) -> String? {
    if let alias = aliases[word.lowercased()], candidates.contains(alias) { return alias }
    let limit = max(1, min(3, word.count / 3))
    var best: (name: String, distance: Int)?
    for candidate in candidates {
      let distance = editDistance(word.lowercased(), candidate)
      if distance <= limit, distance < (best?.distance ?? .max) { best = (candidate, distance) }
    }
    if let best { return best.name }
    return word.count >= 3 ? candidates.first { $0.hasPrefix(word.lowercased()) } : nil
  }

  /// The optimal-string-alignment distance: insertions, deletions, substitutions and swaps of
  /// two neighbouring letters each cost one.
  static func editDistance(_ a: String, _ b: String) -> Int {
    let a = Array(a)
    let b = Array(b)
    if a.isEmpty || b.isEmpty { return max(a.count, b.count) }
    var table = [[Int]](repeating: [Int](repeating: 0, count: b.count + 1), count: a.count + 1)
    for i in 0...a.count { table[i][0] = i }
    for j in 0...b.count { table[0][j] = j }
    for i in 1...a.count {
      for j in 1...b.count {
        let cost = a[i - 1] == b[j - 1] ? 0 : 1
        table[i][j] = min(table[i - 1][j] + 1, table[i][j - 1] + 1, table[i - 1][j - 1] + cost)
        if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
          table[i][j] = min(table[i][j], table[i - 2][j - 2] + 1)
        }
      }
    }
    return table[a.count][b.count]
  }
}
