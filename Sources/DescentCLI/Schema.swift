import ArgumentParser
import Descent

struct Schema: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Print the JSON Schema of experiment files, or the reference of every key.",
    discussion: """
      The JSON Schema (draft 2020-12) lets an editor with the YAML language server complete and \
      check an experiment file: save it as descent.schema.json and start the file with \
      # yaml-language-server: $schema=descent.schema.json. It checks keys, types, ranges and \
      choices; descent validate checks the rest (the data, the output width, swept values).
      """)

  @Flag(help: "Print every key with its default and what it means, as the README lists them.")
  var reference = false

  func run() {
    print(
      reference ? ExperimentSchema.keyReferenceText : ExperimentSchema.jsonSchemaText,
      terminator: "")
  }
}
