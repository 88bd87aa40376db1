import Foundation
import Testing

@testable import Descent
@testable import DescentEngine

/// Weights written and read as safetensors, named and shaped as PyTorch's state_dict.
@Suite struct SafetensorsTests {
  /// nn.Sequential(nn.Linear(3, 2), nn.ReLU(), nn.Linear(2, 2)): tensors 0.weight [2, 3],
  /// 0.bias [2], 2.weight [2, 2], 2.bias [2].
  static let spec = ModelSpec(layers: [.dense(units: 2), .activation(.relu), .dense(units: 2)])

  static func network(seed: UInt64) -> Network<Float> {
    Network<Float>(spec: spec, inputWidth: 3, batchCapacity: 4, seed: seed)
  }

  /// A safetensors file from its JSON header and raw data, as the format defines it: the
  /// header's length as a little-endian UInt64, the header, the data.
  static func file(header: String, data: [UInt8]) -> Data {
    var bytes = Data()
    withUnsafeBytes(of: UInt64(header.utf8.count).littleEndian) { bytes.append(contentsOf: $0) }
    bytes.append(contentsOf: Array(header.utf8))
    bytes.append(contentsOf: data)
    return bytes
  }

  static func littleEndian(_ values: [Float]) -> [UInt8] {
    values.flatMap { value in withUnsafeBytes(of: value.bitPattern.littleEndian) { Array($0) } }
  }

  /// The header of a well-formed file for `spec`, with `weightShape` for `0.weight`.
  static func header(weightShape: String = "[2,3]", dtype: String = "F32") -> String {
    """
    {"0.weight":{"dtype":"\(dtype)","shape":\(weightShape),"data_offsets":[0,24]},\
    "0.bias":{"dtype":"F32","shape":[2],"data_offsets":[24,32]},\
    "2.weight":{"dtype":"F32","shape":[2,2],"data_offsets":[32,48]},\
    "2.bias":{"dtype":"F32","shape":[2],"data_offsets":[48,56]}}
    """
  }

  static let values: [Float] = (0..<14).map { Float($0) / 4 - 1 }

  func expectRejected(
    _ data: Data, with message: String, sourceLocation: Testing.SourceLocation = #_sourceLocation
  ) {
    var network = Self.network(seed: 1)
    let before = network.parameters
    do {
      try network.loadSafetensors(data, file: "weights.safetensors")
      Issue.record("the file was accepted", sourceLocation: sourceLocation)
    } catch let error as Diagnostic {
      #expect(error.description == message, sourceLocation: sourceLocation)
    } catch {
      Issue.record("unexpected error \(error)", sourceLocation: sourceLocation)
    }
    #expect(
      network.parameters == before, "a rejected file changes nothing",
      sourceLocation: sourceLocation)
  }

  @Test func roundTripRestoresEveryParameter() throws {
    let saved = Self.network(seed: 1)
    var loaded = Self.network(seed: 2)
    #expect(loaded.parameters != saved.parameters)
    try loaded.loadSafetensors(saved.safetensorsData(), file: "weights.safetensors")
    #expect(loaded.parameters == saved.parameters)
    // And so the same outputs.
    var a = saved
    var random = RandomGenerator(seed: 0)
    let x: [Float] = [0.5, -1, 2, 1, 1, -0.25]
    #expect(a.outputs(for: x, random: &random) == loaded.outputs(for: x, random: &random))
  }

  @Test func fileIsLaidOutAsTheFormatSays() throws {
    var network = Self.network(seed: 1)
    network.setStateDictValues(Self.values)
    let data = network.safetensorsData(metadata: ["format": "pt"])
    let length = Int(
      data.prefix(8).enumerated().reduce(UInt64(0)) {
        $0 | UInt64($1.element) << (8 * UInt64($1.offset))
      })
    #expect(length % 8 == 0, "the data starts 8-byte aligned")
    #expect(data.count == 8 + length + 14 * 4)
    let header = String(decoding: data[8..<8 + length], as: UTF8.self)
    let expected =
      #"{"__metadata__":{"format":"pt"},"#
      + Self.header().replacingOccurrences(of: "{\"0.weight", with: "\"0.weight").dropLast() + "}"
    #expect(header.trimmingCharacters(in: .whitespaces) == expected)
    #expect(Array(data[(8 + length)...]) == Self.littleEndian(Self.values))
  }

  @Test func handBuiltFileLoads() throws {
    var network = Self.network(seed: 1)
    try network.loadSafetensors(
      Self.file(header: Self.header(), data: Self.littleEndian(Self.values)),
      file: "weights.safetensors")
    #expect(network.stateDictValues == Self.values)
  }

  @Test func fileWrittenByPyTorchLoads() throws {
    // PyTorch orders tensors by name, biases first; Descent reads them by their offsets:
    //   m = nn.Sequential(nn.Linear(3, 2), nn.ReLU(), nn.Linear(2, 2))
    //   v = torch.arange(14, dtype=torch.float32) / 4 - 1
    //   (copy v[:6], v[6:8], v[8:12], v[12:] into 0.weight, 0.bias, 2.weight, 2.bias)
    //   safetensors.torch.save_file(m.state_dict(), path); base64.b64encode(open(path, 'rb').read())
    let file = Data(
      base64Encoded:
        "+AAAAAAAAAB7IjAuYmlhcyI6eyJkdHlwZSI6IkYzMiIsInNoYXBlIjpbMl0sImRhdGFfb2Zmc2V0cyI6WzAsOF19"
        + "LCIwLndlaWdodCI6eyJkdHlwZSI6IkYzMiIsInNoYXBlIjpbMiwzXSwiZGF0YV9vZmZzZXRzIjpbOCwzMl19LCIy"
        + "LmJpYXMiOnsiZHR5cGUiOiJGMzIiLCJzaGFwZSI6WzJdLCJkYXRhX29mZnNldHMiOlszMiw0MF19LCIyLndlaWdo"
        + "dCI6eyJkdHlwZSI6IkYzMiIsInNoYXBlIjpbMiwyXSwiZGF0YV9vZmZzZXRzIjpbNDAsNTZdfX0gIAAAAD8AAEA/"
        + "AACAvwAAQL8AAAC/AACAvgAAAAAAAIA+AAAAQAAAEEAAAIA/AACgPwAAwD8AAOA/")!
    var network = Self.network(seed: 1)
    try network.loadSafetensors(file, file: "torch.safetensors")
    #expect(network.stateDictValues == Self.values)
  }

  @Test func doublePrecisionFileLoads() throws {
    // torch.float64 tensors are stored as F64: read and rounded to Float.
    let header = Self.header(dtype: "F64").replacingOccurrences(of: "[0,24]", with: "[0,48]")
      .replacingOccurrences(of: "[24,32]", with: "[48,56]")
      .replacingOccurrences(of: "[32,48]", with: "[56,72]")
      .replacingOccurrences(of: "[48,56]}}", with: "[72,80]}}")
    let weight = Self.values[..<6].map(Double.init)
    var data = weight.flatMap { v in withUnsafeBytes(of: v.bitPattern.littleEndian) { Array($0) } }
    data += Self.littleEndian(Array(Self.values[6...]))
    var network = Self.network(seed: 1)
    try network.loadSafetensors(Self.file(header: header, data: data), file: "weights.safetensors")
    #expect(network.stateDictValues == Self.values)
  }

  @Test func wrongShapeIsRejectedWithBothShapes() {
    expectRejected(
      Self.file(header: Self.header(weightShape: "[3,2]"), data: Self.littleEndian(Self.values)),
      with:
        "weights.safetensors: tensor '0.weight' has shape [3, 2] in the file, but the model expects [2, 3]"
    )
  }

  @Test func missingTensorIsRejected() {
    let header = """
      {"0.weight":{"dtype":"F32","shape":[2,3],"data_offsets":[0,24]},\
      "0.bias":{"dtype":"F32","shape":[2],"data_offsets":[24,32]},\
      "2.weight":{"dtype":"F32","shape":[2,2],"data_offsets":[32,48]}}
      """
    expectRejected(
      Self.file(header: header, data: Self.littleEndian(Array(Self.values[..<12]))),
      with: "weights.safetensors: tensor '2.bias' is missing (the model expects shape [2])")
  }

  @Test func tensorTheModelLacksIsRejected() {
    let header =
      Self.header().dropLast() + #","4.weight":{"dtype":"F32","shape":[1],"data_offsets":[56,60]}}"#
    expectRejected(
      Self.file(header: String(header), data: Self.littleEndian(Self.values + [1])),
      with:
        "weights.safetensors: tensor '4.weight' is not in the model (expected 0.weight, 0.bias, 2.weight, 2.bias)"
    )
  }

  @Test func unsupportedDtypeIsRejected() {
    expectRejected(
      Self.file(header: Self.header(dtype: "F16"), data: Self.littleEndian(Self.values)),
      with: "weights.safetensors: tensor '0.weight' has dtype F16; expected F32 or F64")
  }

  @Test func truncatedFilesAreRejected() {
    expectRejected(
      Data([1, 2, 3]), with: "weights.safetensors: not a safetensors file: shorter than its header")
    expectRejected(
      Self.file(header: Self.header(), data: []).prefix(40),
      with:
        "weights.safetensors: not a safetensors file: header length \(Self.header().utf8.count) exceeds the file size"
    )
    expectRejected(
      Self.file(header: Self.header(), data: Self.littleEndian(Array(Self.values[..<13]))),
      with: "weights.safetensors: tensor '2.bias' has data offsets outside the file")
    expectRejected(
      Self.file(header: "[1, 2]", data: []),
      with: "weights.safetensors: not a safetensors file: the header is not a JSON object")
  }
}
