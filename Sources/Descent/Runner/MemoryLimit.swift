import Foundation

/// The memory the runs of an experiment may use: the machine's physical memory, or the limit of
/// the control group the process runs in (a container's, a Slurm job's) when that is lower, or
/// what `DESCENT_MEMORY_LIMIT` says.
///
/// Experiment files are checked against it (`Experiment.load`), so that a batch whose
/// activations cannot fit is refused with the estimate and the limit before anything trains,
/// not found by the kernel's OOM killer an hour in.
public struct MemoryLimit: Sendable, Hashable, CustomStringConvertible {
  /// Where the limit comes from, for messages.
  public enum Source: Sendable, Hashable {
    /// The machine's physical memory.
    case physicalMemory
    /// The limit file of the process's control group.
    case controlGroup(path: String)
    /// `DESCENT_MEMORY_LIMIT`.
    case environment
    /// Given by the caller.
    case given
  }

  /// The environment variable that sets the limit, in bytes, in place of the machine's.
  public static let variable = "DESCENT_MEMORY_LIMIT"

  public var bytes: Double
  public var source: Source

  public init(bytes: Double, source: Source = .given) {
    self.bytes = bytes
    self.source = source
  }

  /// The limit as a message gives it: "this machine has 23.4 GB".
  public var description: String {
    let amount = MemoryLimit.format(bytes)
    switch source {
    case .physicalMemory: return "this machine has \(amount)"
    case .controlGroup(let path): return "this process's control group allows \(amount) (\(path))"
    case .environment: return "\(Self.variable) allows \(amount)"
    case .given: return "the limit is \(amount)"
    }
  }

  /// The limit for this process: `DESCENT_MEMORY_LIMIT` when set, else the lower of the
  /// physical memory and the control group's limit.
  ///
  /// - Throws: `Diagnostic` when `DESCENT_MEMORY_LIMIT` is not a positive whole number of bytes.
  public static func current(
    environment: [String: String] = ProcessInfo.processInfo.environment
  ) throws(Diagnostic) -> MemoryLimit {
    if let text = environment[variable] {
      guard let bytes = UInt64(text.trimmingCharacters(in: .whitespaces)), bytes > 0 else {
        throw Diagnostic(
          file: variable,
          message:
            "expected a positive whole number of bytes, found \(YAMLScalar.doubleQuoted(text))")
      }
      return MemoryLimit(bytes: Double(bytes), source: .environment)
    }
    let physical = MemoryLimit(
      bytes: Double(ProcessInfo.processInfo.physicalMemory), source: .physicalMemory)
    guard let group = controlGroupLimit(), group.bytes < physical.bytes else { return physical }
    return group
  }

  /// The lowest memory limit among the process's control group and its ancestors, cgroup v2
  /// (`memory.max`) or v1 (`memory.limit_in_bytes`), or `nil` when none is set.
  ///
  /// - Parameters:
  ///   - membership: the text of `/proc/self/cgroup`.
  ///   - root: where the control group file systems are mounted.
  static func controlGroupLimit(
    membership: String? = try? String(contentsOfFile: "/proc/self/cgroup", encoding: .utf8),
    root: String = "/sys/fs/cgroup"
  ) -> MemoryLimit? {
    var files: [String] = []
    for line in (membership ?? "").split(separator: "\n") {
      // hierarchy-ID:controllers:path
      let fields = line.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
      guard fields.count == 3, fields[2].hasPrefix("/") else { continue }
      let controllers = fields[1].split(separator: ",")
      let (folder, name): (String, String)
      if fields[0] == "0" && controllers.isEmpty {
        (folder, name) = (root, "memory.max")
      } else if controllers.contains("memory") {
        (folder, name) = (root + "/memory", "memory.limit_in_bytes")
      } else {
        continue
      }
      // The group and each of its ancestors up to the root group; a container sees its own
      // group as the root.
      var path = String(fields[2])
      while true {
        files.append(folder + (path == "/" ? "" : path) + "/" + name)
        guard path != "/" else { break }
        path = String(path[..<(path.lastIndex(of: "/") ?? path.startIndex)])
        if path.isEmpty { path = "/" }
      }
    }
    var lowest: MemoryLimit?
    for file in files {
      guard let text = try? String(contentsOfFile: file, encoding: .utf8),
        let value = UInt64(text.trimmingCharacters(in: .whitespacesAndNewlines)),
        // cgroup v1 writes "no limit" as a number near 2^63.
        value < 1 << 62
      else { continue }
      if Double(value) < lowest?.bytes ?? .infinity {
        lowest = MemoryLimit(bytes: Double(value), source: .controlGroup(path: file))
      }
    }
    return lowest
  }

  /// Bytes in SI units with one decimal, as messages write them: `312.4 GB`, `900 B`.
  public static func format(_ bytes: Double) -> String {
    let units = ["kB", "MB", "GB", "TB", "PB", "EB"]
    guard bytes >= 1000 else { return "\(Int(bytes)) B" }
    var value = bytes / 1000
    var unit = 0
    while value >= 999.95 && unit < units.count - 1 {
      value /= 1000
      unit += 1
    }
    return String(format: "%.1f", value) + " " + units[unit]
  }
}
