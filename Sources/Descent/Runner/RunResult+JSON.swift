import Foundation

extension RunResult {
  /// The run's `result.json`: sorted keys, NaN and infinities spelled as `curve.csv` spells
  /// them.
  func json() throws -> Data {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
    encoder.nonConformingFloatEncodingStrategy = .convertToString(
      positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
    return try encoder.encode(self)
  }

  /// Reads a `result.json`.
  init(json: Data) throws {
    let decoder = JSONDecoder()
    decoder.nonConformingFloatDecodingStrategy = .convertFromString(
      positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
    self = try decoder.decode(RunResult.self, from: json)
  }

  /// The result with its wall times set to zero: what two runs of the same configuration agree
  /// on, bit for bit.
  var withoutTimings: RunResult {
    var result = self
    result.seconds = 0
    result.samplesPerSecond = 0
    for position in result.curve.indices { result.curve[position].seconds = 0 }
    return result
  }
}
