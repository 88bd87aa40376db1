import Foundation

// MARK: - Weights to start from, and runs that cannot fit in memory

extension BadInput {
  /// The minimal experiment, starting from `w.safetensors` (the value at line 6, column 14).
  static let startingFromWeights = minimal.text.replacingOccurrences(
    of: "    - {dense: 3}\n", with: "    - {dense: 3}\n  init_from: w.safetensors\n")

  /// The tensors of the minimal experiment's network on iris's 4 features: `Linear(4, 8)`,
  /// `ReLU`, `Linear(8, 3)`.
  static let minimalTensors: [(name: String, shape: [Int])] = [
    ("0.weight", [8, 4]), ("0.bias", [8]), ("2.weight", [3, 8]), ("2.bias", [3]),
  ]

  /// A safetensors file of F32 zeros with these tensors (`dtype` for the first).
  static func weights(_ tensors: [(name: String, shape: [Int])], dtype: String = "F32")
    -> [UInt8]
  {
    var entries: [String] = []
    var offset = 0
    for (index, tensor) in tensors.enumerated() {
      let bytes = tensor.shape.reduce(1, *) * (index == 0 && dtype == "F16" ? 2 : 4)
      let shape = tensor.shape.map(String.init).joined(separator: ",")
      entries.append(
        "\"\(tensor.name)\":{\"dtype\":\"\(index == 0 ? dtype : "F32")\",\"shape\":[\(shape)],"
          + "\"data_offsets\":[\(offset),\(offset + bytes)]}")
      offset += bytes
    }
    return [UInt8](
      SafetensorsTests.file(
        header: "{" + entries.joined(separator: ",") + "}",
        data: [UInt8](repeating: 0, count: offset)))
  }

  /// The header length a file that starts with `text` declares: its first 8 bytes, read as a
  /// little-endian integer.
  static func declaredLength(_ text: String) -> UInt64 {
    Array(text.utf8.prefix(8)).enumerated().reduce(UInt64(0)) {
      $0 | UInt64($1.element) << (8 * UInt64($1.offset))
    }
  }

  static let initFrom = [
    BadInput(
      "a device for init_from",
      yaml: startingFromWeights.replacingOccurrences(of: "w.safetensors", with: "/dev/zero"),
      messages: [
        "x.yaml:6:14: model.init_from: expected a safetensors file, found a device, pipe or socket: /dev/zero"
      ]),
    BadInput(
      "init_from a file shorter than a safetensors header", yaml: startingFromWeights,
      files: ["w.safetensors": "abc"],
      messages: ["x.yaml:6:14: model.init_from: not a safetensors file: shorter than its header"]),
    BadInput(
      "init_from a text file", yaml: startingFromWeights,
      files: ["w.safetensors": "these are not weights\n"],
      messages: [
        "x.yaml:6:14: model.init_from: not a safetensors file: header length \(declaredLength("these are not weights")) exceeds the file size"
      ]),
    BadInput(
      "init_from a file whose header is not JSON", bytes: Array(startingFromWeights.utf8),
      files: ["w.safetensors": [UInt8](SafetensorsTests.file(header: "{weights}", data: []))],
      messages: [
        "x.yaml:6:14: model.init_from: not a safetensors file: the header is not a JSON object"
      ]),
    BadInput(
      "init_from a header entry without a shape", bytes: Array(startingFromWeights.utf8),
      files: [
        "w.safetensors": [UInt8](
          SafetensorsTests.file(
            header: #"{"0.weight":{"dtype":"F32","data_offsets":[0,0]}}"#, data: []))
      ],
      messages: [
        "x.yaml:6:14: model.init_from: not a safetensors file: the header's entry for '0.weight' is not {dtype: string, shape: [integers], data_offsets: [begin, end]}"
      ]),
    BadInput(
      "init_from a file with a tensor the model lacks", bytes: Array(startingFromWeights.utf8),
      files: [
        "w.safetensors": weights(
          [("0.weights", [8, 4])] + minimalTensors.dropFirst())
      ],
      messages: [
        "x.yaml:6:14: model.init_from: tensor '0.weights' is not in the model (expected 0.weight, 0.bias, 2.weight, 2.bias)"
      ]),
    BadInput(
      "init_from a file without a tensor of the model", bytes: Array(startingFromWeights.utf8),
      files: ["w.safetensors": weights(Array(minimalTensors.dropLast()))],
      messages: [
        "x.yaml:6:14: model.init_from: tensor '2.bias' is missing (the model expects shape [3])"
      ]),
    BadInput(
      "init_from a file with a tensor of another shape", bytes: Array(startingFromWeights.utf8),
      files: ["w.safetensors": weights([("0.weight", [8, 5])] + minimalTensors.dropFirst())],
      messages: [
        "x.yaml:6:14: model.init_from: tensor '0.weight' has shape [8, 5] in the file, but the model expects [8, 4]"
      ]),
    BadInput(
      "init_from a file of half-precision weights", bytes: Array(startingFromWeights.utf8),
      files: ["w.safetensors": weights(minimalTensors, dtype: "F16")],
      messages: [
        "x.yaml:6:14: model.init_from: tensor '0.weight' has dtype F16; expected F32 or F64"
      ]),
    BadInput(
      "init_from given by --set", bytes: Array(minimal.text.utf8),
      files: ["w.safetensors": weights([("0.weight", [8, 5])] + minimalTensors.dropFirst())],
      arguments: ["--set", "model.init_from=w.safetensors"],
      messages: [
        "--set model.init_from=w.safetensors: model.init_from: tensor '0.weight' has shape [8, 5] in the file, but the model expects [8, 4]"
      ]),
    BadInput(
      "a swept width that the init_from file does not fit",
      bytes: Array(
        minimal(
          after: """
            sweep:
              zip:
                model.layers.0.dense: [8, 16]
                model.init_from: [w.safetensors, w.safetensors]
            """
        ).utf8),
      files: ["w.safetensors": weights(minimalTensors)],
      messages: [
        "x.yaml:4:38: model.init_from: tensor '0.weight' has shape [8, 4] in the file, but the model expects [16, 4]"
      ]),
  ]

  /// The minimal experiment with a wider first layer, `training` on line 8.
  static func wide(training: String) -> String {
    minimal.text.replacingOccurrences(
      of: "{dense: 8, activation: relu}", with: "{dense: 1000, activation: relu}")
      + "training: \(training)\n"
  }

  static let memory = [
    BadInput(
      "a batch that does not fit in memory", yaml: wide(training: "{batch_size: 100}"),
      environment: ["DESCENT_MEMORY_LIMIT": "1000000"],
      messages: [
        "x.yaml:8:24: training.batch_size: a batch of 100 needs about 2.1 MB to train (activations 2.0 MB, weights, gradients and optimizer state 96.0 kB, data 3.0 kB); DESCENT_MEMORY_LIMIT allows 1.0 MB; use a batch of at most 44"
      ]),
    BadInput(
      "a batch of every training example that does not fit in memory",
      yaml: wide(training: "{batch_size: 100000}"),
      environment: ["DESCENT_MEMORY_LIMIT": "1000000"],
      messages: [
        "x.yaml:8:24: training.batch_size: a batch of 120 (every training example) needs about 2.5 MB to train (activations 2.4 MB, weights, gradients and optimizer state 96.0 kB, data 3.0 kB); DESCENT_MEMORY_LIMIT allows 1.0 MB; use a batch of at most 44"
      ]),
    BadInput(
      "the default batch that does not fit in memory",
      yaml: minimal.text.replacingOccurrences(
        of: "{dense: 8, activation: relu}", with: "{dense: 1000, activation: relu}"),
      environment: ["DESCENT_MEMORY_LIMIT": "300000"],
      messages: [
        "x.yaml: training.batch_size: a batch of 32 (the default) needs about 775.7 kB to train (activations 676.7 kB, weights, gradients and optimizer state 96.0 kB, data 3.0 kB); DESCENT_MEMORY_LIMIT allows 300.0 kB; use a batch of at most 2"
      ]),
    BadInput(
      "a network that does not fit in memory with a batch of 1",
      yaml: wide(training: "{batch_size: 10}"),
      environment: ["DESCENT_MEMORY_LIMIT": "100000"],
      messages: [
        "x.yaml:4:5: model.layers: the network needs about 278.1 kB to train even on batches of 1 (activations 179.1 kB, weights, gradients and optimizer state 96.0 kB, data 3.0 kB); DESCENT_MEMORY_LIMIT allows 100.0 kB; use fewer or narrower layers"
      ]),
    BadInput(
      "data that does not fit in memory", yaml: minimal.text,
      environment: ["DESCENT_MEMORY_LIMIT": "2000"],
      messages: [
        "x.yaml:1:16: data.source: the data needs about 3.0 kB in memory; DESCENT_MEMORY_LIMIT allows 2.0 kB; use less data"
      ]),
    BadInput(
      "a memory limit that is not a number of bytes", yaml: minimal.text,
      environment: ["DESCENT_MEMORY_LIMIT": "12GB"],
      messages: [
        #"DESCENT_MEMORY_LIMIT: expected a positive whole number of bytes, found "12GB""#
      ]),
    BadInput(
      "a convolution padded past the largest output",
      yaml: images([
        "{conv2d: 32, kernel: 3, padding: 1000000000}", "global_avg_pool2d", "flatten",
        "{dense: 10}",
      ]),
      messages: [
        "x.yaml:6:16: model.layers.0.conv2d: the output [32, 2000000006, 2000000006] would hold more than 2147483648 values per example; use less padding or a larger stride"
      ]),
    BadInput(
      "a convolution padded past Int.max",
      yaml: images([
        "{conv2d: 1, kernel: 1, padding: 9223372036854775807}", "flatten", "{dense: 10}",
      ]),
      messages: [
        "x.yaml:6:16: model.layers.0.conv2d: the output [1, 9223372036854775807, 9223372036854775807] would hold more than 2147483648 values per example; use less padding or a larger stride"
      ]),
    BadInput(
      "a convolution in a block whose weight passes Int.max",
      yaml: images([
        "{conv2d: 4, kernel: 3, padding: 1}",
        "residual: [{conv2d: 4, kernel: 3000000001, padding: 1500000000}]", "flatten",
        "{dense: 10}",
      ]),
      messages: [
        "x.yaml:7:27: model.layers.1.residual.0.conv2d: the weight [4, 4, 3000000001, 3000000001] holds more values than an integer counts; use a smaller kernel or fewer channels"
      ]),
  ]
}
