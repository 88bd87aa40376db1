/// Runs that train side by side share the machine's memory: each loaded experiment's runs fit
/// alone (`Experiment.load` checks them against the limit), and these say how many fit at once.
extension MemoryEstimate {
  /// What `ExperimentRunner` trains at once with `jobs` jobs: `runs` at a time, each with
  /// `threads` threads for its matrix products.
  public struct Parallelism: Sendable, Hashable {
    public var runs: Int
    public var threads: Int

    /// As the runner divides `jobs` among `count` runs: at most one run per job, and the jobs
    /// left over as threads of those runs.
    public init(jobs: Int, count: Int) {
      runs = max(1, min(jobs, count))
      threads = max(1, jobs / runs)
    }
  }

  /// The bytes `runs` need with `jobs` jobs at worst: the largest of them training at once,
  /// each on the threads the runner gives it, and every distinct data set once (the runner
  /// prepares them all before training).
  ///
  /// Runs without an estimate count for nothing.
  public static func bytes(of runs: [RunSpec], jobs: Int) -> Double {
    let parallelism = Parallelism(jobs: jobs, count: runs.count)
    let largest = runs.compactMap {
      $0.configuration.memory?.runBytes(threads: parallelism.threads)
    }
    .sorted(by: >).prefix(parallelism.runs)
    var data: [DataSettings: Double] = [:]
    for run in runs { data[run.configuration.data] = run.configuration.memory?.data ?? 0 }
    return largest.reduce(0, +) + data.values.reduce(0, +)
  }

  /// The most jobs, at most `jobs`, whose runs fit in `limit` together (`bytes(of:jobs:)`);
  /// at least 1, which fits whenever each run fits alone.
  ///
  /// - Complexity: O(log jobs x runs log runs): the bytes grow with the jobs, as more runs
  ///   train at once or, past one job per run, each on more threads.
  public static func jobsThatFit(_ runs: [RunSpec], upTo jobs: Int, limit: MemoryLimit) -> Int {
    var (low, high) = (1, max(1, jobs))
    while low < high {
      let middle = low + (high - low + 1) / 2
      if bytes(of: runs, jobs: middle) <= limit.bytes { low = middle } else { high = middle - 1 }
    }
    return low
  }
}
