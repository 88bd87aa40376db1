import DescentEngine

/// Makes the runs of a study: the tuning candidates of each arm, the candidates edge extension
/// adds, and the confirmation runs of each arm's chosen setting. Each is decoded like a run of
/// a sweep, so a value that does not fit its key is a located problem.
public struct StudyRuns: Sendable {
  public let study: Study
  var decoder: RunDecoder

  /// A setting of an arm's tuning space that the study trains on every tuning seed.
  struct Candidate: Sendable {
    enum Origin: String, Sendable {
      /// A point of the space as written.
      case space
      /// A step beyond the edge of a grid axis where the arm's best value lay.
      case extended
      /// A value between the arm's best and its better neighbour, so that the arm spends the
      /// trial another arm spends extending.
      case refined
    }

    var arm: Int
    var assignments: [SweepAssignment]
    var origin: Origin

    /// `lr=0.05, weight_decay=0.0001`.
    var label: String {
      assignments.isEmpty
        ? "(none)" : assignments.map { "\($0.key)=\($0.value.flowText)" }.joined(separator: ", ")
    }

    /// The value of `key` as a number, when the candidate sets it to one.
    func number(_ key: String) -> Double? {
      assignments.first { $0.key == key }?.value.plainText.flatMap(YAMLScalar.number)
    }
  }

  init(study: Study, decoder: RunDecoder) {
    self.study = study
    self.decoder = decoder
  }

  /// Every arm's candidates as its space lists them, arm after arm.
  func spaceCandidates() -> [Candidate] {
    study.arms.indices.flatMap { arm in
      study.arms[arm].space.configurations().map {
        Candidate(arm: arm, assignments: $0, origin: .space)
      }
    }
  }

  /// The runs of the first rung: every candidate on every tuning seed, indexed in order.
  func tuningRuns() -> Result<[RunSpec], Diagnostics> {
    var copy = self
    var runs: [RunSpec] = []
    var problems: [Diagnostic] = []
    for candidate in spaceCandidates() {
      switch copy.runs(of: candidate, seeds: study.tuningSeeds, phase: "tune") {
      case .success(let made): runs += made
      case .failure(let found): problems += found.problems
      }
    }
    return problems.isEmpty ? .success(Self.indexed(runs)) : .failure(Diagnostics(problems))
  }

  /// The runs of `candidate` on `seeds`, ids `PHASE_ARM_SETTINGS_seed-N`.
  mutating func runs(
    of candidate: Candidate, seeds: [UInt64], phase: String
  ) -> Result<[RunSpec], Diagnostics> {
    let arm = study.arms[candidate.arm]
    let (decoded, problems) = decoder.decode(with: arm.settings + candidate.assignments)
    guard let configuration = decoded else { return .failure(Diagnostics(problems)) }
    let points = seeds.map { (assignments: candidate.assignments, seed: Optional($0)) }
    let ids = RunIdentifiers.make(for: points)
    return .success(
      zip(seeds, ids).map { seed, id in
        var run = configuration
        run.training.seed = Sweep.runSeed(base: configuration.training.seed, value: seed)
        let settings =
          [(key: "phase", value: phase), (key: "arm", value: arm.name)]
          + candidate.assignments.map { (key: $0.key, value: $0.value.flowText) }
          + [(key: "seed", value: "\(seed)")]
        return RunSpec(
          index: 0, id: "\(phase)_\(arm.name)_\(id)", settings: settings, configuration: run,
          resolvedYAML: ResolvedYAML.render(run))
      })
  }

  /// `runs` numbered in order from 0.
  static func indexed(_ runs: [RunSpec]) -> [RunSpec] {
    runs.enumerated().map { index, run in
      var run = run
      run.index = index
      return run
    }
  }
}
