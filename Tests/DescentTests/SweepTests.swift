import Foundation
import Testing

@testable import Descent
@testable import DescentEngine

/// Sweep expansion: order and count of runs, seeds, random draws, run ids, the run limit, and
/// swept values checked like the file.
struct SweepTests {
  private static func file(_ sweep: String) -> String {
    ExperimentFile.minimal + "\nsweep:\n" + sweep
  }

  private static func settings(_ experiment: Experiment) -> [String] {
    experiment.runs.map { run in run.settings.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
    }
  }

  // MARK: Order and count

  @Test func gridIsTheCartesianProductWithTheFirstKeySlowest() throws {
    let experiment = try ExperimentFile.load(
      Self.file(
        """
          grid:
            optimizer.momentum: [0.0, 0.9]
            optimizer.lr: [0.01, 0.05, 0.1]
        """))
    #expect(
      Self.settings(experiment) == [
        "optimizer.momentum=0.0 optimizer.lr=0.01",
        "optimizer.momentum=0.0 optimizer.lr=0.05",
        "optimizer.momentum=0.0 optimizer.lr=0.1",
        "optimizer.momentum=0.9 optimizer.lr=0.01",
        "optimizer.momentum=0.9 optimizer.lr=0.05",
        "optimizer.momentum=0.9 optimizer.lr=0.1",
      ])
    #expect(experiment.runs.map(\.index) == Array(0..<6))
    let last = experiment.runs[5].configuration.training.optimizer
    #expect(last.momentum == 0.9)
    #expect(last.learningRate == 0.1)
  }

  @Test func zipAdvancesItsKeysTogether() throws {
    let experiment = try ExperimentFile.load(
      Self.file(
        """
          zip:
            optimizer.name: [sgd, adam]
            optimizer.lr: [0.1, 0.001]
        """))
    #expect(
      Self.settings(experiment) == [
        "optimizer.name=sgd optimizer.lr=0.1", "optimizer.name=adam optimizer.lr=0.001",
      ])
    #expect(experiment.runs.map(\.configuration.training.optimizer.name) == [.sgd, .adam])
    #expect(experiment.runs.map(\.id) == ["optimizer-sgd_lr-0.1", "optimizer-adam_lr-0.001"])
  }

  @Test func zipListsMustHaveEqualLengths() {
    #expect(
      ExperimentFile.problems(
        Self.file(
          """
            zip:
              optimizer.lr: [0.1, 0.2, 0.3]
              training.batch_size: [8, 16]
          """)) == [
          "x.yaml:11:5: sweep.zip.training.batch_size: expected 3 values like sweep.zip.optimizer.lr, found 2"
        ])
  }

  @Test func axesCombineGridThenZipThenRandomThenSeeds() throws {
    let experiment = try ExperimentFile.load(
      Self.file(
        """
          grid: {data.normalize: [standard, minmax]}
          zip: {training.epochs: [1, 2], training.batch_size: [8, 16]}
          random: {samples: 2, space: {optimizer.lr: {choice: [0.1, 0.2, 0.3, 0.4, 0.5]}}}
          seeds: [7, 8]
        """))
    #expect(experiment.runs.count == 2 * 2 * 2 * 2)
    let lines = Self.settings(experiment)
    let samples = experiment.runs.prefix(4).map { $0.settings[3].value }
    // Seeds innermost: the two seeds of one configuration are adjacent.
    #expect(samples[0] == samples[1] && samples[2] == samples[3])
    #expect(
      lines[0]
        == "data.normalize=standard training.epochs=1 training.batch_size=8 optimizer.lr=\(samples[0]) seed=7"
    )
    #expect(
      lines[1]
        == "data.normalize=standard training.epochs=1 training.batch_size=8 optimizer.lr=\(samples[0]) seed=8"
    )
    #expect(
      lines[2]
        == "data.normalize=standard training.epochs=1 training.batch_size=8 optimizer.lr=\(samples[2]) seed=7"
    )
    #expect(
      lines[4]
        == "data.normalize=standard training.epochs=2 training.batch_size=16 optimizer.lr=\(samples[0]) seed=7"
    )
    // The same random samples at every grid and zip point.
    #expect(
      lines[8]
        == "data.normalize=minmax training.epochs=1 training.batch_size=8 optimizer.lr=\(samples[0]) seed=7"
    )
    #expect(experiment.runs[15].configuration.data.normalize == .minmax)
    #expect(experiment.runs[15].configuration.training.epochs == 2)
  }

  // MARK: Seeds

  @Test func eachRunsSeedIsTheBaseSeedPlusItsSeedsAxisValue() throws {
    let experiment = try ExperimentFile.load(
      "seed: 100\n"
        + Self.file(
          """
            grid: {optimizer.momentum: [0.0, 0.9]}
            seeds: [1, 2, 3]
          """))
    #expect(experiment.runs.map(\.configuration.training.seed) == [101, 102, 103, 101, 102, 103])
    // The split stays with the base seed in every run.
    #expect(experiment.runs.allSatisfy { $0.configuration.data.seed == 100 })
    #expect(experiment.runs.map { $0.settings.last?.value } == ["1", "2", "3", "1", "2", "3"])
    #expect(experiment.runs[0].resolvedYAML.hasPrefix("seed: 101\n"))
  }

  @Test func withoutASeedsAxisEveryRunUsesTheBaseSeed() throws {
    let experiment = try ExperimentFile.load(
      "seed: 42\n" + Self.file("  grid: {optimizer.lr: [0.1, 0.2, 0.3]}"))
    #expect(experiment.runs.map(\.configuration.training.seed) == [42, 42, 42])
  }

  @Test func seedsDoNotDependOnTheSweepPosition() throws {
    let small = try ExperimentFile.load(Self.file("  seeds: [5]"))
    let large = try ExperimentFile.load(
      Self.file(
        """
          grid: {optimizer.lr: [0.01, 0.02, 0.03], training.batch_size: [4, 8]}
          seeds: [9, 5]
        """))
    let seed = try #require(small.runs.first?.configuration.training.seed)
    #expect(
      large.runs.filter { $0.settings.last?.value == "5" }.allSatisfy {
        $0.configuration.training.seed == seed
      })
  }

  @Test func armsWithTheSameSeedStartFromTheSameWeights() throws {
    let experiment = try ExperimentFile.load(
      Self.file(
        """
          grid: {optimizer.momentum: [0.0, 0.9]}
          seeds: [1, 2]
        """))
    func initialWeights(_ run: RunSpec) -> [Float] {
      let settings = run.configuration.trainingSettings(trainingRows: 120)
      return Trainer(settings: settings, featureCount: 4, trainingRows: 120).network.parameters
    }
    let weights = experiment.runs.map(initialWeights)
    #expect(weights[0] == weights[2])  // seed 1, momentum 0.0 and 0.9
    #expect(weights[1] == weights[3])  // seed 2
    #expect(weights[0] != weights[1])
  }

  @Test func seedsMustBeDistinctIntegers() {
    #expect(
      ExperimentFile.problems(Self.file("  seeds: [1, 2, 1, x]")) == [
        "x.yaml:9:17: sweep.seeds.2: duplicate seed 1",
        "x.yaml:9:20: sweep.seeds.3: expected an integer >= 0, found \"x\"",
      ])
  }

  // MARK: Random search

  @Test func randomSamplesAreDeterministicAndInsideTheirSpace() throws {
    let file = Self.file(
      """
        random:
          samples: 20
          space:
            optimizer.lr: {log_uniform: [1.0e-4, 1.0]}
            optimizer.momentum: {uniform: [0.5, 0.99]}
            training.batch_size: {int: [8, 12]}
            data.normalize: {choice: [standard, minmax]}
      """)
    let experiment = try ExperimentFile.load(file)
    #expect(experiment.runs.count == 20)
    #expect(Self.settings(try ExperimentFile.load(file)) == Self.settings(experiment))
    for run in experiment.runs {
      let training = run.configuration.training
      #expect((1e-4...1.0).contains(training.optimizer.learningRate))
      #expect((0.5...0.99).contains(training.optimizer.momentum))
      #expect((8...12).contains(training.batchSize))
      // Drawn numbers have at most four significant digits.
      let lr = try #require(run.settings.first { $0.key == "optimizer.lr" }?.value)
      #expect(lr.filter(\.isNumber).drop { $0 == "0" }.count <= 4, "\(lr)")
    }
    #expect(Set(experiment.runs.map(\.configuration.training.batchSize)).count > 1)
    #expect(Set(experiment.runs.map(\.configuration.data.normalize)) == [.standard, .minmax])

    let reseeded = try ExperimentFile.load(
      file.replacingOccurrences(of: "samples: 20", with: "samples: 20\n    seed: 99"))
    #expect(Self.settings(reseeded) != Self.settings(experiment))
  }

  @Test func haltonSamplesAreTheSequenceMappedOntoTheSpace() throws {
    // Halton in bases 2 and 3 from index 1: (1/2, 1/3), (1/4, 2/3), (3/4, 1/9), (1/8, 4/9);
    // a log-uniform rate over [1e-4, 1] is 10^(-4 + 4u), the choice the (3u)-th value.
    let experiment = try ExperimentFile.load(
      Self.file(
        """
          random:
            samples: 4
            sequence: halton
            space:
              optimizer.lr: {log_uniform: [1.0e-4, 1.0]}
              data.normalize: {choice: [standard, minmax, none]}
        """))
    #expect(
      experiment.runs.map { $0.settings.map(\.value) } == [
        ["0.01", "minmax"], ["0.001", "none"], ["0.1", "standard"], ["0.0003162", "minmax"],
      ])
  }

  @Test func randomSpacesAreChecked() {
    #expect(
      ExperimentFile.problems(
        Self.file(
          """
            random:
              space:
                optimizer.lr: {log_uniform: [0, 1]}
                optimizer.momentum: {uniform: [0.9, 0.5]}
                training.batch_size: {normal: [8, 12]}
          """)) == [
          "x.yaml:9:3: sweep.random.samples: missing required key; expected an integer >= 1",
          "x.yaml:11:36: sweep.random.space.optimizer.lr.log_uniform.0: expected a positive number, found 0",
          "x.yaml:12:37: sweep.random.space.optimizer.momentum.uniform: expected [low, high] with low < high, found [0.9, 0.5]",
          "x.yaml:13:29: sweep.random.space.training.batch_size: expected one of uniform, log_uniform, int, choice, found \"normal\"",
        ])
  }

  // MARK: Swept values are checked like the file

  @Test func aBadSweptValueIsReportedWhereTheSweepWritesIt() {
    #expect(
      ExperimentFile.problems(
        Self.file("  grid: {optimizer.momentum: [0.0, 1.5], model.layers.1.dense: [3, 4]}")) == [
          "x.yaml:9:36: optimizer.momentum: expected a number in [0, 1), found 1.5",
          "x.yaml:9:68: model.layers.1.dense: expected 3 outputs for cross_entropy on iris (3 classes), found 4",
        ])
  }

  @Test func aSweptKeyWithATypoIsReportedWithASuggestion() {
    #expect(
      ExperimentFile.problems(Self.file("  grid: {optimizer.momentun: [0.0, 0.9]}")) == [
        "x.yaml:9:10: optimizer.momentun: unknown key; did you mean 'momentum'?"
      ])
  }

  @Test func theSweepCannotSetTheExperimentsOwnKeys() {
    #expect(
      ExperimentFile.problems(Self.file("  grid: {name: [a, b]}")) == [
        "x.yaml:9:10: sweep.grid.name: name cannot be swept; sweep settings under seed, data, model, loss, optimizer, schedule, training"
      ])
  }

  @Test func aKeyIsSweptByOneAxisOnly() {
    #expect(
      ExperimentFile.problems(
        Self.file(
          """
            grid: {optimizer.lr: [0.1, 0.2]}
            random: {samples: 2, space: {optimizer.lr: {uniform: [0.1, 0.2]}}}
          """)) == [
          "x.yaml:10:32: sweep.random.space.optimizer.lr: already swept by sweep.grid"
        ])
  }

  @Test func theFilesOwnProblemsAreReportedBesideTheSweeps() {
    let file = Self.file("  seeds: [-1]").replacingOccurrences(of: "lr: 0.1", with: "lr: 0")
    #expect(
      ExperimentFile.problems(file) == [
        "x.yaml:7:28: optimizer.lr: expected a positive number, found 0",
        "x.yaml:9:11: sweep.seeds.0: expected an integer >= 0, found -1",
      ])
  }

  // MARK: The run limit

  @Test func aSweepPastTheLimitFailsBeforeExpanding() {
    // 10^12 grid points times 10^9 samples: counted, never expanded.
    let values = "[" + (1...10).map(String.init).joined(separator: ", ") + "]"
    let keys = [
      "optimizer.lr", "optimizer.momentum", "optimizer.dampening", "optimizer.weight_decay",
      "training.epochs", "training.batch_size", "data.validation", "data.seed", "seed",
      "model.layers.0.dense", "optimizer.clip_norm", "optimizer.clip_value",
    ]
    let grid = keys.map { "    \($0): \(values)" }.joined(separator: "\n")
    let file = Self.file(
      "  grid:\n" + grid
        + "\n  random: {samples: 1000000000, space: {optimizer.nesterov: {choice: [true]}}}")
    #expect(
      ExperimentFile.problems(file) == [
        "x.yaml:8:1: sweep: expands to about 1e+21 runs, more than the limit of 5000; narrow the sweep or raise sweep.max_runs"
      ])
  }

  @Test func theLimitComesFromTheFileOrTheCaller() throws {
    let file = Self.file("  grid: {optimizer.lr: [0.1, 0.2, 0.3]}\n  seeds: [1, 2]")
    #expect(
      ExperimentFile.problems(file, maxRuns: 4) == [
        "x.yaml:8:1: sweep: expands to 6 runs, more than the limit of 4; narrow the sweep or raise sweep.max_runs"
      ])
    #expect(try ExperimentFile.load(file + "\n  max_runs: 6", maxRuns: 4).runs.count == 6)
    #expect(
      ExperimentFile.problems(file + "\n  max_runs: 5") == [
        "x.yaml:8:1: sweep: expands to 6 runs, more than the limit of 5; narrow the sweep or raise sweep.max_runs"
      ])
  }

  // MARK: Run ids

  @Test func runIdsNameTheSweptSettings() throws {
    let experiment = try ExperimentFile.load(
      Self.file(
        """
          grid:
            optimizer.momentum: [0.0, 0.9]
            optimizer.lr: [0.05]
          seeds: [1, 2]
        """))
    #expect(
      experiment.runs.map(\.id) == [
        "momentum-0.0_lr-0.05_seed-1", "momentum-0.0_lr-0.05_seed-2",
        "momentum-0.9_lr-0.05_seed-1", "momentum-0.9_lr-0.05_seed-2",
      ])
    // Stable: the same file gives the same ids and hashes.
    let again = try ExperimentFile.load(
      Self.file(
        """
          grid:
            optimizer.momentum: [0.0, 0.9]
            optimizer.lr: [0.05]
          seeds: [1, 2]
        """))
    #expect(again.runs.map(\.id) == experiment.runs.map(\.id))
    #expect(again.runs.map(\.configHash) == experiment.runs.map(\.configHash))
    #expect(Set(experiment.runs.map(\.configHash)).count == 4)
  }

  @Test func runIdsSpellOutKeysThatShareAName() throws {
    let file = """
      data: {source: iris}
      model: {layers: [{dense: 8, activation: relu}, {dense: 8, activation: tanh}, {dense: 3}]}
      loss: cross_entropy
      optimizer: {name: adam}
      sweep:
        grid:
          model.layers.0.dense: [16]
          model.layers.1.dense: [4]
          model.layers.0.activation: [relu, {leaky_relu: {slope: 0.2}}]
          optimizer.betas: [[0.9, 0.999]]
          data.source: [iris]
      """
    #expect(
      try ExperimentFile.load(file).runs.map(\.id) == [
        "model.layers.0.dense-16_model.layers.1.dense-4_activation-relu_betas-0_source-iris",
        "model.layers.0.dense-16_model.layers.1.dense-4_activation-1_betas-0_source-iris",
      ])
  }

  @Test func runIdsThatWouldCollideGetTheirPositionAsAPrefix() throws {
    let experiment = try ExperimentFile.load(
      Self.file("  random: {samples: 12, space: {data.normalize: {choice: [standard, minmax]}}}"))
    let ids = experiment.runs.map(\.id)
    #expect(Set(ids).count == 12)
    #expect(ids[0].hasPrefix("00_normalize-"))
    #expect(ids[11].hasPrefix("11_normalize-"))
    // Characters a file system may not like become underscores.
    let odd = try ExperimentFile.load(
      Self.file("  grid: {data.source: [\"iris\"], optimizer.lr: [1.0e+0]}"))
    #expect(odd.runs.map(\.id) == ["source-iris_lr-1.0e_0"])
    #expect(odd.runs.allSatisfy { Experiment.isSafeFolderName($0.id) })
  }

  @Test func runIdsUseShortNamesForNamesAndListEntries() {
    #expect(
      RunIdentifiers.shortNames([
        "optimizer.lr", "optimizer.name", "schedule.name", "optimizer.betas.1", "data.seed", "seed",
      ]) == ["lr", "optimizer", "schedule", "betas.1", "data.seed", "seed"])
  }

  // MARK: Overrides of the sweep

  @Test func overridesCanSetTheSweep() throws {
    let seeded = try ExperimentFile.load(ExperimentFile.minimal, overrides: ["sweep.seeds=[1,2]"])
    #expect(seeded.runs.map(\.id) == ["seed-1", "seed-2"])
    let gridded = try ExperimentFile.load(
      ExperimentFile.minimal, overrides: ["sweep.grid.optimizer.lr=[0.1, 0.2]"])
    #expect(gridded.runs.map(\.id) == ["lr-0.1", "lr-0.2"])
    let unswept = try ExperimentFile.load(
      Self.file("  seeds: [1, 2, 3]"), overrides: ["sweep=null"])
    #expect(unswept.runs.map(\.id) == ["run"])
    #expect(
      ExperimentFile.problems(ExperimentFile.minimal, overrides: ["sweep.seeds=3"]) == [
        "--set sweep.seeds=3: sweep.seeds: expected a non-empty list of seeds such as [1, 2, 3], found 3"
      ])
  }
}
