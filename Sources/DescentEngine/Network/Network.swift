/// A feed-forward network with every buffer it needs, allocated once.
///
/// Parameters and their gradients each live in one flat array, tensor after tensor in the order
/// of PyTorch's state_dict, so that an optimizer or a clipping rule is one loop over all of them.
/// The layers' buffers (batch norm's running statistics) live beside them in `buffers`, and
/// their int64 counters in `counters`: no optimizer, weight decay, clipping or gradient norm
/// sees either.
/// A tensor may be stored in another layout than PyTorch's (a dense weight, `[units, in]` in
/// PyTorch, is kept transposed so its products read it in place); `stateDictValues` and
/// `setStateDictValues` speak PyTorch's layout.
/// Activations, their gradients, the layers' scratch and the batch itself live in one arena
/// sized for `batchCapacity` examples: a training step allocates nothing.
///
/// The network walks its planned layers (`PlannedLayer`); what a layer computes is the layer's
/// own business.
public struct Network<T: Scalar>: Sendable {
  public typealias Mode = PassMode

  /// One tensor of the state_dict: its name, shape and place in `parameters`, `buffers` or
  /// `counters`, as its kind says.
  public typealias Tensor = StateTensor

  /// One planned layer and where its values are.
  package struct Step: Sendable {
    package var layer: any PlannedLayer
    package var parameters: Int
    package var buffers: Int
    package var counters: Int
    package var output: Int
    package var delta: Int
    package var scratch: Int
  }

  public let spec: ModelSpec
  public let inputShape: TensorShape
  public let outputShape: TensorShape
  public let batchCapacity: Int
  /// Threads the matrix products may use. The results are the same bits for any number.
  public var threads: Int
  /// Every parameter, tensor after tensor as listed in `tensors`.
  public internal(set) var parameters: [T]
  /// The gradient of the last training step's loss with respect to `parameters`.
  public internal(set) var gradients: [T]
  /// The parameter tensors, in the order of `parameters`.
  public let tensors: [Tensor]
  /// Every buffer value (running statistics), tensor after tensor; training updates them.
  public internal(set) var buffers: [T]
  /// Every int64 counter (`num_batches_tracked`).
  public internal(set) var counters: [Int64]
  /// The buffer and counter tensors, in state_dict order.
  public let bufferTensors: [Tensor]
  /// Every tensor of the state_dict, parameters, buffers and counters, in PyTorch's order.
  public let stateDict: [Tensor]
  package let steps: [Step]
  /// The first step whose backward pass runs: the first with parameters. Nothing before it has
  /// a gradient to receive, so it gets no input gradient, and the steps before it (a leading
  /// `flatten`, say) are skipped. Tests set it to 0 to read the gradient of the input.
  package var backpropagationStart: Int
  /// How each tensor starts, in the order of `tensors`.
  package let starts: [ParameterStart]
  package var arena: [T]
  package let inputOffset: Int
  package let targetOffset: Int
  package let workspaceOffset: Int

  public var inputWidth: Int { inputShape.count }
  public var outputWidth: Int { outputShape.count }

  /// Builds a network for examples shaped `inputShape` and initializes its parameters.
  ///
  /// - Parameters:
  ///   - batchCapacity: the largest batch a forward pass will be given.
  ///   - threads: threads the matrix products may use.
  ///   - random: the initialization stream; weights are drawn tensor by tensor.
  /// - Precondition: every layer takes the shape before it (`ModelSpec.plan(for:)`, which
  ///   experiment files are checked with).
  public init(
    spec: ModelSpec, inputShape: TensorShape, batchCapacity: Int, threads: Int = 1,
    random: inout RandomGenerator
  ) {
    precondition(batchCapacity > 0 && threads > 0, "capacity and threads must be positive")
    precondition(!spec.layers.isEmpty, "a network needs at least one layer")
    let planned: [any PlannedLayer]
    do throws(ModelSpec.PlanError) {
      planned = try spec.plan(for: inputShape)
    } catch {
      preconditionFailure("layer \(error.layer): \(error.message)")
    }
    self.spec = spec
    self.inputShape = inputShape
    self.batchCapacity = batchCapacity
    self.threads = threads
    let layout = StateLayout(planned)
    var buffers: [T] = []
    var counters: [Int64] = []
    for (tensor, start) in zip(layout.buffers, layout.bufferStarts) {
      if tensor.kind == .counter {
        counters += Array(repeating: Int64(start), count: tensor.count)
      } else {
        buffers += Array(repeating: T(start), count: tensor.count)
      }
    }
    var steps: [Step] = []
    var arenaCount = 0
    func reserve(_ count: Int) -> Int {
      defer { arenaCount += count }
      return arenaCount
    }
    var workspace = 0
    inputOffset = reserve(batchCapacity * inputShape.count)
    for (layer, first) in zip(planned, layout.layerOffsets) {
      let outputs = batchCapacity * layer.outputShape.count
      steps.append(
        Step(
          layer: layer, parameters: first.parameters, buffers: first.buffers,
          counters: first.counters, output: reserve(outputs), delta: reserve(outputs),
          scratch: reserve(layer.scratchCount(batch: batchCapacity))))
      workspace = max(workspace, layer.workspaceCount(batch: batchCapacity, threads: threads))
    }
    outputShape = planned.last!.outputShape
    targetOffset = reserve(batchCapacity * outputShape.count)
    workspaceOffset = reserve(workspace)
    tensors = layout.parameters
    starts = layout.starts
    bufferTensors = layout.buffers
    stateDict = layout.stateDict
    self.buffers = buffers
    self.counters = counters
    self.steps = steps
    backpropagationStart =
      planned.firstIndex { !$0.parameters.isEmpty } ?? planned.count
    parameters = Array(repeating: 0, count: layout.parameterCount)
    gradients = Array(repeating: 0, count: layout.parameterCount)
    arena = Array(repeating: 0, count: arenaCount)
    initializeParameters(random: &random)
  }

  /// Builds a network for flat examples of `inputWidth` values.
  public init(
    spec: ModelSpec, inputWidth: Int, batchCapacity: Int, random: inout RandomGenerator
  ) {
    self.init(
      spec: spec, inputShape: .flat(inputWidth), batchCapacity: batchCapacity, random: &random)
  }

  /// Draws every parameter anew from `random`, as the spec's initializer says, tensor by tensor
  /// in PyTorch's layout (so the draws are those of the equivalent PyTorch tensors).
  public mutating func initializeParameters(random: inout RandomGenerator) {
    var values = [T](repeating: 0, count: parameters.count)
    values.withUnsafeMutableBufferPointer { p in
      for (tensor, start) in zip(tensors, starts) {
        spec.initializer.fill(
          UnsafeMutableBufferPointer(rebasing: p[tensor.offset..<tensor.offset + tensor.count]),
          start, random: &random)
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
    for tensor in tensors where tensor.transposedBlocks > 0 {
      parameters.withUnsafeBufferPointer { p in
        values.withUnsafeMutableBufferPointer { v in
          relayout(
            p.baseAddress! + tensor.offset, into: v.baseAddress! + tensor.offset,
            shape: tensor.shape, transposedBlocks: tensor.transposedBlocks, toPyTorch: true)
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
    for tensor in tensors where tensor.transposedBlocks > 0 {
      converted.withUnsafeBufferPointer { v in
        parameters.withUnsafeMutableBufferPointer { p in
          relayout(
            v.baseAddress! + tensor.offset, into: p.baseAddress! + tensor.offset,
            shape: tensor.shape, transposedBlocks: tensor.transposedBlocks)
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
    let offset = steps.last!.output
    return try arena.withUnsafeMutableBufferPointer { try body(UnsafePointer($0.baseAddress! + offset)) }
  }

  /// Runs the network on the first `batch` examples of the input buffer; in `training` mode,
  /// layers with running statistics update them.
  public mutating func forward(batch: Int, mode: Mode, random: inout RandomGenerator) {
    precondition(batch > 0 && batch <= batchCapacity, "batch exceeds the network's capacity")
    let steps = steps
    let (inputOffset, workspaceOffset, threads) = (self.inputOffset, self.workspaceOffset, threads)
    withUnsafeMutablePointer(to: &random) { random in
      parameters.withUnsafeBufferPointer { p in
        buffers.withUnsafeMutableBufferPointer { b in
          counters.withUnsafeMutableBufferPointer { c in
            arena.withUnsafeMutableBufferPointer { a in
              let base = a.baseAddress!
              var input = UnsafePointer(base + inputOffset)
              for step in steps {
                step.layer.run(
                  ForwardPass(
                    batch: batch, input: input, output: base + step.output,
                    parameters: p.baseAddress! + step.parameters, scratch: base + step.scratch,
                    workspace: base + workspaceOffset, mode: mode, random: random,
                    threads: threads, buffers: b.baseAddress.map { $0 + step.buffers },
                    counters: c.baseAddress.map { $0 + step.counters }))
                input = UnsafePointer(base + step.output)
              }
            }
          }
        }
      }
    }
  }

  /// Replaces every buffer value and counter, given in the order of `buffers` and `counters`.
  public mutating func setBuffers<S: Scalar>(_ values: [S], counters: [Int64]) {
    precondition(
      values.count == buffers.count && counters.count == self.counters.count,
      "buffer count mismatch")
    for i in values.indices { buffers[i] = T(values[i]) }
    self.counters = counters
  }

  /// The mean loss of the last forward pass against the targets in the batch buffer; with
  /// `backward`, also fills `gradients` by backpropagation.
  @discardableResult
  public mutating func loss(_ loss: Loss, batch: Int, backward: Bool) -> T {
    let (steps, start) = (steps, backpropagationStart)
    let (inputOffset, targetOffset, workspaceOffset, threads) =
      (self.inputOffset, self.targetOffset, self.workspaceOffset, threads)
    let width = outputWidth
    return parameters.withUnsafeBufferPointer { p in
      gradients.withUnsafeMutableBufferPointer { g in
        arena.withUnsafeMutableBufferPointer { a in
          let base = a.baseAddress!
          let last = steps[steps.count - 1]
          let value = loss.evaluate(
            outputs: base + last.output, targets: base + targetOffset, batch: batch,
            width: width, gradient: backward ? base + last.delta : nil)
          guard backward else { return value }
          for index in steps.indices[start...].reversed() {
            let step = steps[index]
            step.layer.run(
              BackwardPass(
                batch: batch,
                input: UnsafePointer(base + (index == 0 ? inputOffset : steps[index - 1].output)),
                output: UnsafePointer(base + step.output),
                dOutput: UnsafePointer(base + step.delta),
                dInput: index == start ? nil : base + steps[index - 1].delta, accumulate: false,
                parameters: p.baseAddress! + step.parameters,
                gradients: g.baseAddress! + step.parameters, scratch: base + step.scratch,
                workspace: base + workspaceOffset, threads: threads))
          }
          return value
        }
      }
    }
  }

  /// Adds the metrics of the last forward pass to `sums`.
  package mutating func accumulateMetrics(_ loss: Loss, batch: Int, into sums: inout MetricSums) {
    let value = self.loss(loss, batch: batch, backward: false)
    let (outputOffset, targetOffset, width) = (steps.last!.output, targetOffset, outputWidth)
    arena.withUnsafeMutableBufferPointer { a in
      sums.add(
        loss: loss, meanLoss: value, outputs: a.baseAddress! + outputOffset,
        targets: a.baseAddress! + targetOffset, batch: batch, width: width)
    }
  }
}

extension PlannedLayer {
  /// Calls the pass of this network's precision.
  @inline(__always)
  package func run<T: Scalar>(_ pass: ForwardPass<T>) {
    if T.self == Float.self {
      forward(unsafeBitCast(pass, to: ForwardPass<Float>.self))
    } else {
      precondition(T.self == Double.self, "the engine computes in Float or Double")
      forward(unsafeBitCast(pass, to: ForwardPass<Double>.self))
    }
  }

  @inline(__always)
  package func run<T: Scalar>(_ pass: BackwardPass<T>) {
    if T.self == Float.self {
      backward(unsafeBitCast(pass, to: BackwardPass<Float>.self))
    } else {
      precondition(T.self == Double.self, "the engine computes in Float or Double")
      backward(unsafeBitCast(pass, to: BackwardPass<Double>.self))
    }
  }
}
