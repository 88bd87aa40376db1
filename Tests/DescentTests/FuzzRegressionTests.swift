import Foundation
import Testing

@testable import Descent

/// Every input that ever crashed, hung or exhausted memory in a fuzz target (Fuzz/run.sh), or
/// reproduces such a bug found otherwise, is kept in Fixtures/fuzz/TARGET/ with other inputs that
/// readers get wrong easily, and read here as the target reads it, with the messages it must give
/// in NAME.expected beside it (`ok` for an input that loads). A target without its folder, or
/// with an empty one, fails rather than checking nothing.
struct FuzzRegressionTests {
  @Test(arguments: FuzzFixture.all(of: "experiment"))
  func experimentFile(_ fixture: FuzzFixture) throws {
    try fixture.requireInput()
    // The folder of FuzzExperiment: the data files it writes beside each input.
    let folder = try DataFolder()
    let iris = try String(
      contentsOfFile: Repository.root + "/experiments/data/iris.csv", encoding: .utf8)
    try folder.write("data/iris.csv", iris)
    try folder.write("data.csv", "a,b,y\n1,2,0\n3,4,1\n5,6,0\n7,8,1\n")
    try folder.write(
      "images.idx", bytes: [0, 0, 8, 3, 0, 0, 0, 2, 0, 0, 0, 2, 0, 0, 0, 2] + Array(0..<8))
    try folder.write("labels.idx", bytes: [0, 0, 8, 1, 0, 0, 0, 2, 0, 1])
    let path = try folder.write("x.yaml", bytes: Array(fixture.input))
    let messages = FuzzFixture.messages {
      _ = try Experiment.load(path: path, overrides: ["sweep.max_runs=500"])
    }
    #expect(
      messages.map { $0.replacingOccurrences(of: folder.path + "/", with: "") } == fixture.expected)
  }

  @Test(arguments: FuzzFixture.all(of: "csv"))
  func csvFile(_ fixture: FuzzFixture) throws {
    try fixture.requireInput()
    let folder = try DataFolder()
    try folder.write("data.csv", bytes: Array(fixture.input))
    let file = folder.file("data.csv")
    let messages = FuzzFixture.messages {
      let target = try CSVDatasetReader.header(of: file).last ?? ""
      for (task, dropInvalidRows) in [(CSVSource.Task.classification, false), (.regression, true)] {
        let source = CSVSource(
          file: file, target: target, task: task, dropInvalidRows: dropInvalidRows)
        _ = try CSVDatasetReader(source).read()
      }
    }
    #expect(messages == fixture.expected)
  }

  /// The input holds both files: two bytes (big-endian) give the length of the labels file that
  /// follows, the rest is the images file.
  @Test(arguments: FuzzFixture.all(of: "idx"))
  func idxFiles(_ fixture: FuzzFixture) throws {
    try fixture.requireInput()
    let folder = try DataFolder()
    let input = [UInt8](fixture.input)
    try #require(input.count >= 2)
    let labelsLength = min(Int(input[0]) << 8 | Int(input[1]), input.count - 2)
    try folder.write("labels.idx", bytes: Array(input[2..<2 + labelsLength]))
    try folder.write("images.idx", bytes: Array(input[(2 + labelsLength)...]))
    let reader = IDXDatasetReader(
      IDXSource(
        training: .init(images: folder.file("images.idx"), labels: folder.file("labels.idx"))))
    #expect(FuzzFixture.messages { _ = try reader.inspect() } == fixture.expected)
    #expect(FuzzFixture.messages { _ = try reader.read() } == fixture.expected)
  }
}

/// An input that once crashed a fuzz target, and the messages Descent gives for it now.
struct FuzzFixture: Sendable, CustomTestStringConvertible {
  var name: String
  var input: Data
  /// The lines of NAME.expected; `["ok"]` for an input that reads without a problem.
  var expected: [String]
  /// Why the target has nothing to check: its folder is missing or holds no input.
  var missing: String?

  var testDescription: String { name }

  static let folder = Repository.root + "/Tests/DescentTests/Fixtures/fuzz"

  /// The fixtures of `target`, by name; one that fails `requireInput` when there are none.
  static func all(of target: String) -> [FuzzFixture] {
    let path = folder + "/" + target
    guard let entries = try? FileManager.default.contentsOfDirectory(atPath: path) else {
      return [
        Self(missing: "\(path) is missing: it holds the \(target) target's inputs", target: target)
      ]
    }
    let names = entries.filter { !$0.hasSuffix(".expected") }
    guard !names.isEmpty else {
      return [Self(missing: "\(path) holds no input of the \(target) target", target: target)]
    }
    return names.sorted().map { name in
      let input = FileManager.default.contents(atPath: path + "/" + name) ?? Data()
      // A fixture without its messages fails rather than passing unchecked.
      let expected =
        (try? String(contentsOfFile: path + "/" + name + ".expected", encoding: .utf8))
        ?? "no \(name).expected beside the input"
      return FuzzFixture(
        name: target + "/" + name, input: input,
        expected: expected.split(separator: "\n").map(String.init))
    }
  }

  private init(name: String, input: Data, expected: [String]) {
    self.name = name
    self.input = input
    self.expected = expected
  }

  private init(missing: String, target: String) {
    self.init(name: target + "/", input: Data(), expected: [])
    self.missing = missing
  }

  /// Fails the test when the target has no fixture to check.
  func requireInput() throws {
    try #require(missing == nil, Comment(rawValue: missing ?? ""))
  }

  /// The messages `body` throws, or `["ok"]`.
  static func messages(_ body: () throws -> Void) -> [String] {
    do {
      try body()
      return ["ok"]
    } catch let error as Diagnostics {
      return error.problems.map(\.description)
    } catch {
      return ["unexpected error: \(error)"]
    }
  }
}
