/// One tensor of a network's state_dict: its name, shape and place in the network's
/// `parameters`, `buffers` or `counters`, as its kind says.
public struct StateTensor: Sendable, Hashable {
  public enum Kind: Sendable, Hashable {
    /// Trained: in `parameters`, with a gradient in `gradients`.
    case parameter
    /// Not trained, floating point: in `buffers`.
    case buffer
    /// An int64 counter: in `counters`.
    case counter
  }

  public var name: String
  /// The shape in PyTorch's state_dict.
  public var shape: [Int]
  public var offset: Int
  /// Blocks of rows `parameters` holds transposed (`ParameterSpec.transposedBlocks`); 0 for
  /// PyTorch's layout.
  public var transposedBlocks: Int
  public var kind: Kind = .parameter
  public var count: Int { shape.reduce(1, *) }
}

/// Where a network built from planned layers keeps each tensor of its state, named and ordered
/// as PyTorch's state_dict: layer `i`'s tensor `weight` is `i.weight`.
///
/// `Network` lays itself out with it, and the checks of an experiment file compare a
/// safetensors file with it, without building the network.
package struct StateLayout {
  /// The parameter tensors, in the order of the network's `parameters`.
  package var parameters: [StateTensor] = []
  /// How each parameter tensor starts, in the same order.
  package var starts: [ParameterStart] = []
  /// The buffer and counter tensors, in state_dict order.
  package var buffers: [StateTensor] = []
  /// The value every entry of each tensor of `buffers` starts at.
  package var bufferStarts: [Double] = []
  /// Every tensor, parameters, buffers and counters, in PyTorch's order.
  package var stateDict: [StateTensor] = []
  /// Where each layer's parameters, buffer values and counters begin.
  package var layerOffsets: [(parameters: Int, buffers: Int, counters: Int)] = []
  package var parameterCount = 0
  package var bufferCount = 0
  package var counterCount = 0

  package init(_ planned: [any PlannedLayer]) {
    for (index, layer) in planned.enumerated() {
      layerOffsets.append((parameterCount, bufferCount, counterCount))
      var layerParameters: [StateTensor] = []
      for parameter in layer.parameters {
        layerParameters.append(
          StateTensor(
            name: "\(index).\(parameter.name)", shape: parameter.shape, offset: parameterCount,
            transposedBlocks: parameter.transposedBlocks))
        starts.append(parameter.start)
        parameterCount += parameter.count
      }
      parameters += layerParameters
      var layerBuffers: [StateTensor] = []
      for buffer in layer.buffers {
        let name = "\(index).\(buffer.name)"
        if buffer.isCounter {
          layerBuffers.append(
            StateTensor(
              name: name, shape: buffer.shape, offset: counterCount, transposedBlocks: 0,
              kind: .counter))
          counterCount += buffer.count
        } else {
          layerBuffers.append(
            StateTensor(
              name: name, shape: buffer.shape, offset: bufferCount, transposedBlocks: 0,
              kind: .buffer))
          bufferCount += buffer.count
        }
        bufferStarts.append(buffer.start)
      }
      buffers += layerBuffers
      for entry in layer.stateDictOrder {
        switch entry {
        case .parameter(let i): stateDict.append(layerParameters[i])
        case .buffer(let i): stateDict.append(layerBuffers[i])
        }
      }
    }
  }
}

extension ModelSpec {
  /// The tensors of the network's state_dict for examples shaped `input`, as `Network` names,
  /// shapes and orders them, found without building the network.
  ///
  /// - Throws: `PlanError` when a layer cannot take its input.
  package func stateDict(for input: TensorShape) throws(PlanError) -> [StateTensor] {
    StateLayout(try plan(for: input)).stateDict
  }
}
