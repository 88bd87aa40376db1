import Foundation
import Testing

@testable import Descent

/// `--sweep KEY=V1,V2,...` and `descent config`, through the real executable.
@Suite struct CommandLineSweepTests {
  static func experiment(in folder: TemporaryFolder) throws -> String {
    let file = folder.path + "/small.yaml"
    try """
      name: small
      seed: 5
      data: {source: iris, validation: 0.3}
      model:
        layers:
          - {dense: 8, activation: tanh}
          - {dense: 3}
      loss: cross_entropy
      optimizer: {name: sgd, lr: 0.1}
      training: {epochs: 2, batch_size: 16}
      sweep:
        grid:
          optimizer.lr: [0.05, 0.2]
      """.write(toFile: file, atomically: true, encoding: .utf8)
    return file
  }

  /// A `--sweep` axis replaces the file's axis of its key, and another adds one: the runs are
  /// those of the file with that grid written in it.
  @Test func anAxisFromTheCommandLineIsTheFilesGridWithIt() throws {
    let folder = try TemporaryFolder()
    let file = try Self.experiment(in: folder)
    let given = try descent(
      "plan", file, "--sweep", "optimizer.lr=0.01,1.0e-3", "--sweep",
      "optimizer.momentum=0.0,0.9")
    #expect(given.status == 0, "\(given.stderr)")
    let written = folder.path + "/written.yaml"
    try String(contentsOfFile: file, encoding: .utf8)
      .replacingOccurrences(
        of: "optimizer.lr: [0.05, 0.2]",
        with: "optimizer.lr: [0.01, 1.0e-3]\n    optimizer.momentum: [0.0, 0.9]")
      .write(toFile: written, atomically: true, encoding: .utf8)
    let expected = try descent("plan", written)
    #expect(given.stdout == expected.stdout)
    #expect(given.stdout.hasPrefix("small: 4 runs\n"))
  }

  @Test func aValueOfTheWrongTypeIsReportedWhereItWasGiven() throws {
    let folder = try TemporaryFolder()
    let file = try Self.experiment(in: folder)
    let wrong = try descent("validate", file, "--sweep", "optimizer.lr=0.1,abc")
    #expect(wrong.status == 65)
    #expect(
      wrong.stderr
        == "--sweep optimizer.lr=0.1,abc: optimizer.lr: expected a positive number, found \"abc\"\n"
    )
    let bare = try descent("validate", file, "--sweep", "optimizer.lr")
    #expect(bare.status == 65)
    #expect(
      bare.stderr
        == "--sweep optimizer.lr: expected KEY=V1,V2,..., such as optimizer.lr=0.01,0.1\n")
    let empty = try descent("validate", file, "--sweep", "optimizer.lr=")
    #expect(empty.status == 65)
    #expect(
      empty.stderr
        == "--sweep optimizer.lr=: optimizer.lr: expected values separated by commas, such as 0.01,0.1, found \"\"\n"
    )
  }

  /// The axes are recorded in manifest.json; resuming with others is refused and writes nothing.
  @Test func aFolderRunWithAnAxisResumesOnlyWithTheSameAxis() throws {
    let folder = try TemporaryFolder()
    let file = try Self.experiment(in: folder)
    let out = folder.path + "/results"
    let first = try descent("run", file, "--out", out, "--quiet", "--sweep", "optimizer.lr=0.1,0.3")
    #expect(first.status == 0, "\(first.stderr)")
    let manifest = try Manifest.read(out + "/small/manifest.json")
    #expect(manifest.sweep == ["optimizer.lr=0.1,0.3"])
    #expect(manifest.runs.map(\.id) == ["lr-0.1", "lr-0.3"])
    let before = try String(contentsOfFile: out + "/small/manifest.json", encoding: .utf8)

    let without = try descent("run", file, "--out", out, "--quiet")
    #expect(without.status == 64)
    #expect(
      without.stderr
        == "\(out)/small: holds the runs of --sweep optimizer.lr=0.1,0.3, not no --sweep; give the same to resume them, --fresh to replace them, or --out to write elsewhere\n"
    )
    #expect(try String(contentsOfFile: out + "/small/manifest.json", encoding: .utf8) == before)

    let same = try descent("run", file, "--out", out, "--sweep", "optimizer.lr=0.1,0.3")
    #expect(same.status == 0)
    #expect(same.stderr.contains("small: 2 of 2 runs already complete, 0 to train"))
  }

  /// `descent config` prints what a run's config.yaml holds, and the base without the sweep.
  @Test func configPrintsARunsResolvedConfigurationOrTheBase() throws {
    let folder = try TemporaryFolder()
    let file = try Self.experiment(in: folder)
    let out = folder.path + "/results"
    #expect(try descent("run", file, "--out", out, "--quiet").status == 0)
    let run = try descent("config", file, "--run", "lr-0.2")
    #expect(run.status == 0)
    #expect(
      run.stdout == (try String(contentsOfFile: out + "/small/runs/lr-0.2/config.yaml", encoding: .utf8)))
    let base = try descent("config", file, "--set", "training.epochs=7")
    #expect(base.status == 0)
    #expect(base.stdout.contains("\n  lr: 0.1\n"))
    #expect(base.stdout.contains("\n  epochs: 7\n"))
    #expect(!base.stdout.contains("sweep"))
    let missing = try descent("config", file, "--run", "lr-9")
    #expect(missing.status == 65)
    #expect(missing.stderr == "\(file): no run with id 'lr-9'; descent plan \(file) lists them\n")
  }
}
