import DescentEngine
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
  /// name, dtype and shape against this network (`SafetensorsHeader.check(against:)`, which
  /// experiment files are checked with before any run); nothing changes when the file does not
  /// match.
  ///
  /// - Parameter file: the name to report in errors.
  /// - Throws: `Diagnostic` naming the tensor and both shapes when the file does not match.
  public mutating func loadSafetensors(_ data: Data, file: String) throws {
    let found: [(SafetensorsHeader.Entry, width: Int)]
    let dataStart: Int
    do throws(SafetensorsError) {
      let header = try SafetensorsHeader(prefix: data, fileSize: data.count)
      found = try header.check(against: stateDict)
      dataStart = header.dataStart
    } catch {
      throw Diagnostic(file: file, message: error.message)
    }
    let bytes = [UInt8](data)
    var values = stateDictValues
    var bufferValues = buffers
    var counterValues = counters
    for (tensor, (entry, width)) in zip(stateDict, found) {
      for i in 0..<tensor.count {
        let at = dataStart + entry.begin + i * width
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
