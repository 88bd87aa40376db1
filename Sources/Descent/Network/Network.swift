/// A feed-forward network with every buffer it needs, allocated once.
///
/// Parameters and their gradients each live in one flat array, tensor after tensor in the order
/// of PyTorch's state_dict, so that an optimizer or a clipping rule is one loop over all of them.
/// A dense weight, `[units, in]` in PyTorch, is stored transposed, `[in, units]`: the forward pass
/// and the weight gradient then read and write it in place, with no transposition per batch.
/// `stateDictValues` and `setStateDictValues` speak PyTorch's layout.
/// Activations, their gradients, dropout masks and the batch itself live in one arena sized for
/// `batchCapacity` rows: a training step allocates nothing.
public struct Network<T: Scalar>: Sendable {
  /// How a forward pass treats dropout.
  public enum Mode: Sendable {
    /// Dropout passes values through.
    case evaluation
    /// Dropout draws a new mask.
    case training
    /// Dropout applies the mask of the previous training pass again (for gradient checks).
    case trainingWithFixedMask
  }

  /// One parameter tensor: its state_dict name, shape and place in `parameters`.
  public struct Tensor: Sendable, Hashable {
    public var name: String
    /// The shape in PyTorch's state_dict.
    public var shape: [Int]
    public var offset: Int
    /// Whether `parameters` holds the transpose of `shape` (dense weights).
    public var storedTransposed: Bool
    public var count: Int { shape.reduce(1, *) }
  }

  /// Where one layer's parameters and buffers are.
  struct Step: Sendable {
    var layer: Layer
    var inputWidth: Int
    var outputWidth: Int
    var weight = 0
    var bias = 0
    var output = 0
    var delta = 0
    var mask = 0
  }

  public let spec: ModelSpec
  public let inputWidth: Int
  public let outputWidth: Int
  public let batchCapacity: Int
  /// Every parameter, tensor after tensor as listed in `tensors`.
  public internal(set) var parameters: [T]
  /// The gradient of the last training step's loss with respect to `parameters`.
  public internal(set) var gradients: [T]
  public let tensors: [Tensor]
  let steps: [Step]
  var arena: [T]
  let inputOffset: Int
  let targetOffset: Int
  let workspaceOffset: Int

  /// Builds a network for inputs of width `inputWidth` and initializes its parameters.
  ///
  /// - Parameters:
  ///   - batchCapacity: the largest batch a forward pass will be given.
  ///   - random: the initialization stream; weights are drawn layer by layer.
  public init(
    spec: ModelSpec, inputWidth: Int, batchCapacity: Int, random: inout RandomGenerator
  ) {
    precondition(inputWidth > 0 && batchCapacity > 0, "widths and capacity must be positive")
    precondition(!spec.layers.isEmpty, "a network needs at least one layer")
    self.spec = spec
    self.inputWidth = inputWidth
    self.batchCapacity = batchCapacity
    var tensors: [Tensor] = []
    var steps: [Step] = []
    var parameterCount = 0
    var arenaCount = 0
    func reserve(_ count: Int) -> Int {
      defer { arenaCount += count }
      return arenaCount
    }
    var width = inputWidth
    var workspace = 0
    inputOffset = reserve(batchCapacity * inputWidth)
    for (index, layer) in spec.layers.enumerated() {
      var step = Step(
        layer: layer, inputWidth: width, outputWidth: layer.outputWidth(inputWidth: width))
      for (name, shape) in layer.parameterShapes(inputWidth: width) {
        let tensor = Tensor(
          name: "\(index).\(name)", shape: shape, offset: parameterCount,
          storedTransposed: name == "weight")
        if name == "weight" { step.weight = parameterCount } else { step.bias = parameterCount }
        tensors.append(tensor)
        parameterCount += tensor.count
      }
      step.output = reserve(batchCapacity * step.outputWidth)
      step.delta = reserve(batchCapacity * step.outputWidth)
      if case .dropout = layer { step.mask = reserve(batchCapacity * step.outputWidth) }
      if case .dense(let units) = layer {
        workspace = max(
          workspace,
          MatrixProduct.workspaceSize(m: batchCapacity, n: units, k: width),  // forward
          MatrixProduct.workspaceSize(m: width, n: units, k: batchCapacity),  // weight gradient
          MatrixProduct.workspaceSize(m: batchCapacity, n: width, k: units))  // input gradient
      }
      steps.append(step)
      width = step.outputWidth
    }
    outputWidth = width
    targetOffset = reserve(batchCapacity * width)
    workspaceOffset = reserve(workspace)
    self.tensors = tensors
    self.steps = steps
    parameters = Array(repeating: 0, count: parameterCount)
    gradients = Array(repeating: 0, count: parameterCount)
    arena = Array(repeating: 0, count: arenaCount)
    initializeParameters(random: &random)
  }

  /// Draws every parameter anew from `random`, as the spec's initializer says, in PyTorch's
  /// layout (so the draws are those of the equivalent PyTorch tensors).
  public mutating func initializeParameters(random: inout RandomGenerator) {
    var values = [T](repeating: 0, count: parameters.count)
    values.withUnsafeMutableBufferPointer { p in
      for step in steps {
        guard case .dense(let units) = step.layer else { continue }
        let weight = p[step.weight..<step.weight + units * step.inputWidth]
        spec.initializer.fill(
          weight: UnsafeMutableBufferPointer(rebasing: weight),
          bias: UnsafeMutableBufferPointer(rebasing: p[step.bias..<step.bias + units]),
          fanIn: step.inputWidth, fanOut: units, random: &random)
      }
    }
    setStateDictValues(values)
  }

  /// Replaces every parameter with `values`, given in the layout of `parameters`, converted to
  /// this network's precision.
  public mutating func setParameters<S: Scalar>(_ values: [S]) {
    precondition(values.count == parameters.count, "parameter count mismatch")
    for i in values.indices { parameters[i] = T(values[i]) }
  }

  /// Every parameter in PyTorch's layout: tensor after tensor in state_dict order, each
  /// row-major in its state_dict shape.
  public var stateDictValues: [T] {
    var values = parameters
    for tensor in tensors where tensor.storedTransposed {
      parameters.withUnsafeBufferPointer { p in
        values.withUnsafeMutableBufferPointer { v in
          // Stored [in, units]: its transpose is the [units, in] of PyTorch.
          MatrixProduct.transpose(
            p.baseAddress! + tensor.offset, rows: tensor.shape[1], columns: tensor.shape[0],
            into: v.baseAddress! + tensor.offset)
        }
      }
    }
    return values
  }

  /// Replaces every parameter with `values` in PyTorch's layout (see `stateDictValues`).
  public mutating func setStateDictValues<S: Scalar>(_ values: [S]) {
    precondition(values.count == parameters.count, "parameter count mismatch")
    let converted = values.map { T($0) }
    setParameters(converted)
    for tensor in tensors where tensor.storedTransposed {
      converted.withUnsafeBufferPointer { v in
        parameters.withUnsafeMutableBufferPointer { p in
          MatrixProduct.transpose(
            v.baseAddress! + tensor.offset, rows: tensor.shape[0], columns: tensor.shape[1],
            into: p.baseAddress! + tensor.offset)
        }
      }
    }
  }

  /// The width of the target matrix a loss reads: one class index per row for cross-entropy,
  /// one value per output otherwise.
  public func targetWidth(for loss: Loss) -> Int {
    if case .crossEntropy = loss { return 1 }
    return outputWidth
  }

  /// Lets `body` write a batch: the inputs (`batch x inputWidth`) and the targets
  /// (`batch x targetWidth(for:)`).
  public mutating func withBatchBuffers<R>(
    _ body: (_ inputs: UnsafeMutablePointer<T>, _ targets: UnsafeMutablePointer<T>) throws -> R
  ) rethrows -> R {
    let (inputOffset, targetOffset) = (self.inputOffset, self.targetOffset)
    return try arena.withUnsafeMutableBufferPointer { a in
      try body(a.baseAddress! + inputOffset, a.baseAddress! + targetOffset)
    }
  }

  /// Reads the outputs of the last forward pass (`batch x outputWidth`).
  public mutating func withOutputs<R>(_ body: (UnsafePointer<T>) throws -> R) rethrows -> R {
    let offset = steps.last?.output ?? inputOffset
    return try arena.withUnsafeMutableBufferPointer { try body(UnsafePointer($0.baseAddress! + offset)) }
  }

  /// Runs the network on the first `batch` rows of the input buffer.
  public mutating func forward(batch: Int, mode: Mode, random: inout RandomGenerator) {
    precondition(batch > 0 && batch <= batchCapacity, "batch exceeds the network's capacity")
    let steps = steps
    let (inputOffset, workspaceOffset) = (self.inputOffset, self.workspaceOffset)
    parameters.withUnsafeBufferPointer { p in
      arena.withUnsafeMutableBufferPointer { a in
        let base = a.baseAddress!
        let parameters = p.baseAddress!
        var input = UnsafePointer(base + inputOffset)
        for step in steps {
          let output = base + step.output
          let count = batch * step.outputWidth
          switch step.layer {
          case .dense(let units):
            Dense.forward(
              input: input, weight: parameters + step.weight, bias: parameters + step.bias,
              output: output, batch: batch, inputWidth: step.inputWidth, units: units,
              workspace: base + workspaceOffset)
          case .activation(let activation):
            activation.forward(input, output, count: count)
          case .dropout(let rate):
            switch mode {
            case .evaluation:
              output.update(from: input, count: count)
            case .training:
              Dropout.forward(
                input: input, output: output, mask: base + step.mask, count: count, rate: rate,
                random: &random)
            case .trainingWithFixedMask:
              Dropout.applyMask(
                input: input, output: output, mask: base + step.mask, count: count)
            }
          }
          input = UnsafePointer(output)
        }
      }
    }
  }

  /// The mean loss of the last forward pass against the targets in the batch buffer; with
  /// `backward`, also fills `gradients` by backpropagation.
  @discardableResult
  public mutating func loss(_ loss: Loss, batch: Int, backward: Bool) -> T {
    let steps = steps
    let (inputOffset, targetOffset, workspaceOffset) =
      (self.inputOffset, self.targetOffset, self.workspaceOffset)
    let width = outputWidth
    return parameters.withUnsafeBufferPointer { p in
      gradients.withUnsafeMutableBufferPointer { g in
        arena.withUnsafeMutableBufferPointer { a in
          let base = a.baseAddress!
          guard let last = steps.last else { return 0 }
          let value = loss.evaluate(
            outputs: base + last.output, targets: base + targetOffset, batch: batch,
            width: width, gradient: backward ? base + last.delta : nil)
          guard backward else { return value }
          let parameters = p.baseAddress!
          let gradients = g.baseAddress!
          for index in steps.indices.reversed() {
            let step = steps[index]
            let input = UnsafePointer(base + (index == 0 ? inputOffset : steps[index - 1].output))
            let output = UnsafePointer(base + step.output)
            let dOutput = UnsafePointer(base + step.delta)
            let dInput = index == 0 ? nil : base + steps[index - 1].delta
            let count = batch * step.outputWidth
            switch step.layer {
            case .dense(let units):
              Dense.backward(
                input: input, weight: parameters + step.weight, dOutput: dOutput,
                dWeight: gradients + step.weight, dBias: gradients + step.bias, dInput: dInput,
                batch: batch, inputWidth: step.inputWidth, units: units,
                workspace: base + workspaceOffset)
            case .activation(let activation):
              if let dInput { activation.backward(input, output, dOutput, dInput, count: count) }
            case .dropout:
              if let dInput {
                Dropout.applyMask(
                  input: dOutput, output: dInput, mask: base + step.mask, count: count)
              }
            }
          }
          return value
        }
      }
    }
  }

  /// Adds the metrics of the last forward pass to `sums`.
  mutating func accumulateMetrics(_ loss: Loss, batch: Int, into sums: inout MetricSums) {
    let value = self.loss(loss, batch: batch, backward: false)
    let (outputOffset, targetOffset, width) = (steps.last!.output, targetOffset, outputWidth)
    arena.withUnsafeMutableBufferPointer { a in
      sums.add(
        loss: loss, meanLoss: value, outputs: a.baseAddress! + outputOffset,
        targets: a.baseAddress! + targetOffset, batch: batch, width: width)
    }
  }
}
