import DescentEngine

extension ConfigurationDecoder {
  /// A run must fit in memory (`memoryLimit`) on one thread, alone: its network for the largest
  /// batch, its parameters, gradients and optimizer state, and its data. What does not fit is
  /// refused where a change would make it fit: the batch size when a smaller batch would, the
  /// model when not even a batch of one would, the data when it alone would not.
  ///
  /// Runs training side by side are checked where the number of jobs is known
  /// (`MemoryEstimate.jobsThatFit`).
  ///
  /// - Returns: the estimate for the run's batch size, or `nil` when the model cannot be
  ///   planned or the run does not fit.
  mutating func checkMemory(
    _ model: DecodedModel, training: DecodedTraining, optimizer: OptimizerSettings,
    data: DecodedData, shape: DataShape
  ) -> MemoryEstimate? {
    guard let planned = try? model.spec.plan(for: shape.exampleShape) else { return nil }
    let plan = MemoryPlan(
      planned: planned, input: shape.exampleShape,
      optimizerStates: optimizer.stateValuesPerParameter, data: shape,
      validation: data.settings.validation)
    let batch = plan.capacity(batchSize: training.batchSize)
    let estimate = plan.estimate(batch: batch)
    guard let limit = memoryLimit, estimate.bytes() > limit.bytes else { return estimate }
    let format = MemoryLimit.format
    if estimate.data > limit.bytes {
      reader.report(
        data.sourceNode, key: "data.source",
        "the data needs about \(format(estimate.data)) in memory; \(limit); use less data")
    } else if let fitting = plan.largestBatch(fitting: limit.bytes, upTo: batch) {
      var examples = "a batch of \(batch)"
      if batch < training.batchSize {
        examples += " (every training example)"
      } else if !training.batchSizeGiven {
        examples += " (the default)"
      }
      reader.report(
        training.batchSizeLocation, key: "training.batch_size",
        "\(examples) needs about \(format(estimate.bytes())) to train (\(estimate.parts)); \(limit); use a batch of at most \(fitting)"
      )
    } else {
      let one = plan.estimate(batch: 1)
      reader.report(
        model.layersNode, key: "model.layers",
        "the network needs about \(format(one.bytes())) to train even on batches of 1 (\(one.parts)); \(limit); use fewer or narrower layers"
      )
    }
    return nil
  }
}
