import Foundation
import Testing

/// Every kind of broken input a user can give Descent, through the real executable: `validate`
/// and `run` must each refuse it with exit code 65 (64 for a usage error) and its message word
/// for word, naming the file and, where the file has them, the line and column; must end before
/// a deadline within a memory limit; and must write nothing, neither a new results folder nor a
/// byte of an existing one.
@Suite struct BadInputTests {
  @Test(arguments: BadInput.catalogue)
  func isRefusedWithItsMessageAndWritesNothing(_ input: BadInput) throws {
    let folder = try TemporaryFolder()
    try input.write(in: folder.path)

    let validate = try BoundedDescent.run(
      ["validate", "x.yaml"] + input.arguments, in: folder.path, environment: input.environment)
    #expect(validate.status == 65)
    #expect(validate.stdout == "")
    #expect(validate.stderr == input.expectedOutput(folder: folder.path))

    let run = try BoundedDescent.run(
      ["run", "x.yaml", "--out", "results"] + input.arguments, in: folder.path,
      environment: input.environment)
    #expect(run.status == 65)
    #expect(run.stderr == input.expectedOutput(folder: folder.path))
    #expect(!FileManager.default.fileExists(atPath: folder.path + "/results"))

    let existing = folder.path + "/existing"
    try PreviousResults.write(in: existing)
    let before = try PreviousResults.snapshot(existing)
    let again = try BoundedDescent.run(
      ["run", "x.yaml", "--out", "existing"] + input.arguments, in: folder.path,
      environment: input.environment)
    #expect(again.status == 65)
    #expect(try PreviousResults.snapshot(existing) == before)
  }

  @Test(
    .enabled(
      if: !Permissions.areIgnored,
      "this user reads files whatever their mode (root), so a mode cannot make one unreadable"))
  func unreadableFilesAreRefusedWithTheirPath() throws {
    let folder = try TemporaryFolder()
    try BadInput.dataFileTemplate(source: "{csv: data.csv, target: y}").write(in: folder.path)
    let data = folder.path + "/data.csv"
    try "a,y\n1,0\n2,1\n".write(toFile: data, atomically: true, encoding: .utf8)
    chmod(data, 0)
    defer { chmod(data, 0o644) }
    let result = try BoundedDescent.run(["run", "x.yaml", "--out", "results"], in: folder.path)
    #expect(result.status == 65)
    #expect(
      result.stderr == "data.csv: cannot read the file: permission denied\n")
    #expect(!FileManager.default.fileExists(atPath: folder.path + "/results"))

    chmod(folder.path + "/x.yaml", 0)
    defer { chmod(folder.path + "/x.yaml", 0o644) }
    let experiment = try BoundedDescent.run(["validate", "x.yaml"], in: folder.path)
    #expect(experiment.status == 65)
    #expect(experiment.stderr == "x.yaml: cannot read the file: permission denied\n")
  }

  @Test func usageErrorsExitWith64AndWriteNothing() throws {
    let folder = try TemporaryFolder()
    try BadInput.minimal.write(in: folder.path)
    let cases: [(arguments: [String], error: String)] = [
      (
        ["run", "x.yaml", "--max-runs", "0"], "Error: --max-runs must be from 1 to 1000000, found 0"
      ),
      (
        ["run", "x.yaml", "--max-runs", "99999999999999999999"],
        "Error: The value '99999999999999999999' is invalid for '--max-runs <max-runs>'"
      ),
      (["run", "x.yaml", "--jobs", "0"], "Error: --jobs must be at least 1, found 0"),
      (["run", "--out", "results"], "Error: Missing expected argument '<files> ...'"),
      (["run", "x.yaml", "--frob"], "Error: Unknown option '--frob'. Did you mean '--jobs'?"),
    ]
    for (arguments, error) in cases {
      let result = try BoundedDescent.run(arguments + ["--out", "results"], in: folder.path)
      #expect(result.status == 64, "\(arguments)")
      #expect(result.stderr.split(separator: "\n").first.map(String.init) == error)
      #expect(!FileManager.default.fileExists(atPath: folder.path + "/results"))
    }
  }

  @Test func runIdsMadeFromPathsStayInsideTheResultsFolder() throws {
    let folder = try TemporaryFolder()
    try FileManager.default.createDirectory(
      atPath: folder.path + "/data", withIntermediateDirectories: true)
    let csv = "a,y\n1,0\n2,1\n3,0\n4,1\n5,0\n"
    try csv.write(toFile: folder.path + "/data/d.csv", atomically: true, encoding: .utf8)
    try csv.write(toFile: folder.path + "/d.csv", atomically: true, encoding: .utf8)
    try BadInput(
      "a sweep over paths",
      yaml: BadInput.dataFileTemplate(source: "{csv: d.csv, target: y}").text
        + "sweep: {grid: {data.source.csv: [../\(URL(fileURLWithPath: folder.path).lastPathComponent)/d.csv, \(folder.path)/data/d.csv, ./d.csv]}}\n",
      messages: []
    ).write(in: folder.path)
    let result = try BoundedDescent.run(["plan", "x.yaml"], in: folder.path)
    #expect(result.status == 0, "\(result.stderr)")
    let ids = result.stdout.split(separator: "\n").dropFirst().map {
      String($0.split(separator: " ").first ?? "")
    }
    #expect(ids.count == 3)
    for id in ids {
      #expect(!id.contains("/") && !id.contains("\\") && !id.hasPrefix("."), "\(id)")
    }
  }
}

/// One broken input: an experiment file `x.yaml`, the files beside it, and what Descent must
/// print for it.
struct BadInput: Sendable, CustomTestStringConvertible {
  var name: String
  var yaml: [UInt8]
  /// Files beside the experiment, by name.
  var files: [String: [UInt8]] = [:]
  var arguments: [String] = []
  /// Variables set in Descent's environment, such as `DESCENT_MEMORY_LIMIT`.
  var environment: [String: String] = [:]
  /// The lines Descent prints on standard error.
  var messages: [String]

  var testDescription: String { name }

  var text: String { String(decoding: yaml, as: UTF8.self) }

  /// The lines Descent prints, with `$FOLDER` standing for the folder of `x.yaml`.
  func expectedOutput(folder: String) -> String {
    let folder = URL(fileURLWithPath: folder).standardizedFileURL.path
    return messages.map { $0.replacingOccurrences(of: "$FOLDER", with: folder) + "\n" }.joined()
  }

  init(
    _ name: String, yaml: String, files: [String: String] = [:], arguments: [String] = [],
    environment: [String: String] = [:], messages: [String]
  ) {
    self.init(
      name, bytes: Array(yaml.utf8), files: files.mapValues { Array($0.utf8) },
      arguments: arguments, environment: environment, messages: messages)
  }

  init(
    _ name: String, bytes: [UInt8], files: [String: [UInt8]] = [:], arguments: [String] = [],
    environment: [String: String] = [:], messages: [String]
  ) {
    self.name = name
    self.yaml = bytes
    self.files = files
    self.arguments = arguments
    self.environment = environment
    self.messages = messages
  }

  func write(in folder: String) throws {
    try Data(yaml).write(to: URL(fileURLWithPath: folder + "/x.yaml"))
    for (name, bytes) in files {
      try Data(bytes).write(to: URL(fileURLWithPath: folder + "/" + name))
    }
  }

  /// A valid experiment on iris.
  static let minimal = BadInput(
    "minimal",
    yaml: """
      data: {source: iris}
      model:
        layers:
          - {dense: 8, activation: relu}
          - {dense: 3}
      loss: cross_entropy
      optimizer: {name: sgd, lr: 0.1}

      """, messages: [])

  /// The minimal experiment after `lines`.
  static func minimal(after lines: String) -> String { lines + "\n" + minimal.text }

  /// An experiment on the data source `source`, written on the first line.
  static func dataFileTemplate(source: String) -> BadInput {
    BadInput(
      "data",
      yaml: """
        data: {source: \(source)}
        model: {layers: [{dense: 2}]}
        loss: cross_entropy
        optimizer: sgd

        """, messages: [])
  }

  static let catalogue: [BadInput] =
    syntax + settings + encodings + sizes + numbers + names + data + layers + normalization
    + initFrom + memory
}

// MARK: - The catalogue

extension BadInput {
  /// The digits as 8x8 images with `layers`, one entry per line from line 6, and `training`
  /// after them.
  static func images(_ layers: [String], shape: String = "[1, 8, 8]", training: String? = nil)
    -> String
  {
    """
    data: {source: digits, shape: \(shape)}
    loss: cross_entropy
    optimizer: sgd
    model:
      layers:
    \(layers.map { "    - " + $0 }.joined(separator: "\n"))
    \(training.map { "training: " + $0 + "\n" } ?? "")
    """
  }

  static let layers = [
    BadInput(
      "a kernel larger than its padded input",
      yaml: images(["{conv2d: 4, kernel: 9, padding: 0}", "flatten", "{dense: 10}"]),
      messages: [
        "x.yaml:6:16: model.layers.0.conv2d: the kernel spans 9 x 9, larger than the padded input 8 x 8; use a smaller kernel or dilation, or more padding"
      ]),
    BadInput(
      "a pool that shrinks an axis to 0",
      yaml: images([
        "{max_pool2d: 2}", "{max_pool2d: 2}", "{max_pool2d: 2}", "{max_pool2d: 2}", "flatten",
        "{dense: 10}",
      ]),
      messages: [
        "x.yaml:9:20: model.layers.3.max_pool2d: a 2 x 2 window shrinks the 1 x 1 padded input to 0 x 0; use a smaller kernel or more padding, or pool earlier"
      ]),
    BadInput(
      "a stride or dilation below 1, a negative padding",
      yaml: images([
        "{conv2d: 4, kernel: 3, stride: 0}", "{conv2d: 4, kernel: 3, dilation: [1, 0]}",
        "{conv2d: 4, kernel: 3, padding: -1}", "{max_pool2d: 2, padding: [0, -1]}",
        "{avg_pool2d: 2, stride: 0}", "flatten", "{dense: 10}",
      ]),
      messages: [
        "x.yaml:6:38: model.layers.0.stride: expected an integer >= 1, found 0",
        "x.yaml:7:44: model.layers.1.dilation.1: expected an integer >= 1, found 0",
        "x.yaml:8:39: model.layers.2.padding: expected an integer >= 0, found -1",
        "x.yaml:9:36: model.layers.3.padding.1: expected an integer >= 0, found -1",
        "x.yaml:10:31: model.layers.4.stride: expected an integer >= 1, found 0",
      ]),
    BadInput(
      "groups that do not divide the output channels",
      yaml: images(["{conv2d: 4, kernel: 3, groups: 3}", "flatten", "{dense: 10}"]),
      messages: [
        "x.yaml:6:38: model.layers.0.groups: groups 3 does not divide the 4 output channels; expected a divisor of 4"
      ]),
    BadInput(
      "groups that do not divide the input channels",
      yaml: images(["{conv2d: 4, kernel: 1, groups: 2}", "flatten", "{dense: 10}"]),
      messages: [
        "x.yaml:6:16: model.layers.0.conv2d: groups 2 does not divide the 1 input channels"
      ]),
    BadInput(
      "same padding with a stride",
      yaml: images(["{conv2d: 4, kernel: 3, stride: 2, padding: same}", "flatten", "{dense: 10}"]),
      messages: [
        "x.yaml:6:50: model.layers.0.padding: same padding needs stride 1, found stride [2, 2]; give the padding as an integer or [height, width]"
      ]),
    BadInput(
      "a data shape that does not hold the features",
      yaml: images(["flatten", "{dense: 10}"], shape: "[1, 8, 9]"),
      messages: [
        "x.yaml:1:31: data.shape: 1 x 8 x 9 holds 72 values, but each example of digits has 64 features"
      ]),
    BadInput(
      "a data shape of two dimensions",
      yaml: images(["{dense: 10}"], shape: "[8, 8]"),
      messages: [
        "x.yaml:1:31: data.shape: expected a list such as [1, 8, 8] ([channels, height, width]) or [64] ([features]), found a list of 2 values"
      ]),
    BadInput(
      "a dense layer on an image",
      yaml: images(["{conv2d: 4, kernel: 3, activation: relu}", "{dense: 10}"]),
      messages: [
        "x.yaml:7:15: model.layers.1.dense: dense expects a flat input, found [4, 6, 6]; add flatten (or global_avg_pool2d, then flatten) before it"
      ]),
    BadInput(
      "a convolution on flat data",
      yaml: images(["{conv2d: 4, kernel: 3}", "flatten", "{dense: 10}"], shape: "[64]"),
      messages: [
        "x.yaml:6:16: model.layers.0.conv2d: conv2d expects an image [channels, height, width], found [64]; set data.shape to lay the features out as images"
      ]),
    BadInput(
      "a convolutional network past the parameter limit",
      yaml: images(["{conv2d: 2000000, kernel: 8}", "flatten", "{dense: 10}"]),
      messages: [
        "x.yaml:6:5: model.layers: the network has 150000010 parameters for inputs [1, 8, 8], more than the limit of 100000000; use fewer or narrower layers"
      ]),
    BadInput(
      "a layer option misspelt, a kind that takes no value, an activation where none is taken",
      yaml: images([
        "{conv2d: 4, kernal: 3}", "{flatten: 3}", "{max_pool2d: 2, activation: relu}",
        "{dense: 10}",
      ]),
      messages: [
        "x.yaml:6:7: model.layers.0.kernel: missing required key; expected the kernel size, an integer >= 1 or [height, width]",
        "x.yaml:6:19: model.layers.0.kernal: unknown key; did you mean 'kernel'?",
        "x.yaml:7:17: model.layers.1.flatten: flatten takes no value; write it bare, - flatten",
        "x.yaml:8:23: model.layers.2.activation: max_pool2d takes no activation; give the activation its own entry, {activation: relu}",
      ]),
  ]

  static let normalization = [
    BadInput(
      "batch norm on a last batch of one example",
      yaml: images(
        ["{dense: 16}", "batch_norm", "{dense: 10}"], shape: "[64]",
        training: "{batch_size: 3}"),
      messages: [
        "x.yaml:7:7: model.layers.1: batch_norm needs more than one value per channel to train, but the last batch of each epoch holds 1 example (1438 training examples in batches of 3); set training.drop_last: true to leave it out, or choose another batch size"
      ]),
    BadInput(
      // The convolution's batch norm sees 36 values per channel even in batches of one.
      "a projection's batch norm on batches of one example",
      yaml: images(
        [
          "{conv2d: 4, kernel: 3}", "batch_norm", "global_avg_pool2d", "flatten",
          "{residual: [{dense: 10}], shortcut: projection}",
        ], training: "{batch_size: 1}"),
      messages: [
        "x.yaml:10:43: model.layers.4.shortcut: the projection shortcut's batch_norm needs more than one value per channel to train, but training.batch_size 1 gives it one; use a batch size of at least 2"
      ]),
    BadInput(
      "drop_last with fewer examples than a batch",
      yaml: images(
        ["{dense: 16}", "batch_norm", "{dense: 10}"], shape: "[64]",
        training: "{batch_size: 2000, drop_last: true}"),
      messages: [
        "x.yaml:9:41: training.drop_last: the 1438 training examples do not fill one batch of 2000, and drop_last leaves out the rest, so nothing would train; lower training.batch_size or set drop_last: false"
      ]),
    BadInput(
      "an identity shortcut around a body that changes the shape",
      yaml: images([
        "{conv2d: 4, kernel: 3, padding: 1}", "{residual: [{conv2d: 8, kernel: 3, padding: 1}]}",
        "flatten", "{dense: 10}",
      ]),
      messages: [
        "x.yaml:7:18: model.layers.1.residual: an identity shortcut cannot add the input [4, 8, 8] to the body's output [8, 8, 8]; use shortcut: projection, which maps the input to the body's shape"
      ]),
    BadInput(
      "a layer of a nested block that cannot take its input",
      yaml: images(["{residual: [{residual: [{dense: 4}]}]}", "flatten", "{dense: 10}"]),
      messages: [
        "x.yaml:6:39: model.layers.0.residual.0.residual.0.dense: dense expects a flat input, found [1, 8, 8]; add flatten (or global_avg_pool2d, then flatten) before it"
      ]),
    BadInput(
      "blocks nested deeper than 32",
      yaml: images(
        [
          String(repeating: "{residual: [", count: 33) + "{dense: 4}"
            + String(repeating: "]}", count: 33), "{dense: 10}",
        ], shape: "[64]"),
      messages: [
        "x.yaml:6:402: model.layers.0" + String(repeating: ".residual.0", count: 32)
          + ".residual: residual blocks nest at most 32 deep, and this one is inside 32 others; nest fewer"
      ]),
    BadInput(
      "block and normalization keys misspelt, a size for batch norm, an empty body",
      yaml: images(
        [
          "{residual: [{conv2d: 1, kernel: 1}], shortcuts: identity}",
          "{batch_norm: {momentun: 0.1}}", "{layer_norm: {eps: -1}}", "{batch_norm: 4}",
          "{residual: []}", "residual", "{residual: [batch_norm], shortcut: bottleneck}",
          "flatten", "{dense: 10}",
        ], training: "{drop_last: 1}"),
      messages: [
        "x.yaml:6:44: model.layers.0.shortcuts: unknown key; did you mean 'shortcut'?",
        "x.yaml:7:21: model.layers.1.batch_norm.momentun: unknown key; did you mean 'momentum'?",
        "x.yaml:8:26: model.layers.2.layer_norm.eps: expected a positive number, found -1",
        "x.yaml:9:20: model.layers.3.batch_norm: batch_norm takes no size; write it bare, - batch_norm, or with its settings, {batch_norm: {momentum: ..., eps: ...}}",
        "x.yaml:10:18: model.layers.4.residual: expected a list of at least one layer, such as {dense: 64, activation: relu}, {activation: relu} or {dropout: 0.1}; found an empty list",
        "x.yaml:11:7: model.layers.5: expected a layer such as {dense: 64, activation: relu}, {activation: relu} or {dropout: 0.1}, found \"residual\"",
        "x.yaml:12:42: model.layers.6.shortcut: expected one of identity, projection, found \"bottleneck\"",
        "x.yaml:15:23: training.drop_last: expected true or false, found 1",
      ]),
  ]

  static let syntax = [
    BadInput(
      "a key indented less than its siblings", yaml: "data:\n  source: iris\n model: x\n",
      messages: [
        "x.yaml:3:2: YAML syntax error: did not find expected key (while parsing a block mapping at line 1, column 1)"
      ]),
    BadInput(
      "a list left open", yaml: "model:\n  layers: [{dense: 3}\nloss: mse\n",
      messages: [
        "x.yaml:3:1: YAML syntax error: did not find expected ',' or ']' (while parsing a flow sequence at line 2, column 11)"
      ]),
    BadInput(
      "a tab for indentation", yaml: "data:\n\tsource: iris\n",
      messages: [
        "x.yaml:2:1: YAML syntax error: found character that cannot start any token (while scanning for the next token at line 2, column 1)"
      ]),
    BadInput(
      "a quoted string left open", yaml: "name: \"abc\n",
      messages: [
        "x.yaml:2:1: YAML syntax error: found unexpected end of stream (while scanning a quoted scalar at line 1, column 7)"
      ]),
    BadInput(
      "an alias of no anchor", yaml: minimal(after: "description: *nothing"),
      messages: ["x.yaml:1:14: YAML syntax error: found undefined alias"]),
    BadInput(
      "two documents", yaml: "---\n" + minimal.text + "---\n" + minimal.text,
      messages: ["x.yaml:9:1: a second YAML document; an experiment file holds one"]),
    BadInput(
      "a colon inside a plain value", yaml: minimal(after: "description: a: b"),
      messages: ["x.yaml:1:15: YAML syntax error: mapping values are not allowed in this context"]),
    BadInput(
      "a list for the whole file", yaml: "- data\n- model\n",
      messages: [
        "x.yaml:1:1: expected a mapping with keys name, description, seed, data, model, loss, optimizer, schedule, training, sweep, expect, report, study, found a list"
      ]),
    BadInput(
      "a word for the whole file", yaml: "hello\n",
      messages: [
        "x.yaml:1:1: expected a mapping with keys name, description, seed, data, model, loss, optimizer, schedule, training, sweep, expect, report, study, found \"hello\""
      ]),
  ]

  static let settings = [
    BadInput(
      "values of the wrong type",
      yaml: """
        data: {source: [iris]}
        model:
          layers: relu
        loss: 3
        optimizer:
          name: sgd
          lr: abc
          nesterov: 1
        training: {epochs: 2.5, batch_size: "32", save_weights: yes}

        """,
      messages: [
        "x.yaml:1:16: data.source: expected digits, iris, {csv: FILE, target: COLUMN}, {idx: {images: FILE, labels: FILE}} or {synthetic: NAME}, found a list",
        "x.yaml:3:11: model.layers: expected a list of layers such as {dense: 64, activation: relu}, {activation: relu} or {dropout: 0.1}, found \"relu\"",
        "x.yaml:4:7: loss.name: expected one of cross_entropy, bce, mse, huber, found 3",
        "x.yaml:7:7: optimizer.lr: expected a positive number, found \"abc\"",
        "x.yaml:8:13: optimizer.nesterov: expected true or false, found 1",
        "x.yaml:9:20: training.epochs: expected an integer >= 1, found 2.5",
        "x.yaml:9:37: training.batch_size: expected an integer >= 1, found \"32\"",
        "x.yaml:9:57: training.save_weights: expected true or false, found \"yes\"",
      ]),
    BadInput(
      "values out of range",
      yaml: """
        data: {source: iris, validation: 1}
        model:
          layers:
            - {dense: 0, activation: relu}
            - {dropout: 1.0}
            - {dense: 3}
        loss: cross_entropy
        optimizer: {name: sgd, lr: 0, momentum: 1.5}
        training: {batch_size: 0}

        """,
      messages: [
        "x.yaml:1:34: data.validation: expected a number in [0, 1), found 1",
        "x.yaml:4:15: model.layers.0.dense: expected an integer >= 1, found 0",
        "x.yaml:5:17: model.layers.1.dropout: expected a number in [0, 1), found 1.0",
        "x.yaml:8:28: optimizer.lr: expected a positive number, found 0",
        "x.yaml:8:41: optimizer.momentum: expected a number in [0, 1), found 1.5",
        "x.yaml:9:24: training.batch_size: expected an integer >= 1, found 0",
      ]),
    BadInput(
      "a misspelt key",
      yaml: minimal.text.replacingOccurrences(of: "lr: 0.1}", with: "lr: 0.1, momentun: 0.9}"),
      messages: ["x.yaml:7:33: optimizer.momentun: unknown key; did you mean 'momentum'?"]),
    BadInput(
      "an unknown key", yaml: minimal(after: "foo: 1"),
      messages: [
        "x.yaml:1:1: foo: unknown key; expected one of name, description, seed, data, model, loss, optimizer, schedule, training, sweep, expect, report, study"
      ]),
    BadInput(
      "misspelt names",
      yaml: minimal.text.replacingOccurrences(of: "name: sgd", with: "name: sgdd")
        .replacingOccurrences(of: "relu", with: "rleu"),
      messages: [
        "x.yaml:4:30: model.layers.0.activation: expected one of relu, leaky_relu, elu, gelu, tanh, sigmoid, softplus, identity, found \"rleu\"; did you mean 'relu'?",
        "x.yaml:7:19: optimizer.name: expected one of sgd, adam, adamw, rmsprop, adagrad, found \"sgdd\"; did you mean 'sgd'?",
      ]),
    BadInput(
      "a key given twice",
      yaml: minimal.text.replacingOccurrences(
        of: "optimizer: {name: sgd, lr: 0.1}",
        with: "optimizer:\n  name: sgd\n  lr: 0.1\n  lr: 0.2"),
      messages: ["x.yaml:10:3: optimizer.lr: duplicate key; first given at line 9, column 3"]),
    BadInput(
      "a section given twice", yaml: minimal.text + "loss: mse\n",
      messages: [
        "x.yaml:8:1: loss: duplicate key; first given at line 6, column 1",
        "x.yaml:8:7: loss: mse needs a regression data set; iris is a classification set with 3 classes; use cross_entropy",
      ]),
    BadInput(
      "an override of a misspelt key", yaml: minimal.text,
      arguments: ["--set", "optimizer.momentun=0.9"],
      messages: [
        "--set optimizer.momentun=0.9: optimizer.momentun: unknown key; did you mean 'momentum'?"
      ]),
  ]

  static let encodings = [
    BadInput("an empty file", yaml: "", messages: missingSections),
    BadInput("a file of comments only", yaml: "# nothing yet\n", messages: missingSections),
    BadInput(
      "a binary file", bytes: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 0x0D],
      messages: ["x.yaml:1:1: not UTF-8 text: byte 0x89 at offset 0; save the file as UTF-8"]),
    BadInput(
      "NUL bytes", bytes: [0, 0, 0, 0],
      messages: [
        "x.yaml:1:1: cannot read the text: control characters are not allowed, found U+0000"
      ]),
    BadInput(
      "Latin-1 text",
      bytes: Array("name: x\ndescription: caf".utf8) + [0xE9] + Array(minimal(after: "").utf8),
      messages: ["x.yaml:2:17: not UTF-8 text: byte 0xE9 at offset 24; save the file as UTF-8"]),
    BadInput(
      "UTF-16 text",
      bytes: [0xFF, 0xFE] + minimal.text.utf16.flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] },
      messages: ["x.yaml: the file is UTF-16; save it as UTF-8"]),
    BadInput(
      "a control character", yaml: minimal(after: "description: a\u{07}b"),
      messages: [
        "x.yaml:1:15: cannot read the text: control characters are not allowed, found U+0007"
      ]),
  ]

  /// What an experiment without any section gets.
  static let missingSections = [
    "x.yaml: data: missing required key; expected a mapping with a source (digits, iris, {csv: FILE, target: COLUMN}, {idx: {images: FILE, labels: FILE}} or {synthetic: NAME})",
    "x.yaml: model: missing required key; expected a mapping with layers",
    "x.yaml: loss: missing required key; expected one of cross_entropy, bce, mse, huber",
    "x.yaml: optimizer: missing required key; expected a mapping with a name (one of sgd, adam, adamw, rmsprop, adagrad)",
  ]

  /// Nine anchors, each a list of nine aliases of the one before: 9^9 values in 9 lines.
  static let billionLaughs =
    "a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n"
    + zip("abcdefgh", "bcdefghi").map { previous, name in
      "\(name): &\(name) [" + Array(repeating: "*\(previous)", count: 9).joined(separator: ", ")
        + "]\n"
    }.joined()

  static let sizes = [
    BadInput(
      "billion laughs", yaml: billionLaughs,
      messages: ["x.yaml:5:8: aliases expand the file to more than 10000 values; use fewer aliases"]
    ),
    BadInput(
      "billion laughs as a key", yaml: billionLaughs + "? *i\n: x\n",
      messages: ["x.yaml:5:8: aliases expand the file to more than 10000 values; use fewer aliases"]
    ),
    BadInput(
      "a chain of 5000 aliases",
      yaml: "a0: &a0 [x]\n" + (1..<5000).map { "a\($0): &a\($0) [*a\($0 - 1)]\n" }.joined(),
      messages: [
        "x.yaml:139:14: aliases expand the file to more than 10000 values; use fewer aliases"
      ]),
    BadInput(
      "aliases in an override",
      yaml: minimal.text,
      arguments: [
        "--set",
        "description=[&a [1, 1, 1, 1, 1, 1, 1, 1, 1, 1], &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a], &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b], [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]]",
      ],
      messages: [
        "--set description=[&a [1, 1, 1, 1, 1, 1, 1, 1, 1, 1], &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a], &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b], [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]]: description: aliases expand the file to more than 10000 values; use fewer aliases"
      ]),
    BadInput(
      "10000 nested lists",
      yaml: String(repeating: "[", count: 10000) + String(repeating: "]", count: 10000),
      messages: ["x.yaml:1:1: lists and mappings are nested more than 1000 levels deep"]),
    BadInput(
      "10000 nested flow mappings",
      yaml: String(repeating: "{a: ", count: 10000) + String(repeating: "}", count: 10000),
      messages: ["x.yaml:1:3997: lists and mappings are nested more than 1000 levels deep"]),
    BadInput(
      "1100 nested block mappings",
      yaml: (0..<1100).map { String(repeating: " ", count: $0) + "a:\n" }.joined(),
      messages: ["x.yaml:1000:1000: lists and mappings are nested more than 1000 levels deep"]),
    BadInput(
      "10000 nested block lists", yaml: String(repeating: "- ", count: 10000) + "x\n",
      messages: ["x.yaml:1:1999: lists and mappings are nested more than 1000 levels deep"]),
    BadInput(
      "an alias that nests past the limit",
      yaml: "a: &a " + String(repeating: "[", count: 990) + String(repeating: "]", count: 990)
        + "\nb: [[[[[[[[[[[[*a]]]]]]]]]]]]\n",
      messages: ["x.yaml:2:16: aliases nest lists and mappings more than 1000 levels deep"]),
    BadInput(
      "more than 10000 values",
      yaml: minimal(
        after: "sweep: {seeds: [\((0...10000).map(String.init).joined(separator: ", "))]}"),
      messages: [
        "x.yaml:1:58877: the file has more than 10000 values; an experiment needs far fewer"
      ]),
    BadInput(
      "a file over 1 MB", yaml: "#" + String(repeating: "x", count: 1 << 20) + "\n" + minimal.text,
      messages: [
        "x.yaml: the file is larger than 1048576 bytes; an experiment file needs a few thousand"
      ]),
  ]

  static let numbers = [
    BadInput(
      "epochs: 1e400", yaml: minimal(after: "training: {epochs: 1e400}"),
      messages: ["x.yaml:1:20: training.epochs: expected an integer >= 1, found 1e400"]),
    BadInput(
      "a batch size past Int.max",
      yaml: minimal(after: "training: {batch_size: 99999999999999999999}"),
      messages: [
        "x.yaml:1:24: training.batch_size: expected an integer >= 1, found 99999999999999999999, larger than the largest integer 9223372036854775807"
      ]),
    BadInput(
      "a seed past UInt64.max", yaml: minimal(after: "seed: 99999999999999999999"),
      messages: [
        "x.yaml:1:7: seed: expected an integer >= 0, found 99999999999999999999, larger than the largest integer 18446744073709551615"
      ]),
    BadInput(
      "a learning rate past Double.greatestFiniteMagnitude",
      yaml: minimal.text.replacingOccurrences(of: "lr: 0.1", with: "lr: 1e400"),
      messages: [
        "x.yaml:7:28: optimizer.lr: expected a positive number, found 1e400, larger than the largest number 1.7976931348623157e+308"
      ]),
    BadInput(
      "a layer width past Int.max",
      yaml: minimal.text.replacingOccurrences(of: "dense: 8", with: "dense: 9223372036854775808"),
      messages: [
        "x.yaml:4:15: model.layers.0.dense: expected an integer >= 1, found 9223372036854775808, larger than the largest integer 9223372036854775807"
      ]),
    BadInput(
      "a layer width with a few zeros too many",
      yaml: minimal.text.replacingOccurrences(of: "dense: 8", with: "dense: 99999999999"),
      messages: [
        "x.yaml:4:5: model.layers: the network has 799999999995 parameters for 4 inputs, more than the limit of 100000000; use fewer or narrower layers"
      ]),
    BadInput(
      "a synthetic set of 10^11 classes and samples",
      yaml: dataFileTemplate(
        source: "{synthetic: blobs, samples: 99999999999, classes: 99999999999, dimension: 1000}"
      ).text,
      messages: [
        "x.yaml:1:44: data.source.samples: expected an integer from 1 to 1000000, found 99999999999",
        "x.yaml:1:66: data.source.classes: expected an integer from 2 to 1000, found 99999999999",
        "x.yaml:1:90: data.source.dimension: expected an integer from 1 to 100, found 1000",
      ]),
    BadInput(
      "a grid of a billion runs",
      yaml: minimal(
        after: """
          sweep:
            grid:
              optimizer.lr: [\((1...1000).map { "\(Double($0) / 10000)" }.joined(separator: ", "))]
              optimizer.momentum: [\((0..<1000).map { "\(Double($0) / 1000)" }.joined(separator: ", "))]
              training.batch_size: [\((1...1000).map(String.init).joined(separator: ", "))]
          """),
      messages: [
        "x.yaml:1:1: sweep: expands to 1000000000 runs, more than the limit of 5000; narrow the sweep or raise sweep.max_runs"
      ]),
    BadInput(
      "a random search of ten billion samples",
      yaml: minimal(
        after:
          "sweep: {random: {samples: 9999999999, space: {optimizer.lr: {log_uniform: [1.0e-4, 1.0]}}}}"
      ),
      messages: [
        "x.yaml:1:1: sweep: expands to 9999999999 runs, more than the limit of 5000; narrow the sweep or raise sweep.max_runs"
      ]),
    BadInput(
      "a sweep of more runs than Int.max",
      yaml: minimal(
        after:
          "sweep: {random: {samples: 9223372036854775807, space: {optimizer.lr: {uniform: [0.1, 1.0]}}}, seeds: [1, 2]}"
      ),
      messages: [
        "x.yaml:1:1: sweep: expands to about 1.8e+19 runs, more than the limit of 5000; narrow the sweep or raise sweep.max_runs"
      ]),
    BadInput(
      "a run limit raised to ten billion",
      yaml: minimal(
        after:
          "sweep: {max_runs: 10000000000, random: {samples: 10000000000, space: {optimizer.lr: {uniform: [0.1, 1.0]}}}}"
      ),
      messages: [
        "x.yaml:1:19: sweep.max_runs: expected an integer from 1 to 1000000, found 10000000000"
      ]),
  ]

  static let names = [
    ("../x", "\"../x\""), ("/etc", "\"/etc\""), ("a/b", "\"a/b\""), ("'a\\b'", "\"a\\\\b\""),
    ("..", "\"..\""), (".hidden", "\".hidden\""), ("''", "\"\""),
    (String(repeating: "a", count: 101), "\"\(String(repeating: "a", count: 101))\""),
  ].map { name, found in
    BadInput(
      "name: \(name)", yaml: minimal(after: "name: \(name)"),
      messages: [
        "x.yaml:1:7: name: expected a folder name of letters, digits, '-', '_' and '.', not starting with '.', found \(found)"
      ])
  }

  static let data = [
    BadInput(
      "a missing CSV file", yaml: dataFileTemplate(source: "{csv: data.csv, target: y}").text,
      messages: ["x.yaml:1:22: data.source.csv: no such file: data.csv"]),
    BadInput(
      "a folder for a CSV file", yaml: dataFileTemplate(source: "{csv: ., target: y}").text,
      messages: ["x.yaml:1:22: data.source.csv: expected a file, found a folder: ."]),
    BadInput(
      "an empty CSV file", yaml: dataFileTemplate(source: "{csv: data.csv, target: y}").text,
      files: ["data.csv": ""],
      messages: ["data.csv: the file is empty; expected a header row naming the columns"]),
    BadInput(
      "a CSV file with no rows", yaml: dataFileTemplate(source: "{csv: data.csv, target: y}").text,
      files: ["data.csv": "a,y\n"], messages: ["data.csv: no data rows after the header"]),
    BadInput(
      "a device that never ends for a CSV file",
      yaml: dataFileTemplate(source: "{csv: /dev/zero, target: y}").text,
      messages: [
        "/dev/zero:1: the header row is longer than 1048576 bytes; expected a row naming the columns"
      ]),
    BadInput(
      "missing IDX files",
      yaml: dataFileTemplate(source: "{idx: {images: i.idx, labels: l.idx}}").text,
      messages: [
        "x.yaml:1:31: data.source.idx.images: no such file: i.idx",
        "x.yaml:1:46: data.source.idx.labels: no such file: l.idx",
      ]),
    BadInput(
      "IDX files with no items",
      bytes: Array(dataFileTemplate(source: "{idx: {images: i.idx, labels: l.idx}}").yaml),
      files: [
        "i.idx": [0, 0, 8, 3, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 2],
        "l.idx": [0, 0, 8, 1, 0, 0, 0, 0],
      ],
      messages: [
        "i.idx: the header declares no images (0 x 2 x 2)",
        "l.idx: the header declares no labels (0)",
      ]),
    BadInput(
      "IDX headers that declare 2^31 items",
      bytes: Array(dataFileTemplate(source: "{idx: {images: i.idx, labels: l.idx}}").yaml),
      files: [
        "i.idx": [
          0, 0, 8, 3, 0x7F, 0xFF, 0xFF, 0xFF, 0x7F, 0xFF, 0xFF, 0xFF, 0x7F, 0xFF, 0xFF, 0xFF,
        ],
        "l.idx": [0, 0, 8, 1, 0x7F, 0xFF, 0xFF, 0xFF],
      ],
      messages: [
        "i.idx: the dimensions 2147483647 x 2147483647 x 2147483647 are too large to read",
        "l.idx: the header declares 2147483647 values, but the file has 0 bytes after its 8-byte header; is it truncated?",
      ]),
    BadInput(
      "a missing init_from file",
      yaml: minimal.text.replacingOccurrences(
        of: "    - {dense: 3}\n", with: "    - {dense: 3}\n  init_from: gone.safetensors\n"),
      messages: ["x.yaml:6:14: model.init_from: no such file: $FOLDER/gone.safetensors"]),
    BadInput(
      "a folder for init_from",
      yaml: minimal.text.replacingOccurrences(
        of: "    - {dense: 3}\n", with: "    - {dense: 3}\n  init_from: .\n"),
      messages: [
        "x.yaml:6:14: model.init_from: expected a safetensors file, found a folder: $FOLDER"
      ]),
  ]
}

// MARK: - Helpers

/// Runs the real `descent` with a deadline and a limit on its memory.
enum BoundedDescent {
  /// The longest any bad input may take; far above the tenth of a second each takes, so that
  /// only a hang reaches it.
  static let deadline: TimeInterval = 60
  /// The address space `descent` may use, in KiB: a few times what it needs to train.
  static let memoryLimit = 512 * 1024

  /// Runs `descent` with `arguments` in `folder`, and `environment` added to this process's,
  /// killed if it reaches the deadline.
  static func run(
    _ arguments: [String], in folder: String, environment: [String: String] = [:]
  ) throws -> CommandResult {
    let process = Process()
    process.currentDirectoryURL = URL(fileURLWithPath: folder)
    process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
    if Sanitizer.isActive {
      process.executableURL = URL(fileURLWithPath: Repository.executable)
      process.arguments = arguments
    } else {
      process.executableURL = URL(fileURLWithPath: "/bin/sh")
      process.arguments =
        ["-c", "ulimit -v \(memoryLimit) && exec \"$0\" \"$@\"", Repository.executable] + arguments
    }
    let stdout = Pipe()
    let stderr = Pipe()
    process.standardOutput = stdout
    process.standardError = stderr
    try process.run()
    let timer = DispatchSource.makeTimerSource()
    nonisolated(unsafe) var timedOut = false
    timer.schedule(deadline: .now() + deadline)
    timer.setEventHandler {
      timedOut = true
      process.terminate()
    }
    timer.resume()
    let group = DispatchGroup()
    nonisolated(unsafe) var errorData = Data()
    DispatchQueue.global().async(group: group) {
      errorData = stderr.fileHandleForReading.readDataToEndOfFile()
    }
    let outputData = stdout.fileHandleForReading.readDataToEndOfFile()
    group.wait()
    process.waitUntilExit()
    timer.cancel()
    #expect(
      !timedOut, "descent \(arguments.joined(separator: " ")) did not end within \(deadline) s")
    return CommandResult(
      status: process.terminationStatus, stdout: String(decoding: outputData, as: UTF8.self),
      stderr: String(decoding: errorData, as: UTF8.self))
  }
}

/// Whether this build runs under a sanitizer, which reserves terabytes of address space for its
/// shadow memory: the memory limit is left off then.
enum Sanitizer {
  static let isActive = ["__asan_init", "__tsan_init"].contains { (name: String) in
    dlsym(nil, name) != nil
  }
}

/// Whether file modes stop this process reading a file, which they do not for root.
enum Permissions {
  static let areIgnored: Bool = {
    let path = NSTemporaryDirectory() + "descent-mode-\(UUID().uuidString)"
    guard FileManager.default.createFile(atPath: path, contents: Data("x".utf8)) else {
      return false
    }
    defer { try? FileManager.default.removeItem(atPath: path) }
    chmod(path, 0)
    return FileManager.default.contents(atPath: path) != nil
  }()
}

/// A results folder from an earlier invocation, which a refused input must leave as it is.
enum PreviousResults {
  static func write(in folder: String) throws {
    let files = [
      "x/experiment.yaml": BadInput.minimal.text,
      "x/manifest.json": "{\"runs\": [{\"id\": \"run\", \"status\": \"complete\"}]}\n",
      "x/summary.csv": "index,id,status\n0,run,complete\n",
      "x/runs/run/result.json": "{\"status\": \"complete\"}\n",
      "x/runs/run/curve.csv": "epoch,train_loss\n1,0.5\n",
      "other/summary.md": "# other\n",
    ]
    for (name, text) in files {
      let path = folder + "/" + name
      try FileManager.default.createDirectory(
        atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
      try text.write(toFile: path, atomically: true, encoding: .utf8)
    }
  }

  /// Every file and folder under `folder` with its bytes.
  static func snapshot(_ folder: String) throws -> [String: Data] {
    var entries: [String: Data] = [:]
    let enumerator = FileManager.default.enumerator(atPath: folder)
    while let relative = enumerator?.nextObject() as? String {
      var isFolder: ObjCBool = false
      FileManager.default.fileExists(atPath: folder + "/" + relative, isDirectory: &isFolder)
      entries[relative] =
        isFolder.boolValue
        ? Data() : try Data(contentsOf: URL(fileURLWithPath: folder + "/" + relative))
    }
    return entries
  }
}
