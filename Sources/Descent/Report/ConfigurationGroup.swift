/// The runs of one configuration: runs that differ only by seed.
struct ConfigurationGroup: Sendable {
  /// The swept settings other than the seed, shared by every run of the group.
  var settings: [Setting]
  /// The group's runs, in sweep order.
  var runs: [RunRecord]

  /// The runs that trained to the end (or stopped early as asked): the only ones averaged.
  var complete: [RunRecord] { runs.filter { $0.status == .complete } }
  var diverged: Int { runs.filter { $0.status == .diverged }.count }
  var failed: Int { runs.filter { $0.status == .failed }.count }
  var pending: Int { runs.filter { $0.status == nil }.count }
  /// Runs successive halving stopped at a rung of a study.
  var halted: Int { runs.filter { $0.status == .halted }.count }

  /// `optimizer.momentum=0.9, optimizer.lr=0.01`; with `short`, `momentum=0.9, lr=0.01` when
  /// the short names are distinct. A sweep with a single configuration is `all runs`.
  func label(short: Bool = false) -> String {
    guard !settings.isEmpty else { return "all runs" }
    let names = settings.map { Setting.shortName($0.key) }
    let useShort = short && Set(names).count == names.count
    return settings.map { $0.label(short: useShort) }.joined(separator: ", ")
  }

  /// The value of swept setting `key`, if the group has it.
  func value(of key: String) -> String? {
    settings.first { $0.key == key }?.value
  }

  /// Summarizes `measure` over the complete runs that have a value for it.
  func summary(_ measure: (RunRecord) -> Double?) -> SampleSummary? {
    SampleSummary(complete.compactMap(measure))
  }

  /// Groups `runs` by their settings, groups in the order of their first run.
  static func grouping(_ runs: [RunRecord]) -> [ConfigurationGroup] {
    var groups: [ConfigurationGroup] = []
    var positions: [[Setting]: Int] = [:]
    for run in runs {
      if let position = positions[run.settings] {
        groups[position].runs.append(run)
      } else {
        positions[run.settings] = groups.count
        groups.append(ConfigurationGroup(settings: run.settings, runs: [run]))
      }
    }
    return groups
  }
}
