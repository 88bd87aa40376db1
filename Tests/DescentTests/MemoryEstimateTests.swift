import Foundation
import Testing

@testable import Descent
@testable import DescentEngine

/// The memory a run needs, estimated before training, and the limit it is checked against.
@Suite struct MemoryEstimateTests {
  /// Networks of every kind of layer, with the shape of their examples.
  static let models: [(name: String, spec: ModelSpec, input: TensorShape)] = [
    (
      "dense, dropout, layer norm",
      ModelSpec(layers: [
        .dense(units: 64), .activation(.relu), .dropout(rate: 0.1), .layerNorm(), .dense(units: 3),
      ]), .flat(13)
    ),
    (
      "convolutions, pooling, batch norm",
      ModelSpec(layers: [
        Layer(Conv2d(outChannels: 8, kernel: Pair(3), padding: .explicit(Pair(1)))),
        .batchNorm(), .activation(.relu), .maxPool2d(Pair(2)),
        Layer(Conv2d(outChannels: 6, kernel: Pair(3), stride: Pair(2), groups: 2)),
        .avgPool2d(Pair(2), padding: Pair(1)), .flatten, .dense(units: 10),
      ]), .image(channels: 2, height: 12, width: 12)
    ),
    (
      "residual blocks",
      ModelSpec(layers: [
        Layer(Conv2d(outChannels: 4, kernel: Pair(3), padding: .explicit(Pair(1)))),
        .residual(
          [
            Layer(
              Conv2d(outChannels: 4, kernel: Pair(3), padding: .explicit(Pair(1)), bias: false)),
            .batchNorm(), .activation(.relu),
          ]),
        .residual(
          [
            Layer(
              Conv2d(outChannels: 8, kernel: Pair(3), stride: Pair(2), padding: .explicit(Pair(1))))
          ],
          shortcut: .projection),
        .globalAvgPool2d, .flatten, .dense(units: 5),
      ]), .image(channels: 1, height: 8, width: 8)
    ),
  ]

  static let data = DataShape(featureCount: 144, classNames: ["a", "b"], rows: 1000)

  @Test(arguments: [1, 7, 64])
  func estimateCountsWhatTheNetworkAllocates(batch: Int) throws {
    for model in Self.models {
      let plan = MemoryPlan(
        planned: try model.spec.plan(for: model.input), input: model.input, optimizerStates: 2,
        data: Self.data, validation: 0)
      let estimate = plan.estimate(batch: batch)
      var random = RandomGenerator(seed: 1, stream: .initialization)
      let network = Network<Float>(
        spec: model.spec, inputShape: model.input, batchCapacity: batch, random: &random)
      #expect(
        estimate.activations + estimate.workspacePerThread == Double(4 * network.arena.count),
        "\(model.name)")
      let weights =
        4 * (network.parameters.count * 4 + network.buffers.count) + 8 * network.counters.count
      #expect(estimate.weights == Double(weights), "\(model.name)")
      #expect(estimate.data == 4 * 1000 * 145)
      #expect(estimate.order == 8 * 1000)

      // Each thread has a workspace of its own; the estimate is an upper bound.
      let threaded = Network<Float>(
        spec: model.spec, inputShape: model.input, batchCapacity: batch, threads: 3,
        random: &random)
      #expect(Double(4 * threaded.arena.count) > estimate.activations + estimate.workspacePerThread)
      #expect(
        Double(4 * threaded.arena.count) <= estimate.activations + 3 * estimate.workspacePerThread,
        "\(model.name)")
    }
  }

  @Test(arguments: OptimizerSettings.Name.allCases)
  func stateValuesPerParameterAreWhatTheOptimizerKeeps(_ name: OptimizerSettings.Name) {
    let settings = OptimizerSettings(name)
    let optimizer = settings.makeOptimizer(parameterCount: 11)
    let kept = Mirror(reflecting: optimizer).children.compactMap { $0.value as? [Float] }
    #expect(kept.allSatisfy { $0.count == 11 })
    #expect(kept.count == settings.stateValuesPerParameter)
  }

  @Test func largestBatchIsTheLargestThatFits() throws {
    let model = Self.models[1]
    let plan = MemoryPlan(
      planned: try model.spec.plan(for: model.input), input: model.input, optimizerStates: 1,
      data: Self.data, validation: 0.2)
    let limit = plan.estimate(batch: 37).bytes()
    #expect(plan.largestBatch(fitting: limit, upTo: 500) == 37)
    #expect(plan.largestBatch(fitting: limit - 1, upTo: 500) == 36)
    #expect(plan.largestBatch(fitting: limit, upTo: 20) == 20)
    #expect(plan.largestBatch(fitting: plan.estimate(batch: 1).bytes() - 1, upTo: 500) == nil)
    #expect(plan.capacity(batchSize: 5000) == 800)
    #expect(plan.capacity(batchSize: 32) == 32)
  }

  /// The experiment `wide` on iris, loaded with `limit`.
  static func load(_ yaml: String, limit: Double = 1e15) throws -> Experiment {
    try Experiment.load(
      yaml: yaml, file: "x.yaml", baseDirectory: NSTemporaryDirectory(),
      memoryLimit: MemoryLimit(bytes: limit))
  }

  @Test func aBatchThatDoesNotFitIsRefusedByTheLoader() throws {
    let yaml = BadInput.wide(training: "{batch_size: 100}")
    let experiment = try Self.load(yaml)
    let memory = try #require(experiment.runs[0].configuration.memory)
    #expect(memory.batch == 100)
    // Dense 1000 on 4 features, then 3: 4013 values per example (input, two outputs and their
    // gradients, the targets); the widest product's workspace, [4 x 100] x [100 x 1000] packed
    // in panels of 32 columns with an edge block of A of 8 rows, is 1032 per example plus 512.
    #expect(memory.activations == 4 * 4013 * 100)
    #expect(memory.workspacePerThread == 4 * (1032 * 100 + 512))
    #expect(memory.weights == 4 * 8003 * 3)
    #expect(memory.data == 4 * 150 * 5)
    #expect(memory.order == 8 * 120)
    do {
      _ = try Self.load(yaml, limit: 1_000_000)
      Issue.record("the batch was accepted")
    } catch let error as Diagnostics {
      #expect(
        error.description
          == "x.yaml:8:24: training.batch_size: a batch of 100 needs about 2.1 MB to train (activations 2.0 MB, weights, gradients and optimizer state 96.0 kB, data 3.0 kB); the limit is 1.0 MB; use a batch of at most 44"
      )
    }
  }

  @Test func aSweptBatchIsRefusedWhereItIsSwept() throws {
    let yaml =
      BadInput.wide(training: "{batch_size: 100}")
      + "sweep: {grid: {training.batch_size: [4, 64]}}\n"
    do {
      _ = try Self.load(yaml, limit: 1_000_000)
      Issue.record("the batch was accepted")
    } catch let error as Diagnostics {
      #expect(
        error.description
          == "x.yaml:9:41: training.batch_size: a batch of 64 needs about 1.4 MB to train (activations 1.3 MB, weights, gradients and optimizer state 96.0 kB, data 3.0 kB); the limit is 1.0 MB; use a batch of at most 44"
      )
    }
  }

  @Test func jobsThatFitLeaveRoomForEveryRunTrainingAtOnce() throws {
    let experiment = try Self.load(
      BadInput.wide(training: "{batch_size: 16}")
        + "sweep: {grid: {optimizer.lr: [0.1, 0.2, 0.3, 0.4]}}\n")
    let runs = experiment.runs
    let memory = try #require(runs[0].configuration.memory)
    #expect(runs.allSatisfy { $0.configuration.memory == memory })
    // Runs at a time, each on one thread; past one job per run, more threads each.
    #expect(MemoryEstimate.bytes(of: runs, jobs: 1) == memory.bytes())
    #expect(MemoryEstimate.bytes(of: runs, jobs: 3) == 3 * memory.runBytes() + memory.data)
    #expect(
      MemoryEstimate.bytes(of: runs, jobs: 9) == 4 * memory.runBytes(threads: 2) + memory.data)
    let two = MemoryLimit(bytes: MemoryEstimate.bytes(of: runs, jobs: 2))
    #expect(MemoryEstimate.jobsThatFit(runs, upTo: 8, limit: two) == 2)
    #expect(MemoryEstimate.jobsThatFit(runs, upTo: 1, limit: two) == 1)
    let tight = MemoryLimit(bytes: memory.bytes() - 1)
    #expect(MemoryEstimate.jobsThatFit(runs, upTo: 8, limit: tight) == 1)
    #expect(
      MemoryEstimate.jobsThatFit(runs, upTo: 1_000_000, limit: MemoryLimit(bytes: 1e15))
        == 1_000_000)
  }

  @Test func parallelismDividesJobsAsTheRunnerDoes() {
    let cases: [(jobs: Int, count: Int, runs: Int, threads: Int)] = [
      (8, 3, 3, 2), (2, 10, 2, 1), (4, 0, 1, 4), (1, 1, 1, 1), (7, 2, 2, 3),
    ]
    for c in cases {
      let parallelism = MemoryEstimate.Parallelism(jobs: c.jobs, count: c.count)
      #expect(parallelism.runs == c.runs && parallelism.threads == c.threads, "\(c)")
    }
  }

  @Test func theEnvironmentSetsTheLimitInBytes() throws {
    let set = try MemoryLimit.current(environment: ["DESCENT_MEMORY_LIMIT": "1500000"])
    #expect(set.bytes == 1_500_000)
    #expect(set.description == "DESCENT_MEMORY_LIMIT allows 1.5 MB")
    for text in ["0", "-5", "1.5e9", "12GB", ""] {
      do {
        _ = try MemoryLimit.current(environment: ["DESCENT_MEMORY_LIMIT": text])
        Issue.record("\(text) was accepted")
      } catch {
        #expect(
          error.description
            == "DESCENT_MEMORY_LIMIT: expected a positive whole number of bytes, found \"\(text)\"")
      }
    }
    let machine = try MemoryLimit.current(environment: [:])
    #expect(machine.bytes > 0 && machine.bytes <= Double(ProcessInfo.processInfo.physicalMemory))
  }

  @Test func theLowestControlGroupLimitCounts() throws {
    let root = try TemporaryFolder()
    func write(_ text: String, _ path: String) throws {
      let url = URL(fileURLWithPath: root.path + path)
      try FileManager.default.createDirectory(
        at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
      try text.write(to: url, atomically: true, encoding: .utf8)
    }
    // cgroup v2: the group's own limit is "max"; its parent's is the lowest.
    try write("max\n", "/jobs/job-7/memory.max")
    try write("4000000000\n", "/jobs/memory.max")
    try write("8000000000\n", "/memory.max")
    let v2 = try #require(
      MemoryLimit.controlGroupLimit(membership: "0::/jobs/job-7\n", root: root.path))
    #expect(v2.bytes == 4e9)
    #expect(
      v2.description
        == "this process's control group allows 4.0 GB (\(root.path)/jobs/memory.max)")
    // cgroup v1: a limit near 2^63 is none.
    try write("9223372036854771712\n", "/memory/docker/abc/memory.limit_in_bytes")
    try write("2000000000\n", "/memory/docker/memory.limit_in_bytes")
    let v1 = MemoryLimit.controlGroupLimit(
      membership: "5:cpu,cpuacct:/docker/abc\n4:memory:/docker/abc\n", root: root.path)
    #expect(v1?.bytes == 2e9)
    #expect(MemoryLimit.controlGroupLimit(membership: "0::/\n", root: root.path + "/none") == nil)
    #expect(MemoryLimit.controlGroupLimit(membership: nil, root: root.path) == nil)
  }

  @Test func blocksWhoseStridesMultiplyPastIntMaxArePlanned() throws {
    // Each 1x1 convolution takes the 8x8 image to 1x1, and so does the projection shortcut,
    // whose stride is the product of the body's.
    let yaml = BadInput.images([
      "{conv2d: 4, kernel: 3, padding: 1}",
      "{residual: [{conv2d: 4, kernel: 1, stride: 4294967296}, {conv2d: 4, kernel: 1, stride: 4294967296}], shortcut: projection}",
      "flatten", "{dense: 10}",
    ])
    let experiment = try Self.load(yaml)
    #expect(experiment.runs.count == 1)
  }

  @Test func bytesAreWrittenInSIUnits() {
    let cases: [(Double, String)] = [
      (0, "0 B"), (999, "999 B"), (1000, "1.0 kB"), (96_036, "96.0 kB"), (999_960, "1.0 MB"),
      (312.4e9, "312.4 GB"), (25_275_973_632, "25.3 GB"), (3e18, "3.0 EB"), (4e21, "4000.0 EB"),
    ]
    for (bytes, text) in cases { #expect(MemoryLimit.format(bytes) == text) }
    #expect(
      MemoryLimit(bytes: 25_275_973_632, source: .physicalMemory).description
        == "this machine has 25.3 GB")
  }
}

/// `descent run` with runs that fit in memory one at a time but not all at once.
@Suite struct JobsMemoryTests {
  /// A sweep of four runs on iris in `folder`, with a limit that fits two runs at a time.
  static func sweep(in folder: TemporaryFolder) throws -> (
    file: String, runs: [RunSpec], limit: Double
  ) {
    let yaml =
      BadInput.wide(training: "{epochs: 2, batch_size: 16}")
      + "sweep: {grid: {optimizer.lr: [0.1, 0.2, 0.3, 0.4]}}\n"
    let file = folder.path + "/x.yaml"
    try yaml.write(toFile: file, atomically: true, encoding: .utf8)
    let runs = try MemoryEstimateTests.load(yaml).runs
    return (file, runs, MemoryEstimate.bytes(of: runs, jobs: 2))
  }

  @Test func explicitJobsThatDoNotFitAreRefused() throws {
    let folder = try TemporaryFolder()
    let (file, runs, limit) = try Self.sweep(in: folder)
    let result = try BoundedDescent.run(
      ["run", file, "--jobs", "4", "--out", "results"], in: folder.path,
      environment: ["DESCENT_MEMORY_LIMIT": "\(Int(limit))"])
    #expect(result.status == 65)
    let need = MemoryLimit.format(MemoryEstimate.bytes(of: runs, jobs: 4))
    #expect(
      result.stderr
        == "--jobs 4: 4 runs at a time on 1 thread each would need about \(need); DESCENT_MEMORY_LIMIT allows \(MemoryLimit.format(limit)); use --jobs 2 or fewer\n"
    )
    #expect(!FileManager.default.fileExists(atPath: folder.path + "/results"))

    let fitting = try BoundedDescent.run(
      ["run", file, "--jobs", "2", "--out", "results", "--quiet"], in: folder.path,
      environment: ["DESCENT_MEMORY_LIMIT": "\(Int(limit))"])
    #expect(fitting.status == 0, "\(fitting.stderr)")
  }

  @Test func theDefaultJobsAreLoweredToWhatFits() throws {
    let folder = try TemporaryFolder()
    let (file, runs, _) = try Self.sweep(in: folder)
    // One run at a time fits; two do not.
    let limit = MemoryEstimate.bytes(of: runs, jobs: 1) + 1
    let result = try BoundedDescent.run(
      ["run", file, "--out", "results"], in: folder.path,
      environment: ["DESCENT_MEMORY_LIMIT": "\(Int(limit))"])
    #expect(result.status == 0, "\(result.stderr)")
    let cores = ProcessInfo.processInfo.activeProcessorCount
    let note = result.stderr.split(separator: "\n").filter { $0.contains("rather than") }
    if cores > 1 {
      let parallelism = MemoryEstimate.Parallelism(jobs: cores, count: runs.count)
      let need = MemoryLimit.format(MemoryEstimate.bytes(of: runs, jobs: cores))
      #expect(
        note
          == [
            "x: 1 job rather than one per core: \(parallelism.runs) runs at a time on \(parallelism.threads) thread\(parallelism.threads == 1 ? "" : "s") each would need about \(need); DESCENT_MEMORY_LIMIT allows \(MemoryLimit.format(limit))"
          ])
    } else {
      #expect(note.isEmpty)
    }
    #expect(result.stdout.contains("x: 4 runs; results in "))
  }
}
