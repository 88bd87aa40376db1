extension Shard {
  /// A shard taken from a scheduler's environment (`--shard auto`), with the variables it was
  /// read from.
  public struct FromEnvironment: Sendable, Equatable, CustomStringConvertible {
    public var shard: Shard
    /// The scheduler, as in "a Slurm job array".
    public var scheduler: String
    /// The variables read, as `NAME=VALUE`, the index first.
    public var variables: [String]

    /// `shard 2 of 4, from SLURM_ARRAY_TASK_ID=2, ... (a Slurm job array)`.
    public var description: String {
      "shard \(shard.number) of \(shard.count), from \(variables.joined(separator: ", ")) "
        + "(\(scheduler))"
    }
  }

  /// Whether a `--shard` value asks for the shard from the environment: `auto`, or `auto/N`
  /// when the scheduler gives the index but not the count.
  public static func isAutomatic(_ text: String) -> Bool {
    text == "auto" || text.hasPrefix("auto/")
  }

  /// The shard that `auto` or `auto/N` stands for in `environment`, read from the variables
  /// that schedulers set in each task of an array of jobs:
  ///
  /// | scheduler | index | number of tasks |
  /// | --- | --- | --- |
  /// | Slurm job array | `SLURM_ARRAY_TASK_ID` | `SLURM_ARRAY_TASK_COUNT`, or `_MIN`, `_MAX`, `_STEP` |
  /// | Kubernetes Indexed Job | `JOB_COMPLETION_INDEX` (from 0) | `N` of `auto/N` |
  /// | AWS Batch array job | `AWS_BATCH_JOB_ARRAY_INDEX` (from 0) | `N` of `auto/N` |
  /// | Google Cloud Batch | `BATCH_TASK_INDEX` (from 0) | `BATCH_TASK_COUNT` |
  /// | GitLab CI `parallel:` | `CI_NODE_INDEX` (from 1) | `CI_NODE_TOTAL` |
  ///
  /// A Slurm array's task `SLURM_ARRAY_TASK_ID` is shard `(ID - MIN) / STEP + 1`, so
  /// `--array=1-4` and `--array=0-3` both give shards 1 to 4. An empty variable counts as unset.
  ///
  /// - Parameters:
  ///   - text: `auto` or `auto/N`.
  ///   - environment: the process's environment, `ProcessInfo.processInfo.environment`.
  /// - Returns: the shard and the variables it came from.
  /// - Throws: `ShardError` when no scheduler's index is set, a value is not an integer or out
  ///   of range, the number of shards is not known, or two sources disagree (two schedulers,
  ///   Slurm's count and its range, or a scheduler's count and `N`).
  public static func fromEnvironment(
    _ text: String, environment: [String: String]
  ) throws(ShardError) -> FromEnvironment {
    var given: Int?
    if text != "auto" {
      guard text.hasPrefix("auto/"), let count = Int(text.dropFirst(5)) else {
        throw ShardError("\(text): expected auto or auto/N, N the number of shards, such as auto/4")
      }
      guard count >= 1 else {
        throw ShardError("\(text): the number of shards N must be at least 1")
      }
      given = count
    }
    let reading = EnvironmentReading(environment: environment)
    var found: [FromEnvironment] = []
    for scheduler in EnvironmentReading.schedulers where reading.isSet(scheduler.index) {
      found.append(try reading.shard(of: scheduler, given: given, text: text))
    }
    guard let first = found.first else {
      let names = EnvironmentReading.schedulers.map { "\($0.index) (\($0.name))" }
      throw ShardError(
        "\(text): none of the variables that give a task's index is set: "
          + names.joined(separator: ", ")
          + "; run it as a task of one of these, or give the shard as K/N, such as 2/4")
    }
    for other in found.dropFirst() where other.shard != first.shard {
      throw ShardError(
        "\(text): the schedulers' variables disagree: \(first) but \(other); unset the "
          + "variables of the scheduler that does not run this task, or give the shard as K/N")
    }
    return first
  }
}

/// Reads the variables of the schedulers that `Shard.fromEnvironment` knows.
private struct EnvironmentReading {
  /// A scheduler's variables: the task's index, counted from `base`, and the number of tasks.
  struct Scheduler {
    var name: String
    var index: String
    var base: Int
    /// The variable with the number of tasks; `nil` when only `auto/N` gives it.
    var count: String?
    /// What gives the count when `count` is `nil`.
    var countHint: String
  }

  static let slurm = Scheduler(
    name: "a Slurm job array", index: "SLURM_ARRAY_TASK_ID", base: 1,
    count: "SLURM_ARRAY_TASK_COUNT", countHint: "")
  static let schedulers = [
    slurm,
    Scheduler(
      name: "a Kubernetes Indexed Job", index: "JOB_COMPLETION_INDEX", base: 0, count: nil,
      countHint: "the Job's completions"),
    Scheduler(
      name: "an AWS Batch array job", index: "AWS_BATCH_JOB_ARRAY_INDEX", base: 0, count: nil,
      countHint: "the array's size"),
    Scheduler(
      name: "a Google Cloud Batch job", index: "BATCH_TASK_INDEX", base: 0,
      count: "BATCH_TASK_COUNT", countHint: ""),
    Scheduler(
      name: "a GitLab CI parallel job", index: "CI_NODE_INDEX", base: 1, count: "CI_NODE_TOTAL",
      countHint: ""),
  ]

  var environment: [String: String]

  func isSet(_ name: String) -> Bool {
    !(environment[name] ?? "").isEmpty
  }

  /// The integer value of `name`, or `nil` when it is unset.
  func integer(_ name: String, text: String) throws(ShardError) -> Int? {
    guard isSet(name), let value = environment[name] else { return nil }
    guard let number = Int(value) else {
      throw ShardError("\(text): \(name): expected an integer, found \"\(value)\"")
    }
    return number
  }

  func shard(of scheduler: Scheduler, given: Int?, text: String) throws(ShardError)
    -> Shard.FromEnvironment
  {
    if scheduler.index == Self.slurm.index { return try slurmShard(given: given, text: text) }
    let index = try integer(scheduler.index, text: text)!
    var variables = ["\(scheduler.index)=\(index)"]
    var count = given
    if let name = scheduler.count, let total = try integer(name, text: text) {
      variables.append("\(name)=\(total)")
      if let given, given != total {
        throw ShardError(
          "\(text): \(name)=\(total) (\(scheduler.name)) but \(text) says \(given) shards; "
            + "give --shard auto, or auto/\(total)")
      }
      count = total
    }
    guard let count else {
      throw ShardError(
        "\(text): \(scheduler.index)=\(index) (\(scheduler.name)) gives the shard but not the "
          + "number of shards; give it as auto/N, N \(scheduler.countHint)"
          + (scheduler.count.map { " (or set \($0))" } ?? ""))
    }
    return try place(
      index - scheduler.base + 1, of: count, variables: variables, scheduler: scheduler.name,
      range: "\(scheduler.base) to \(count - 1 + scheduler.base)", text: text)
  }

  /// A Slurm array task's shard: `SLURM_ARRAY_TASK_ID` within the range that
  /// `SLURM_ARRAY_TASK_MIN`, `_MAX` and `_STEP` give, counted by `SLURM_ARRAY_TASK_COUNT`.
  func slurmShard(given: Int?, text: String) throws(ShardError) -> Shard.FromEnvironment {
    let name = Self.slurm.name
    let id = try integer("SLURM_ARRAY_TASK_ID", text: text)!
    var variables = ["SLURM_ARRAY_TASK_ID=\(id)"]
    guard let minimum = try integer("SLURM_ARRAY_TASK_MIN", text: text) else {
      throw ShardError(
        "\(text): SLURM_ARRAY_TASK_ID=\(id) is set but SLURM_ARRAY_TASK_MIN, the array's first "
          + "index, is not; Slurm sets both in each task of an array (sbatch --array)")
    }
    variables.append("SLURM_ARRAY_TASK_MIN=\(minimum)")
    let step = try integer("SLURM_ARRAY_TASK_STEP", text: text) ?? 1
    if step != 1 { variables.append("SLURM_ARRAY_TASK_STEP=\(step)") }
    guard step >= 1 else {
      throw ShardError("\(text): SLURM_ARRAY_TASK_STEP: expected at least 1, found \(step)")
    }
    let counted = try integer("SLURM_ARRAY_TASK_COUNT", text: text)
    let maximum = try integer("SLURM_ARRAY_TASK_MAX", text: text)
    if let counted { variables.append("SLURM_ARRAY_TASK_COUNT=\(counted)") }
    if let maximum { variables.append("SLURM_ARRAY_TASK_MAX=\(maximum)") }
    let ranged = maximum.map { ($0 - minimum) / step + 1 }
    if let counted, let ranged, counted != ranged {
      throw ShardError(
        "\(text): SLURM_ARRAY_TASK_COUNT=\(counted) but SLURM_ARRAY_TASK_MIN=\(minimum) to "
          + "SLURM_ARRAY_TASK_MAX=\(maximum!)\(step == 1 ? "" : " by \(step)") makes \(ranged) "
          + "tasks: the array is not a range; submit it as --array=A-B or --array=A-B:STEP")
    }
    if let given, let total = counted ?? ranged, given != total {
      throw ShardError(
        "\(text): the Slurm array has \(total) tasks (\(variables.dropFirst().joined(separator: ", "))) "
          + "but \(text) says \(given) shards; give --shard auto, or auto/\(total)")
    }
    guard let count = counted ?? ranged ?? given else {
      throw ShardError(
        "\(text): SLURM_ARRAY_TASK_ID=\(id) is set but neither SLURM_ARRAY_TASK_COUNT nor "
          + "SLURM_ARRAY_TASK_MAX, which give the number of tasks; Slurm sets them in each task "
          + "of an array (sbatch --array), or give it as auto/N")
    }
    guard (id - minimum) % step == 0 else {
      throw ShardError(
        "\(text): SLURM_ARRAY_TASK_ID=\(id) is not in the array from SLURM_ARRAY_TASK_MIN="
          + "\(minimum) by SLURM_ARRAY_TASK_STEP=\(step)")
    }
    let last = minimum + (count - 1) * step
    return try place(
      (id - minimum) / step + 1, of: count, variables: variables, scheduler: name,
      range: "\(minimum) to \(last)" + (step == 1 ? "" : " by \(step)"), text: text)
  }

  /// Shard `number` of `count`, when the index was in `range`.
  func place(
    _ number: Int, of count: Int, variables: [String], scheduler: String, range: String,
    text: String
  ) throws(ShardError) -> Shard.FromEnvironment {
    guard count >= 1 else {
      throw ShardError(
        "\(text): \(variables.joined(separator: ", ")) (\(scheduler)): the number of shards "
          + "must be at least 1, found \(count)")
    }
    guard let shard = Shard(number: number, count: count) else {
      throw ShardError(
        "\(text): \(variables[0]) is outside \(range), the indexes of \(count) tasks "
          + "(\(variables.joined(separator: ", ")), \(scheduler))")
    }
    return Shard.FromEnvironment(shard: shard, scheduler: scheduler, variables: variables)
  }
}
