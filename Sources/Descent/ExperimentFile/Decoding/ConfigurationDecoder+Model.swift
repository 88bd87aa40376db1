import DescentEngine
import Foundation

/// A decoded `model` section, with where its output layer was written.
struct DecodedModel {
  typealias OutputLayer = DecodedLayers.OutputLayer
  typealias LayerOrigin = DecodedLayers.Origin

  var spec: ModelSpec
  /// `model.layers`, for messages about the network as a whole.
  var layersNode: YAMLNode
  /// For each layer of `spec`, where it was written.
  var origins: [LayerOrigin]
  /// The last dense layer, whose width is the network's output width.
  var output: OutputLayer?
  var initFrom: InitFrom?

  /// The weights a run starts from: the file, where it is named, and its header.
  struct InitFrom {
    /// The absolute path.
    var path: String
    var node: YAMLNode
    var header: SafetensorsHeader
  }
}

extension ConfigurationDecoder {
  static let modelKeys = ExperimentSchema.model.map(\.name)

  /// `model: {layers, init, init_from}`.
  mutating func decodeModel(_ top: Fields) -> DecodedModel? {
    guard let node = reader.require(top, "model", expected: "a mapping with layers"),
      let fields = reader.fields(
        of: node, path: "model", keys: Self.modelKeys, location: top.keyLocation(of: "model"))
    else { return nil }
    var initializer = Initializer.heNormal
    reader.read(&initializer, fields, "init")
    var initFrom: DecodedModel.InitFrom?
    if let node = fields["init_from"] { initFrom = decodeInitFrom(node) }
    guard let layersNode = reader.require(fields, "layers", expected: "a list of layers"),
      let model = reader.layers(layersNode, path: "model.layers")
    else { return nil }
    guard model.output != nil else {
      reader.report(
        layersNode, key: "model.layers", "expected at least one dense layer, found none")
      return nil
    }
    return DecodedModel(
      spec: ModelSpec(layers: model.layers, initializer: initializer), layersNode: layersNode,
      origins: model.origins, output: model.output, initFrom: initFrom)
  }

  /// `init_from`: an existing safetensors file, whose header is read here (once per load, by
  /// the inspector) and checked against the model once its input shape is known
  /// (`checkInitFrom`); null means none.
  private mutating func decodeInitFrom(_ node: YAMLNode) -> DecodedModel.InitFrom? {
    guard !node.isNull, let path = reader.string(node, key: "model.init_from") else { return nil }
    let base = URL(fileURLWithPath: baseDirectory, isDirectory: true)
    let resolved = URL(fileURLWithPath: path, relativeTo: base).standardizedFileURL.path
    var isFolder: ObjCBool = false
    guard FileManager.default.fileExists(atPath: resolved, isDirectory: &isFolder) else {
      reader.report(node, key: "model.init_from", "no such file: \(resolved)")
      return nil
    }
    guard !isFolder.boolValue else {
      reader.report(
        node, key: "model.init_from", "expected a safetensors file, found a folder: \(resolved)")
      return nil
    }
    // A device or a pipe could be read forever, or block.
    guard SafetensorsHeader.isRegularFile(resolved) else {
      reader.report(
        node, key: "model.init_from",
        "expected a safetensors file, found a device, pipe or socket: \(resolved)")
      return nil
    }
    switch inspector.safetensorsHeader(at: resolved) {
    case .success(let header):
      return DecodedModel.InitFrom(path: resolved, node: node, header: header)
    case .failure(let error):
      reader.report(node, key: "model.init_from", error.message)
      return nil
    }
  }

  /// The tensors of the `init_from` file must be those of the network, shaped as it shapes
  /// them for the data's examples, as the run will load them (`Network.loadSafetensors`).
  mutating func checkInitFrom(_ model: DecodedModel, shape: DataShape) {
    guard let initFrom = model.initFrom,
      let stateDict = try? model.spec.stateDict(for: shape.exampleShape)
    else { return }
    do throws(SafetensorsError) {
      _ = try initFrom.header.check(against: stateDict)
    } catch {
      reader.report(initFrom.node, key: "model.init_from", error.message)
    }
  }
}
