/// One of `count` parts of a sweep, numbered from 1 (`--shard K/N`), for splitting a sweep over
/// the jobs of a scheduler: a Slurm job array, a Kubernetes Indexed Job, a CI matrix.
///
/// Shard K holds the runs whose sweep index `i` has `i % N == K - 1`: every N-th run, starting
/// at run K - 1. The split depends only on the sweep's order, so every job computes the same
/// split from the same file, the shards are balanced (their sizes differ by at most one), and
/// the configurations of a grid are spread over the shards rather than one configuration's
/// seeds landing on one machine.
public struct Shard: Sendable, Hashable, CustomStringConvertible {
  /// K, from 1.
  public var number: Int
  /// N, at least 1.
  public var count: Int

  /// The shard `number` of `count`; `nil` unless `1 <= number <= count`.
  public init?(number: Int, count: Int) {
    guard count >= 1, (1...count).contains(number) else { return nil }
    self.number = number
    self.count = count
  }

  /// Reads `K/N`, such as `2/4`.
  ///
  /// - Throws: `ShardError` saying what is expected.
  public init(parsing text: String) throws(ShardError) {
    let parts = text.split(separator: "/", omittingEmptySubsequences: false)
    guard parts.count == 2, let number = Int(parts[0]), let count = Int(parts[1]) else {
      throw ShardError(text: text, reason: "expected K/N, such as 2/4, or auto")
    }
    guard count >= 1 else {
      throw ShardError(text: text, reason: "the number of shards N must be at least 1")
    }
    guard let shard = Shard(number: number, count: count) else {
      throw ShardError(
        text: text, reason: "the shard number K must be between 1 and \(count)")
    }
    self = shard
  }

  /// `K/N`.
  public var description: String { "\(number)/\(count)" }

  /// Whether the run at sweep position `index` belongs to this shard.
  public func contains(_ index: Int) -> Bool {
    index % count == number - 1
  }
}

/// A `--shard` value that is not `K/N` with `1 <= K <= N`, or an `auto` that the environment
/// does not settle.
public struct ShardError: Error, Sendable, Equatable, CustomStringConvertible {
  public var description: String

  /// `text` is wrong for `reason`.
  init(text: String, reason: String) {
    description = "\(reason), found \"\(text)\""
  }

  init(_ description: String) {
    self.description = description
  }
}
