import Foundation

/// Weights as safetensors (https://github.com/huggingface/safetensors): an 8-byte little-endian
/// header length, a JSON header naming each tensor's dtype, shape and byte range, then the raw
/// little-endian data. Names and shapes are those of the equivalent PyTorch `nn.Sequential`'s
/// state_dict, so `model.load_state_dict(safetensors.torch.load_file(path))` loads them.
///
/// Parameters and buffers are F32; counters (`num_batches_tracked`) are I64, as in PyTorch.
extension Network where T == Float {
  /// The file's bytes: tensors in state_dict order, the header padded with spaces to 8 bytes.
  public func safetensorsData(metadata: [String: String] = [:]) -> Data {
    var entries: [String] = []
    var offset = 0
    for tensor in stateDict {
      let isCounter = tensor.kind == .counter
      let bytes = tensor.count * (isCounter ? MemoryLayout<Int64>.size : MemoryLayout<Float>.size)
      let shape = tensor.shape.map(String.init).joined(separator: ",")
      entries.append(
        "\(Self.jsonString(tensor.name)):{\"dtype\":\"\(isCounter ? "I64" : "F32")\","
          + "\"shape\":[\(shape)],\"data_offsets\":[\(offset),\(offset + bytes)]}")
      offset += bytes
    }
    if !metadata.isEmpty {
      let pairs = metadata.sorted { $0.key < $1.key }
        .map { "\(Self.jsonString($0.key)):\(Self.jsonString($0.value))" }
      entries.insert("\"__metadata__\":{\(pairs.joined(separator: ","))}", at: 0)
    }
    var header = Array("{\(entries.joined(separator: ","))}".utf8)
    while header.count % 8 != 0 { header.append(UInt8(ascii: " ")) }
    var data = Data()
    data.reserveCapacity(8 + header.count + offset)
    withUnsafeBytes(of: UInt64(header.count).littleEndian) { data.append(contentsOf: $0) }
    data.append(contentsOf: header)
    let parameterValues = stateDictValues
    for tensor in stateDict {
      let range = tensor.offset..<tensor.offset + tensor.count
      switch tensor.kind {
      case .parameter:
        for value in parameterValues[range] {
          withUnsafeBytes(of: value.bitPattern.littleEndian) { data.append(contentsOf: $0) }
        }
      case .buffer:
        for value in buffers[range] {
          withUnsafeBytes(of: value.bitPattern.littleEndian) { data.append(contentsOf: $0) }
        }
      case .counter:
        for value in counters[range] {
          withUnsafeBytes(of: value.littleEndian) { data.append(contentsOf: $0) }
        }
      }
    }
    return data
  }

  /// Reads parameters, buffers and counters from safetensors bytes, checking every tensor's
  /// name, dtype and shape against this network.
  ///
  /// - Parameter file: the name to report in errors.
  /// - Throws: `Diagnostic` naming the tensor and both shapes when the file does not match.
  public mutating func loadSafetensors(_ data: Data, file: String) throws {
    func fail(_ message: String) -> Diagnostic { Diagnostic(file: file, message: message) }
    let bytes = [UInt8](data)
    guard bytes.count >= 8 else { throw fail("not a safetensors file: shorter than its header") }
    let headerLength = bytes[0..<8].enumerated().reduce(UInt64(0)) {
      $0 | UInt64($1.element) << (8 * UInt64($1.offset))
    }
    guard headerLength <= UInt64(bytes.count - 8) else {
      throw fail("not a safetensors file: header length \(headerLength) exceeds the file size")
    }
    let dataStart = 8 + Int(headerLength)
    guard
      let header = try? JSONSerialization.jsonObject(with: Data(bytes[8..<dataStart]))
        as? [String: Any]
    else { throw fail("not a safetensors file: the header is not a JSON object") }
    let expected = Set(stateDict.map(\.name))
    if let extra = header.keys.filter({ $0 != "__metadata__" && !expected.contains($0) }).sorted()
      .first
    {
      throw fail(
        "tensor '\(extra)' is not in the model (expected \(stateDict.map(\.name).joined(separator: ", ")))")
    }
    var values = stateDictValues
    var bufferValues = buffers
    var counterValues = counters
    for tensor in stateDict {
      guard let entry = header[tensor.name] as? [String: Any] else {
        throw fail("tensor '\(tensor.name)' is missing (the model expects shape \(tensor.shape))")
      }
      let shape = (entry["shape"] as? [Int]) ?? []
      guard shape == tensor.shape else {
        throw fail(
          "tensor '\(tensor.name)' has shape \(shape) in the file, but the model expects \(tensor.shape)")
      }
      let dtype = entry["dtype"] as? String ?? "?"
      let width: Int
      switch (dtype, tensor.kind) {
      case ("F32", .parameter), ("F32", .buffer): width = 4
      case ("F64", .parameter), ("F64", .buffer): width = 8
      case ("I64", .counter): width = 8
      case (_, .counter): throw fail("tensor '\(tensor.name)' has dtype \(dtype); expected I64")
      default: throw fail("tensor '\(tensor.name)' has dtype \(dtype); expected F32 or F64")
      }
      guard let range = entry["data_offsets"] as? [Int], range.count == 2,
        range[1] - range[0] == tensor.count * width, range[0] >= 0,
        dataStart + range[1] <= bytes.count
      else { throw fail("tensor '\(tensor.name)' has data offsets outside the file") }
      for i in 0..<tensor.count {
        let at = dataStart + range[0] + i * width
        var bits: UInt64 = 0
        for b in 0..<width { bits |= UInt64(bytes[at + b]) << (8 * UInt64(b)) }
        if tensor.kind == .counter {
          counterValues[tensor.offset + i] = Int64(bitPattern: bits)
          continue
        }
        let value = width == 4 ? Float(bitPattern: UInt32(bits)) : Float(Double(bitPattern: bits))
        if tensor.kind == .parameter {
          values[tensor.offset + i] = value
        } else {
          bufferValues[tensor.offset + i] = value
        }
      }
    }
    setStateDictValues(values)
    setBuffers(bufferValues, counters: counterValues)
  }

  private static func jsonString(_ s: String) -> String {
    var out = "\""
    for scalar in s.unicodeScalars {
      switch scalar {
      case "\"": out += "\\\""
      case "\\": out += "\\\\"
      case _ where scalar.value < 0x20: out += String(format: "\\u%04x", scalar.value)
      default: out.unicodeScalars.append(scalar)
      }
    }
    return out + "\""
  }
}
