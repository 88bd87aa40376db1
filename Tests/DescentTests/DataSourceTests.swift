import Foundation
import Testing

@testable import Descent
@testable import DescentEngine

/// Data sources in experiment files: the `data.source` forms, their checks against the data
/// with positions in the file, preparation, and training end to end.
struct DataSourceTests {
  /// An experiment on `source` (a flow mapping or name) with a last layer of `outputs` units;
  /// IDX images are flattened first.
  static func experiment(
    source: String, outputs: Int = 3, loss: String = "cross_entropy", extra: String = ""
  ) -> String {
    let flatten = source.contains("idx") ? "\n    - flatten" : ""
    return """
    seed: 1
    data:
      source: \(source)
    \(extra)
    model:
      layers:\(flatten)
        - {dense: 16, activation: tanh}
        - {dense: \(outputs)}
    loss: \(loss)
    optimizer: {name: adam, lr: 0.01}
    training: {epochs: 40, batch_size: 16}
    """
  }

  /// Fisher's iris with the species as text, from the built-in copy.
  static var irisCSV: String {
    let iris = BuiltinDataset.iris.load()
    let names = iris.classNames ?? []
    var lines = [(iris.featureNames + ["species"]).joined(separator: ",")]
    for row in 0..<iris.rows {
      let features = iris.features[row * 4..<row * 4 + 4].map { "\($0)" }
      lines.append((features + [names[Int(iris.targets[row])]]).joined(separator: ","))
    }
    return lines.joined(separator: "\r\n") + "\r\n"
  }

  /// `y = 3a - 2b + 1` plus a little noise, with an unused text column.
  static func linearCSV(rows: Int, seed: UInt64) -> String {
    var random = RandomGenerator(seed: seed)
    var lines = ["name,a,b,y"]
    for row in 0..<rows {
      let a = random.uniform(-1, 1)
      let b = random.uniform(-1, 1)
      let y = 3 * a - 2 * b + 1 + 0.05 * random.normal()
      lines.append("\"row \(row), test\",\(a),\(b),\(y)")
    }
    return lines.joined(separator: "\n")
  }

  private func load(_ folder: DataFolder, _ yaml: String) throws -> Experiment {
    try Experiment.load(path: try folder.write("x.yaml", yaml))
  }

  private func problems(_ folder: DataFolder, _ yaml: String, overrides: [String] = []) -> [String]
  {
    do {
      _ = try Experiment.load(path: try folder.write("x.yaml", yaml), overrides: overrides)
      return []
    } catch let error as Diagnostics {
      return error.problems.map(\.description)
    } catch {
      return ["unexpected error: \(error)"]
    }
  }

  // MARK: CSV sources

  @Test func csvPathIsRelativeToTheExperimentAndTheTaskFollowsTheLoss() throws {
    let folder = try DataFolder()
    try folder.write("data/iris.csv", Self.irisCSV)
    let experiment = try load(
      folder, Self.experiment(source: "{csv: data/iris.csv, target: species}"))
    let data = try #require(experiment.runs.first).configuration.data
    guard case .csv(let csv) = data.source else {
      Issue.record("expected a CSV source, found \(data.source)")
      return
    }
    #expect(csv.file.path == "data/iris.csv")
    #expect(csv.file.resolvedPath == folder.path + "/data/iris.csv")
    #expect(csv.file.displayPath == folder.path + "/data/iris.csv")
    #expect(csv.task == .classification)
    #expect(data.normalize == .standard)

    try folder.write("data/linear.csv", Self.linearCSV(rows: 20, seed: 1))
    let regression = try load(
      folder,
      Self.experiment(
        source: "{csv: data/linear.csv, target: y, drop: [name]}", outputs: 1, loss: "mse"))
    guard case .csv(let linear) = try #require(regression.runs.first).configuration.data.source
    else { return }
    #expect(linear.task == .regression)
  }

  @Test func displayPathsJoinTheExperimentsFolderAsTheUserNamedIt() {
    let base = FileManager.default.currentDirectoryPath
    let nested = DataFile(
      path: "data/wine.csv", experimentFile: "experiments/wine.yaml",
      baseDirectory: base + "/experiments")
    #expect(nested.displayPath == "experiments/data/wine.csv")
    #expect(nested.resolvedPath == base + "/experiments/data/wine.csv")
    let here = DataFile(path: "./wine.csv", experimentFile: "wine.yaml", baseDirectory: base)
    #expect(here.displayPath == "./wine.csv")
    let absolute = DataFile(
      path: "/tmp/wine.csv", experimentFile: "x.yaml", baseDirectory: "/nowhere")
    #expect(absolute.displayPath == "/tmp/wine.csv")
    let elsewhere = DataFile(path: "wine.csv", experimentFile: "x.yaml", baseDirectory: "/srv/data")
    #expect(elsewhere.displayPath == "/srv/data/wine.csv")
  }

  @Test func csvDefectsAreReportedWhenTheExperimentIsLoaded() throws {
    let folder = try DataFolder()
    try folder.write("wine.csv", "alcohol,hue,cultivar\n13.2,1.04,a\nabc,1.05,b\n12.1,,a\n")
    #expect(
      problems(folder, Self.experiment(source: "{csv: wine.csv, target: cultivar}", outputs: 2))
        == [
          "\(folder.path)/wine.csv:3: alcohol: expected a number, found \"abc\"",
          "\(folder.path)/wine.csv:4: hue: expected a number, found nothing; set drop_invalid_rows: true to skip such rows",
        ])
    let dropping = Self.experiment(
      source: "{csv: wine.csv, target: cultivar, drop_invalid_rows: true}", outputs: 2)
    #expect(
      problems(folder, dropping) == [
        "\(folder.path)/wine.csv:3: alcohol: expected a number, found \"abc\""
      ])
  }

  @Test func columnNamesAreCheckedWhereTheFileWritesThem() throws {
    let folder = try DataFolder()
    try folder.write("data/iris.csv", Self.irisCSV)
    let file = folder.path + "/x.yaml"
    #expect(
      problems(folder, Self.experiment(source: "{csv: data/iris.csv, target: specis}")) == [
        "\(file):3:40: data.source.target: no column \"specis\" in \(folder.path)/data/iris.csv; did you mean 'species'?"
      ])
    #expect(
      problems(
        folder,
        Self.experiment(
          source: "{csv: data/iris.csv, target: species, features: [petal_width, species, colour]}"
        )) == [
          "\(file):3:73: data.source.features.1: species is the target; it cannot be a feature too",
          "\(file):3:82: data.source.features.2: no column \"colour\" in \(folder.path)/data/iris.csv; the columns are sepal_length, sepal_width, petal_length, petal_width, species",
        ])
    #expect(
      problems(
        folder,
        Self.experiment(source: "{csv: data/iris.csv, target: species, features: [a], drop: [b]}"))
        == [
          "\(file):3:64: data.source.drop: give features or drop, not both: features lists every feature column"
        ])
    #expect(
      problems(
        folder,
        Self.experiment(
          source:
            "{csv: data/iris.csv, target: species, drop: [sepal_length, sepal_width, petal_length, petal_width]}"
        )) == [
          "\(file):3:55: data.source.drop: no feature columns are left; \(folder.path)/data/iris.csv has sepal_length, sepal_width, petal_length, petal_width, species"
        ])
    #expect(
      problems(
        folder,
        Self.experiment(
          source: "{csv: data/iris.csv, target: species, features: [petal_width, petal_width]}"))
        == [
          "\(file):3:73: data.source.features.1: petal_width is listed twice (first at data.source.features.0)"
        ])
  }

  @Test func missingFilesNameThePathAndTheDebianPackage() throws {
    let folder = try DataFolder()
    let file = folder.path + "/x.yaml"
    #expect(
      problems(folder, Self.experiment(source: "{csv: data/wine.csv, target: cultivar}")) == [
        "\(file):3:17: data.source.csv: no such file: \(folder.path)/data/wine.csv"
      ])
    let fashion = "/usr/share/datasets/fashion-mnist/no-such-images-idx3-ubyte.gz"
    #expect(
      problems(
        folder,
        Self.experiment(source: "{idx: {images: \(fashion), labels: labels.gz}}", outputs: 10))
        == [
          "\(file):3:26: data.source.idx.images: no such file: \(fashion); it is installed by the Debian package dataset-fashion-mnist: apt-get install dataset-fashion-mnist",
          "\(file):3:98: data.source.idx.labels: no such file: \(folder.path)/labels.gz",
        ])
  }

  // MARK: The shape of the data against the model and loss

  @Test func outputWidthIsCheckedAgainstTheClassesInTheFile() throws {
    let folder = try DataFolder()
    try folder.write("data/iris.csv", Self.irisCSV)
    let file = folder.path + "/x.yaml"
    #expect(
      problems(folder, Self.experiment(source: "{csv: data/iris.csv, target: species}", outputs: 2))
        == [
          "\(file):8:15: model.layers.1.dense: expected 3 outputs for cross_entropy on \(folder.path)/data/iris.csv (3 classes), found 2"
        ])
    #expect(
      problems(
        folder,
        Self.experiment(
          source: "{csv: data/iris.csv, target: species, task: classification}", outputs: 1,
          loss: "mse")) == [
          "\(file):9:7: loss: mse needs a regression data set; \(folder.path)/data/iris.csv is a classification set with 3 classes; use cross_entropy, or set data.source.task: regression"
        ])
    try folder.write("images", bytes: IDXBytes.images([[1, 2], [3, 4]], rows: 1, columns: 2))
    try folder.write("labels", bytes: IDXBytes.labels([0, 4]))
    #expect(
      problems(folder, Self.experiment(source: "{idx: {images: images, labels: labels}}")) == [
        "\(file):9:15: model.layers.2.dense: expected 5 outputs for cross_entropy on \(folder.path)/images (5 classes), found 3"
      ])
  }

  @Test func syntheticSetsAreCheckedLikeAnyOther() throws {
    let folder = try DataFolder()
    let file = folder.path + "/x.yaml"
    #expect(
      problems(folder, Self.experiment(source: "{synthetic: friedman1}", loss: "mse")) == [
        "\(file):8:15: model.layers.1.dense: expected 1 output for mse on friedman1 (1 target), found 3"
      ])
    #expect(
      problems(folder, Self.experiment(source: "{synthetic: sine}", outputs: 1)) == [
        "\(file):9:7: loss: cross_entropy needs a classification data set; sine is a regression set; use mse or huber"
      ])
    #expect(
      problems(folder, Self.experiment(source: "{synthetic: spirals, classes: 4}")) == [
        "\(file):8:15: model.layers.1.dense: expected 4 outputs for cross_entropy on spirals (4 classes), found 3"
      ])
    #expect(
      problems(
        folder,
        Self.experiment(
          source: "{synthetic: moons, classes: 3, samples: 0, noise: -1}", outputs: 2)) == [
          "\(file):3:30: data.source.classes: not used by moons; applies to spirals, blobs",
          "\(file):3:51: data.source.samples: expected an integer from 1 to 1000000, found 0",
          "\(file):3:61: data.source.noise: expected a number >= 0, found -1",
        ])
    #expect(
      problems(
        folder,
        Self.experiment(source: "{synthetic: friedman1, dimension: 3}", outputs: 1, loss: "mse"))
        == [
          "\(file):3:45: data.source.dimension: expected an integer from 5 to 100, found 3"
        ])
    #expect(
      problems(folder, Self.experiment(source: "{synthetic: spiral}")) == [
        "\(file):3:23: data.source.synthetic: expected one of spirals, moons, circles, xor, blobs, sine, friedman1, found \"spiral\"; did you mean 'spirals'?"
      ])
  }

  @Test func sourceFormsAreTold() throws {
    let folder = try DataFolder()
    let file = folder.path + "/x.yaml"
    let forms =
      "digits, iris, {csv: FILE, target: COLUMN}, {idx: {images: FILE, labels: FILE}} or {synthetic: NAME}"
    #expect(
      problems(folder, Self.experiment(source: "wine.csv")) == [
        "\(file):3:11: data.source: expected \(forms), found \"wine.csv\"; a CSV file is written {csv: wine.csv, target: COLUMN}"
      ])
    #expect(
      problems(folder, Self.experiment(source: "moons", outputs: 2)) == [
        "\(file):3:11: data.source: expected \(forms), found \"moons\"; a synthetic set is written {synthetic: moons}"
      ])
    #expect(
      problems(folder, Self.experiment(source: "{cvs: wine.csv, target: y}")) == [
        "\(file):3:12: data.source.cvs: unknown key; did you mean 'csv'?"
      ])
    #expect(
      problems(folder, Self.experiment(source: "{synthetic: moons, csv: a.csv}")) == [
        "\(file):3:30: data.source.csv: give one of csv, idx and synthetic, not both synthetic and csv"
      ])
    #expect(
      problems(folder, Self.experiment(source: "{}")) == [
        "\(file):3:11: data.source: expected a mapping with one of csv, idx or synthetic, found a mapping"
      ])
  }

  // MARK: Settings and resolved files

  @Test func idxDefaultsToNoNormalizationAndEverySourceIsResolvedInFull() throws {
    let folder = try DataFolder()
    try folder.write("images.gz", bytes: IDXBytes.images([[1, 2], [3, 4]], rows: 1, columns: 2))
    try folder.write("labels.gz", bytes: IDXBytes.labels([0, 2]))
    try folder.write("data/iris.csv", Self.irisCSV)
    func resolved(_ source: String, outputs: Int = 3, loss: String = "cross_entropy") throws
      -> [String]
    {
      let run = try #require(
        try load(folder, Self.experiment(source: source, outputs: outputs, loss: loss)).runs.first)
      return run.resolvedYAML.split(separator: "\n").dropFirst(2).prefix(2).map(String.init)
    }
    #expect(
      try resolved("{idx: {images: images.gz, labels: labels.gz}}") == [
        "  source: {idx: {images: images.gz, labels: labels.gz}, test: null}",
        "  validation: 0.2",
      ])
    let idx = try load(
      folder, Self.experiment(source: "{idx: {images: images.gz, labels: labels.gz}}"))
    #expect(idx.runs.first?.configuration.data.normalize == Normalization.none)
    #expect(
      try resolved("{csv: data/iris.csv, target: species}") == [
        "  source: {csv: data/iris.csv, target: species, features: null, drop: [], task: classification, drop_invalid_rows: false, test: null}",
        "  validation: 0.2",
      ])
    #expect(
      try resolved("{synthetic: blobs, classes: 3}") == [
        "  source: {synthetic: blobs, samples: 1000, classes: 3, noise: 1.0, dimension: 2}",
        "  validation: 0.2",
      ])
    #expect(
      try resolved("{synthetic: sine, samples: 50}", outputs: 1, loss: "mse") == [
        "  source: {synthetic: sine, samples: 50, noise: 0.1}", "  validation: 0.2",
      ])
  }

  @Test func aSweepMayVaryTheSource() throws {
    let folder = try DataFolder()
    let yaml =
      Self.experiment(source: "{synthetic: spirals}")
      + "\nsweep:\n  grid: {data.source.noise: [0.1, 0.3], data.source: [{synthetic: blobs}, {synthetic: spirals}]}\n"
    let runs = try load(folder, yaml).runs
    #expect(runs.count == 4)
    #expect(Set(runs.map(\.configuration.data)).count == 2)
  }

  // MARK: Preparation

  @Test func testSetIsScaledWithTheTrainingStatistics() throws {
    let folder = try DataFolder()
    try folder.write("train.csv", "a,b,label\n1,10,x\n3,10,y\n5,10,x\n7,10,y\n")
    try folder.write("test.csv", "a,b,label\n4,12,y\n")
    let source = CSVSource(
      file: folder.file("train.csv"), target: "label", test: folder.file("test.csv"))
    let prepared = try PreparedData(
      DataSettings(source: .csv(source), validation: 0, normalize: .standard))
    // Training a: mean 4, standard deviation sqrt(5); b is constant, so only centred.
    let deviation = Float(5.0.squareRoot())
    #expect(
      prepared.split.training.features == [
        -3 / deviation, 0, -1 / deviation, 0, 1 / deviation, 0, 3 / deviation, 0,
      ])
    let test = try #require(prepared.test)
    #expect(test.features == [0, 2])
    #expect(test.targets == [1])
  }

  @Test func splittingInPlaceKeepsTheRowsAndTheirOrder() {
    let data = SyntheticSource(.blobs, samples: 103, classes: 3).generate(seed: 3)
    let split = DataSplit(data, validationFraction: 0.25, seed: 9)
    let validation = split.validation
    let training = split.training
    #expect(training.rows + (validation?.rows ?? 0) == 103)
    // Every example is in exactly one part, and each part keeps the file's order.
    var rows: [[Float]] = []
    for part in [training, validation].compactMap({ $0 }) {
      for i in 0..<part.rows {
        rows.append(Array(part.features[i * 2..<i * 2 + 2]) + [part.targets[i]])
      }
    }
    let original = (0..<103).map { Array(data.features[$0 * 2..<$0 * 2 + 2]) + [data.targets[$0]] }
    #expect(
      rows.sorted { $0.lexicographicallyPrecedes($1) }
        == original.sorted { $0.lexicographicallyPrecedes($1) })
    let trainingOrder = (0..<training.rows).map { i in
      original.firstIndex {
        $0[0] == training.features[i * 2] && $0[1] == training.features[i * 2 + 1]
      } ?? -1
    }
    #expect(trainingOrder == trainingOrder.sorted())
    // Classes of 35, 34 and 34 examples give 9 each: a quarter, rounded half away from zero.
    #expect(validation?.rows == 27)
  }

  // MARK: Training end to end

  private func train(_ folder: DataFolder, _ yaml: String) throws -> RunResult {
    let experiment = try load(folder, yaml)
    let runner = ExperimentRunner(
      experiment: experiment, outputDirectory: folder.path + "/results", jobs: 1)
    let results = try runner.run()
    let result = try #require(results.first)
    #expect(result.status == .complete, "\(result.message ?? "")")
    return result
  }

  @Test func csvClassificationTrainsToASensibleAccuracy() throws {
    let folder = try DataFolder()
    try folder.write("data/iris.csv", Self.irisCSV)
    let result = try train(
      folder,
      Self.experiment(
        source: "{csv: data/iris.csv, target: species}", extra: "  validation: 0.3"))
    let accuracy = try #require(result.final?.validation?.accuracy)
    #expect(accuracy >= 0.85)
  }

  @Test func csvRegressionTrainsToASensibleFit() throws {
    let folder = try DataFolder()
    try folder.write("linear.csv", Self.linearCSV(rows: 300, seed: 4))
    try folder.write("linear-test.csv", Self.linearCSV(rows: 100, seed: 5))
    let result = try train(
      folder,
      Self.experiment(
        source: "{csv: linear.csv, target: y, features: [a, b], test: linear-test.csv}",
        outputs: 1, loss: "mse"))
    let r2 = try #require(result.final?.validation?.r2)
    #expect(r2 >= 0.95)
    let test = try #require(result.test?.r2)
    #expect(test >= 0.95)
  }

  @Test func idxExperimentReportsTestMetrics() throws {
    let folder = try DataFolder()
    // Class k lights pixel k of four; the others are dim noise.
    var random = RandomGenerator(seed: 11)
    func images(_ labels: [UInt8]) -> [UInt8] {
      IDXBytes.images(
        labels.map { label in
          (0..<4).map {
            $0 == Int(label)
              ? UInt8(200 + random.integer(below: 56)) : UInt8(random.integer(below: 60))
          }
        }, rows: 2, columns: 2)
    }
    let training = (0..<200).map { UInt8($0 % 4) }
    let test = (0..<40).map { UInt8(($0 * 3) % 4) }
    try folder.writeGzip("train-images.gz", bytes: images(training))
    try folder.writeGzip("train-labels.gz", bytes: IDXBytes.labels(training))
    try folder.write("test-images", bytes: images(test))
    try folder.write("test-labels", bytes: IDXBytes.labels(test))
    let result = try train(
      folder,
      Self.experiment(
        source:
          "{idx: {images: train-images.gz, labels: train-labels.gz}, test: {images: test-images, labels: test-labels}}",
        outputs: 4, extra: "  validation: 0"))
    #expect(result.final?.validation == nil)
    let accuracy = try #require(result.test?.accuracy)
    #expect(accuracy >= 0.95)
  }

  @Test func shippedDataExperimentsLoad() throws {
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
      .deletingLastPathComponent().deletingLastPathComponent()
    for name in ["iris-csv", "friedman1"] {
      let path = root.appendingPathComponent("experiments/\(name).yaml").path
      #expect(throws: Never.self) { try Experiment.load(path: path) }
    }
  }
}
