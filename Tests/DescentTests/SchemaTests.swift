import Foundation
import Testing

@testable import Descent
@testable import DescentEngine

/// The declarations of the experiment file against what is rendered from them: the README's key
/// reference, the JSON Schema, and the bad inputs CI checks the JSON Schema refuses.
@Suite struct SchemaTests {
  static let root = Repository.root

  /// The README lists every key as `descent schema --reference` prints it, between its markers.
  @Test func theReadmeListsEveryKeyAsTheDeclarationsGiveThem() throws {
    let readme = try String(contentsOfFile: Self.root + "/README.md", encoding: .utf8)
    let start = "<!-- the keys: descent schema --reference -->\n```yaml\n"
    let end = "```\n<!-- end of the keys -->"
    let from = try #require(readme.range(of: start))
    let to = try #require(readme.range(of: end, range: from.upperBound..<readme.endIndex))
    #expect(
      String(readme[from.upperBound..<to.lowerBound]) == ExperimentSchema.keyReferenceText,
      "run `descent schema --reference` and paste its output into README.md")
  }

  /// The bad inputs of the catalogue that a file's structure alone shows (unknown keys, wrong
  /// types, values out of range), as files `.ci/run` checks the JSON Schema refuses.
  static let structural = [
    "values of the wrong type", "values out of range", "a misspelt key", "an unknown key",
    "misspelt names", "epochs: 1e400", "a seed past UInt64.max",
    "a synthetic set of 10^11 classes and samples", "a run limit raised to ten billion",
    "a stride or dilation below 1, a negative padding",
    "a layer option misspelt, a kind that takes no value, an activation where none is taken",
    "block and normalization keys misspelt, a size for batch norm, an empty body",
  ]

  static func fileName(_ name: String) -> String {
    name.lowercased().map { $0.isLetter || $0.isNumber ? String($0) : "-" }.joined() + ".yaml"
  }

  /// `Tests/SchemaCases` holds exactly those inputs; `DESCENT_UPDATE_SCHEMA_CASES=1` rewrites it.
  @Test func theStructuralBadInputsAreTheFilesCIChecksAgainstTheSchema() throws {
    let folder = Self.root + "/Tests/SchemaCases"
    let inputs = BadInput.catalogue.filter { Self.structural.contains($0.name) }
    #expect(inputs.count == Self.structural.count)
    if ProcessInfo.processInfo.environment["DESCENT_UPDATE_SCHEMA_CASES"] == "1" {
      try? FileManager.default.removeItem(atPath: folder)
      try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
      for input in inputs {
        FileManager.default.createFile(
          atPath: folder + "/" + Self.fileName(input.name), contents: Data(input.yaml))
      }
    }
    let files = try FileManager.default.contentsOfDirectory(atPath: folder).sorted()
    #expect(files == inputs.map { Self.fileName($0.name) }.sorted())
    for input in inputs {
      let written = FileManager.default.contents(atPath: folder + "/" + Self.fileName(input.name))
      #expect(written.map { [UInt8]($0) } == input.yaml, "\(input.name)")
    }
  }

  /// The JSON Schema is valid JSON, declares the draft, and holds every top-level key with its
  /// description; its defaults are the values `config.yaml` writes.
  @Test func theJSONSchemaDescribesEveryKey() throws {
    let text = ExperimentSchema.jsonSchemaText
    let object = try #require(
      try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
    #expect(object["$schema"] as? String == "https://json-schema.org/draft/2020-12/schema")
    let properties = try #require(object["properties"] as? [String: Any])
    #expect(Set(properties.keys) == Set(ExperimentLoader.topLevelKeys))
    let training = try #require(properties["training"] as? [String: Any])
    let keys = try #require(training["properties"] as? [String: [String: Any]])
    #expect(keys["epochs"]?["default"] as? Int == 10)
    #expect(keys["batch_size"]?["default"] as? Int == 32)
    #expect(training["additionalProperties"] as? Bool == false)
    // SGD refuses adam's betas: the optimizer's variants decide its keys.
    let optimizer = try #require(properties["optimizer"] as? [String: Any])
    let forms = try #require(optimizer["anyOf"] as? [[String: Any]])
    let rules = try #require(forms[1]["allOf"] as? [[String: Any]])
    let sgd = try #require(
      rules.first {
        (($0["if"] as? [String: Any])?["properties"] as? [String: [String: String]])?["name"]?[
          "const"] == "sgd"
      })
    let refused = (sgd["then"] as? [String: Any])?["properties"] as? [String: Bool]
    #expect(refused?["betas"] == false)
    #expect(refused?["momentum"] == nil)
  }

  /// A default the declarations give is the value the decoder uses: every optimizer's resolved
  /// keys with nothing set are the key reference's defaults.
  @Test func everyOptimizersDefaultsAreItsDeclaredDefaults() throws {
    let section = ConfigurationDecoder.optimizerSection
    for name in section.variants {
      let resolved = section.resolved(section.defaults(name), variant: name)
      for (key, value) in resolved where key != "name" {
        let declared = try #require(section.keys.first { $0.name == key })
        let group = declared.defaults.first { $0.variants == nil || $0.variants!.contains(name) }
        #expect(group?.text == value, "\(name).\(key)")
      }
    }
  }
}
