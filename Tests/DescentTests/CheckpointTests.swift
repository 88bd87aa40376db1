import Foundation
import Testing

@testable import Descent
@testable import DescentEngine

/// Checkpoints: a trainer restored from one trains on to the same bits; a damaged or foreign
/// one is refused; `training.checkpoint` is read and reported as every other key; results record
/// what computed them, and a folder of another version's results is refused.
@Suite struct CheckpointTests {
  // MARK: - The state of a trainer

  static let images = Dataset(
    features: normalValues(40 * 2 * 6 * 6, seed: 5).map(Float.init),
    targets: (0..<40).map { Float($0 % 3) }, featureCount: 72, targetWidth: 1,
    featureNames: (0..<72).map { "x\($0)" }, classNames: ["a", "b", "c"],
    exampleShape: .image(channels: 2, height: 6, width: 6))

  static func settings(_ name: OptimizerSettings.Name, schedule: ScheduleSettings)
    -> TrainingSettings
  {
    var optimizer = OptimizerSettings(name)
    optimizer.learningRate = 0.02
    if name == .sgd || name == .rmsprop { optimizer.momentum = 0.9 }
    let convolution = Layer.conv2d(3, kernel: Pair(3), padding: .explicit(Pair(1)), bias: false)
    return TrainingSettings(
      model: ModelSpec(layers: [
        convolution, .batchNorm(), .activation(.relu), .residual([convolution, .batchNorm()]),
        .maxPool2d(Pair(2)), .flatten, .dense(units: 8), .activation(.tanh),
        .dropout(rate: 0.3), .dense(units: 3),
      ]),
      loss: .crossEntropy(labelSmoothing: 0), optimizer: optimizer, schedule: schedule,
      epochs: 6, batchSize: 7, seed: 11)
  }

  static func trainer(_ settings: TrainingSettings) -> Trainer {
    Trainer(
      settings: settings, featureCount: 72, inputShape: images.exampleShape, trainingRows: 40)
  }

  static let schedules: [ScheduleSettings] = {
    var plateau = ScheduleSettings(.plateau)
    plateau.patience = 0
    plateau.factor = 0.5
    var cycle = ScheduleSettings(.oneCycle)
    cycle.cycleMomentum = true
    cycle.interval = .batch
    return [plateau, cycle]
  }()

  @Test(arguments: OptimizerSettings.Name.allCases, [0, 1])
  func aRestoredTrainerTrainsOnToTheSameBits(optimizer: OptimizerSettings.Name, schedule: Int)
    throws
  {
    let settings = Self.settings(optimizer, schedule: Self.schedules[schedule])
    func train(_ trainer: inout Trainer, epochs: Int) -> [Trainer.EpochSummary] {
      (0..<epochs).map { epoch in
        let summary = trainer.trainEpoch(on: Self.images)
        // A metric that gets worse, so that a plateau schedule lowers the rate.
        trainer.observe(Double(epoch))
        return summary
      }
    }
    var straight = Self.trainer(settings)
    let expected = train(&straight, epochs: 6)

    var first = Self.trainer(settings)
    let before = train(&first, epochs: 3)
    var writer = CheckpointWriter()
    first.saveState(to: &writer)
    var resumed = Self.trainer(settings)
    var reader = CheckpointReader(writer.bytes)
    try resumed.restoreState(from: &reader)
    #expect(reader.isAtEnd)
    let after = train(&resumed, epochs: 3)

    #expect(before + after == expected)
    #expect(resumed.network.parameters == straight.network.parameters)
    #expect(resumed.network.buffers == straight.network.buffers)
    #expect(resumed.network.counters == straight.network.counters)
    #expect(resumed.evaluate(Self.images) == straight.evaluate(Self.images))
  }

  @Test func aStateOfAnotherModelIsRefusedAndLeavesTheTrainerAsItWas() throws {
    var small = Self.settings(.sgd, schedule: ScheduleSettings(.constant))
    small.model.layers[6] = .dense(units: 5)
    var other = Self.trainer(small)
    _ = other.trainEpoch(on: Self.images)
    var writer = CheckpointWriter()
    other.saveState(to: &writer)

    var trainer = Self.trainer(Self.settings(.sgd, schedule: ScheduleSettings(.constant)))
    let parameters = trainer.network.parameters
    var reader = CheckpointReader(writer.bytes)
    #expect(throws: CheckpointError.foreign("the parameters: 305 values where this run has 398"))
    {
      try trainer.restoreState(from: &reader)
    }
    #expect(trainer.epoch == 0 && trainer.network.parameters == parameters)
  }

  @Test func everyTruncationOfAStateThrowsInsteadOfCrashing() throws {
    var trainer = Self.trainer(Self.settings(.adam, schedule: ScheduleSettings(.constant)))
    _ = trainer.trainEpoch(on: Self.images)
    var writer = CheckpointWriter()
    trainer.saveState(to: &writer)
    for length in stride(from: 0, to: writer.bytes.count, by: 37) {
      var copy = Self.trainer(Self.settings(.adam, schedule: ScheduleSettings(.constant)))
      var reader = CheckpointReader(Array(writer.bytes[..<length]))
      #expect(throws: CheckpointError.self) { try copy.restoreState(from: &reader) }
    }
  }

  /// An empty list of floats (the state of an optimizer without any) is read without touching the
  /// runtime's shared empty-array storage, which every thread reads: under ThreadSanitizer this
  /// test reports the race that filling that storage "uninitialized" was.
  @Test func anEmptyListOfFloatsIsReadWhileOtherThreadsReadEmptyArrays() throws {
    var writer = CheckpointWriter()
    writer.write([Float]())
    let bytes = writer.bytes
    let counts = Locked([0, 0])
    DispatchQueue.concurrentPerform(iterations: 2) { thread in
      var total = 0
      for _ in 0..<2000 {
        if thread == 0 {
          var reader = CheckpointReader(bytes)
          total += (try? reader.readFloats())?.count ?? 1
        } else {
          total += [Float]().withUnsafeBufferPointer(\.count)
        }
      }
      counts.withLock { $0[thread] = total }
    }
    #expect(counts.withLock { $0 } == [0, 0])
  }

  // MARK: - The file

  /// A folder with `long.yaml`: the digits as images, a checkpoint after every epoch.
  static func experiment(
    in folder: ExperimentFile.Folder, epochs: Int = 6, training: String = "checkpoint: {every: 1}"
  ) throws -> String {
    try folder.write(
      "long.yaml",
      """
      name: long
      seed: 4
      data: {source: digits, shape: [1, 8, 8], validation: 0.2}
      model:
        layers:
          - {conv2d: 4, kernel: 3, padding: 1, bias: false}
          - batch_norm
          - {activation: relu}
          - flatten
          - {dropout: 0.1}
          - {dense: 10}
      loss: cross_entropy
      optimizer: {name: sgd, lr: 0.05, momentum: 0.9}
      training: {epochs: \(epochs), batch_size: 64, \(training)}

      """)
  }

  @Test func aDamagedOrForeignCheckpointIsRefusedWithAMessageAndTheRunStartsOver() throws {
    let folder = try ExperimentFile.Folder()
    let file = try Self.experiment(in: folder, training: "checkpoint: {every: 1}, keep_checkpoint: true")
    let reference = folder.path + "/reference"
    #expect(try descent("run", file, "--out", reference, "--quiet").status == 0)
    let checkpoint = reference + "/long/runs/run/checkpoint.bin"
    let original = try #require(FileManager.default.contents(atPath: checkpoint))
    let curve = try String(contentsOfFile: reference + "/long/runs/run/curve.csv", encoding: .utf8)

    // Writing checkpoints changes no number.
    let without = folder.path + "/without"
    #expect(
      try descent("run", file, "--out", without, "--set", "training.checkpoint=false", "--quiet")
        .status == 0)
    #expect(!FileManager.default.fileExists(atPath: without + "/long/runs/run/checkpoint.bin"))
    let plain = try String(contentsOfFile: without + "/long/runs/run/curve.csv", encoding: .utf8)
    #expect(withoutSeconds(plain) == withoutSeconds(curve))

    var flipped = [UInt8](original)
    flipped[flipped.count / 2] ^= 1
    let cases: [(bytes: Data, reason: String)] = [
      (original.prefix(original.count - 3), "the checkpoint is damaged: its checksum does not match its contents"),
      (Data(flipped), "the checkpoint is damaged: its checksum does not match its contents"),
      (Data("not a checkpoint".utf8), "the checkpoint is damaged: it is not a checkpoint written by descent"),
    ]
    for (bytes, reason) in cases {
      let out = folder.path + "/damaged-\(UUID().uuidString)"
      try FileManager.default.createDirectory(
        atPath: out + "/long/runs/run", withIntermediateDirectories: true)
      try bytes.write(to: URL(fileURLWithPath: out + "/long/runs/run/checkpoint.bin"))
      let run = try descent("run", file, "--out", out, "--quiet")
      #expect(run.status == 0)
      #expect(run.stderr == "long: run: \(reason); the run starts over\n")
      let again = try String(contentsOfFile: out + "/long/runs/run/curve.csv", encoding: .utf8)
      #expect(withoutSeconds(again) == withoutSeconds(curve))
    }

    // A whole checkpoint of another configuration: the seed differs.
    let out = folder.path + "/foreign"
    try FileManager.default.createDirectory(
      atPath: out + "/long/runs/run", withIntermediateDirectories: true)
    try original.write(to: URL(fileURLWithPath: out + "/long/runs/run/checkpoint.bin"))
    let run = try descent("run", file, "--out", out, "--set", "seed=5", "--quiet")
    let experiment = try Experiment.load(path: file, overrides: ["seed=5"])
    #expect(run.status == 0)
    #expect(
      run.stderr
        == "long: run: the checkpoint is not this run's: it belongs to run run of configuration "
        + "\(try Experiment.load(path: file).runs[0].configHash), not to run of "
        + "\(experiment.runs[0].configHash); the run starts over\n")
  }

  @Test func checkpointKeysAreReadWrittenAndLeftOutOfTheHash() throws {
    func run(_ training: String) throws -> RunSpec {
      let experiment = try ExperimentFile.load(
        ExperimentFile.minimal + "\ntraining: {epochs: 2\(training)}\n")
      return experiment.runs[0]
    }
    let standard = try run("")
    #expect(standard.configuration.checkpoint == .afterSeconds(30))
    #expect(standard.resolvedYAML.hasSuffix("  checkpoint: true\n  keep_checkpoint: false\n"))
    let every = try run(", checkpoint: {every: 2}, keep_checkpoint: true")
    #expect(every.configuration.checkpoint == .everyEpochs(2))
    #expect(every.resolvedYAML.hasSuffix("  checkpoint: {every: 2}\n  keep_checkpoint: true\n"))
    let off = try run(", checkpoint: false")
    #expect(off.configuration.checkpoint == .off)
    #expect(Set([standard, every, off].map(\.configHash)).count == 1)
    // config.yaml loads back to the same run.
    let reloaded = try ExperimentFile.load(every.resolvedYAML)
    #expect(reloaded.runs[0].configuration == every.configuration)

    let line = ExperimentFile.minimal.split(separator: "\n").count + 1
    #expect(
      ExperimentFile.problems(ExperimentFile.minimal + "\ntraining: {checkpoint: 3}\n") == [
        "x.yaml:\(line):24: training.checkpoint: expected true, false or {every: N} (a checkpoint "
          + "every N epochs), found 3"
      ])
    #expect(
      ExperimentFile.problems(ExperimentFile.minimal + "\ntraining: {checkpoint: {every: 0}}\n") == [
        "x.yaml:\(line):32: training.checkpoint.every: expected an integer >= 1, found 0"
      ])
    #expect(
      ExperimentFile.problems(ExperimentFile.minimal + "\ntraining: {checkpoint: {evry: 2}}\n") == [
        "x.yaml:\(line):25: training.checkpoint.evry: unknown key; did you mean 'every'?"
      ])
    #expect(
      ExperimentFile.problems(ExperimentFile.minimal + "\ntraining: {checkpoint: {}}\n") == [
        "x.yaml:\(line):24: training.checkpoint: expected true, false or {every: N} (a checkpoint "
          + "every N epochs), found a mapping"
      ])
  }

  @Test func curvesRecordTheMomentumInForceAndThePlotDrawsItWhenItCycles() throws {
    let folder = try ExperimentFile.Folder()
    let file = try folder.write(
      "cycle.yaml",
      ExperimentFile.minimal
        + """

        name: cycle
        schedule: {name: one_cycle, cycle_momentum: true, interval: batch}
        training: {epochs: 4, batch_size: 16}
        sweep:
          grid:
            optimizer.name: [sgd, adam]

        """)
    let run = try descent("run", file, "--out", folder.path, "--quiet")
    #expect(run.status == 0, "\(run.stderr)")
    let experiment = try Experiment.load(path: file)
    for spec in experiment.runs {
      let rows = try String(
        contentsOfFile: folder.path + "/cycle/runs/\(spec.id)/curve.csv", encoding: .utf8
      ).split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false) }
      #expect(rows[0][3] == "momentum")
      let settings = spec.configuration.trainingSettings(trainingRows: 120)
      let schedule = LearningRateSchedule(
        settings: settings.schedule, baseRate: settings.optimizer.learningRate,
        trainingSteps: settings.scheduleSteps(rows: 120))
      for row in rows.dropFirst() {
        // The momentum of the epoch's last step, which was step `step - 1` of the schedule.
        let step = Int(row[1])!
        #expect(row[3] == "\(schedule.momentum(at: step - 1)!)", "\(spec.id)")
      }
    }
    let plot = try String(
      contentsOfFile: folder.path + "/cycle/plots/learning-rate.svg", encoding: .utf8)
    #expect(plot.contains("learning rate and momentum by epoch"))

    // Adagrad has no momentum: its column is empty.
    var adagrad = Self.trainer(Self.settings(.adagrad, schedule: ScheduleSettings(.constant)))
    #expect(adagrad.trainEpoch(on: Self.images).momentum == nil)
    #expect(CurveFile.render([EpochRecord(
      epoch: 1, step: 6, learningRate: 0.01, momentum: nil, trainingLoss: 1, validation: nil,
      gradientNorm: 2, seconds: 0.5)], classification: true).hasSuffix("\n1,6,0.01,,1.0,,,2.0,0.5\n"))
  }

  @Test func aFolderOfAnotherVersionsResultsIsRefusedAndNothingIsWritten() throws {
    let folder = try ExperimentFile.Folder()
    let file = try Self.experiment(in: folder, epochs: 2)
    let out = folder.path + "/out"
    #expect(try descent("run", file, "--out", out, "--quiet").status == 0)
    let result = out + "/long/runs/run/result.json"
    let json = try String(contentsOfFile: result, encoding: .utf8)
    let current = EngineIdentity.current
    #expect(json.contains("\"descentVersion\" : \"\(current.version)\""))
    #expect(json.contains("\"engine\" : \"\(current.engine)\""))
    let manifest = try String(contentsOfFile: out + "/long/manifest.json", encoding: .utf8)
    #expect(manifest.contains("\"engine\" : \"\(current.engine)\""))

    // Results of an earlier build: another version and engine.
    try json.replacingOccurrences(of: current.version, with: "0.1.9")
      .replacingOccurrences(of: current.engine, with: "0123456789abcdef")
      .write(toFile: result, atomically: true, encoding: .utf8)
    func contents() throws -> [String: Data] {
      var files: [String: Data] = [:]
      for relative in try FileManager.default.subpathsOfDirectory(atPath: out + "/long") {
        files[relative] = FileManager.default.contents(atPath: out + "/long/" + relative)
      }
      return files
    }
    let before = try contents()
    let refused = try descent("run", file, "--out", out, "--set", "training.epochs=3")
    #expect(refused.status == 73)
    #expect(
      refused.stderr
        == "\(out)/long: holds results computed by descent 0.1.9 (engine 0123456789abcdef); "
        + "this is \(current), whose numbers can differ from them. Rerun with --fresh to replace "
        + "them, or write elsewhere with --out\n")
    #expect(try contents() == before)

    let fresh = try descent("run", file, "--out", out, "--fresh", "--quiet")
    #expect(fresh.status == 0, "\(fresh.stderr)")
    #expect(try String(contentsOfFile: result, encoding: .utf8).contains(current.engine))
  }

  private func withoutSeconds(_ csv: String) -> [String] {
    csv.split(separator: "\n").map { $0.split(separator: ",").dropLast().joined(separator: ",") }
  }
}
