/// Results folders that cannot be merged, and why.
public struct MergeError: Error, Sendable, CustomStringConvertible {
  public var description: String

  init(_ description: String) {
    self.description = description
  }

  /// Runs finished in none of the folders: names them, and the commands that would train them.
  init(missingRuns missing: [Manifest.Run], of shards: [ResultFiles]) {
    let total = shards[0].manifest.runs.count
    let name = shards[0].experiment
    let listed = missing.prefix(10).map(\.id).joined(separator: ", ")
    let more = missing.count > 10 ? " and \(missing.count - 10) more" : ""
    var text =
      "cannot merge \(name): \(missing.count) of \(total) runs are finished in none of the "
      + "folders: \(listed)\(more)"
    // Shards of one split: name the missing shards. Otherwise `descent run FILE` trains the
    // sweep (resuming in a folder that holds part of it).
    let counts = shards.map { $0.shard.flatMap { try? Shard(parsing: $0) }?.count }
    var commands = ["descent run FILE"]
    if let count = counts[0], counts.allSatisfy({ $0 == count }) {
      let numbers = Set(missing.map { $0.index % count + 1 }).sorted()
      commands = numbers.map { "descent run FILE --shard \($0)/\(count)" }
      text += "; train the missing shard\(numbers.count == 1 ? "" : "s") with "
    } else {
      text += "; train them with "
    }
    text +=
      commands.joined(separator: " and ") + " (FILE: the experiment file of \(name)) and merge "
      + "again with the new folder\(commands.count == 1 ? "" : "s")"
    self.description = text
  }
}
