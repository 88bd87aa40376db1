/// Sums of a pass over a data set, from which the reported metrics follow: accuracy for
/// classification, root-mean-square error and the coefficient of determination for regression.
package struct MetricSums {
  package var rows = 0
  package var lossTotal = 0.0
  package var correct = 0
  package var predictions = 0
  package var squaredError = 0.0
  package var targetSum = 0.0
  package var targetSquaredSum = 0.0
  package var values = 0

  /// Adds one batch of outputs against its targets.
  package mutating func add<T: Scalar>(
    loss: Loss, meanLoss: T, outputs: UnsafePointer<T>, targets: UnsafePointer<T>,
    batch: Int, width: Int
  ) {
    rows += batch
    lossTotal += Double(meanLoss) * Double(batch)
    switch loss {
    case .crossEntropy:
      for row in 0..<batch {
        let x = outputs + row * width
        var best = 0
        for k in 1..<width where x[k] > x[best] { best = k }
        if best == Int(targets[row]) { correct += 1 }
      }
      predictions += batch
    case .binaryCrossEntropy:
      for i in 0..<batch * width where (outputs[i] > 0) == (targets[i] > 0.5) { correct += 1 }
      predictions += batch * width
    case .meanSquaredError, .huber:
      for i in 0..<batch * width {
        let y = Double(targets[i])
        let r = Double(outputs[i]) - y
        squaredError += r * r
        targetSum += y
        targetSquaredSum += y * y
      }
      values += batch * width
    }
  }

  package var evaluation: Evaluation {
    let n = Double(max(values, 1))
    let totalVariation = targetSquaredSum - targetSum * targetSum / n
    return Evaluation(
      loss: lossTotal / Double(max(rows, 1)),
      accuracy: predictions > 0 ? Double(correct) / Double(predictions) : nil,
      rmse: values > 0 ? (squaredError / n).squareRoot() : nil,
      r2: values > 0 && totalVariation > 0 ? 1 - squaredError / totalVariation : nil)
  }
}

/// The metrics of a model on a data set.
public struct Evaluation: Sendable, Hashable, Codable {
  /// The mean loss per example.
  public var loss: Double
  /// The fraction of correct predictions, for classification.
  public var accuracy: Double?
  /// The root-mean-square error over all outputs, for regression.
  public var rmse: Double?
  /// The coefficient of determination `1 - SSE / SST` over all outputs, for regression.
  public var r2: Double?

  public init(loss: Double, accuracy: Double? = nil, rmse: Double? = nil, r2: Double? = nil) {
    self.loss = loss
    self.accuracy = accuracy
    self.rmse = rmse
    self.r2 = r2
  }
}
