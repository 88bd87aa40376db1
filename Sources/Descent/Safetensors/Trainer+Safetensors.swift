import DescentEngine
import Foundation

extension Trainer {
  /// Replaces the network's parameters, buffers and counters with those of a safetensors
  /// file, for a run that starts from saved weights (`model.init_from`).
  ///
  /// - Throws: `Diagnostic` when the file does not match the network.
  public mutating func loadSafetensors(_ data: Data, file: String) throws {
    try network.loadSafetensors(data, file: file)
  }
}
