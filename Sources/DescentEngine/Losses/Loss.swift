import RealModule

/// A loss, averaged over the batch as PyTorch's `reduction="mean"` does, with its gradient
/// computed in the same pass.
///
/// Targets come as a `batch x targetWidth` matrix: for cross-entropy one column holding the class
/// index; for the others the target values, one per output.
public enum Loss: Sendable, Hashable {
  /// Softmax cross-entropy on logits, `-log softmax(x)[y]`, fused with the log-softmax so that it
  /// is stable for any logits; with label smoothing `eps` the target is
  /// `(1 - eps) * onehot(y) + eps / classes`, as `torch.nn.CrossEntropyLoss(label_smoothing:)`.
  case crossEntropy(labelSmoothing: Double)
  /// Binary cross-entropy on logits, `max(x, 0) - x y + log(1 + exp(-|x|))`, fused with the
  /// sigmoid as `torch.nn.BCEWithLogitsLoss`; mean over all elements.
  case binaryCrossEntropy
  /// Squared error, mean over all elements (PyTorch divides by batch x outputs).
  case meanSquaredError
  /// Huber loss: `r^2 / 2` where `|r| < delta`, else `delta (|r| - delta / 2)`; mean over all
  /// elements.
  case huber(delta: Double)

  /// Whether the loss trains a classifier, which decides the metrics reported.
  public var isClassification: Bool {
    switch self {
    case .crossEntropy, .binaryCrossEntropy: true
    case .meanSquaredError, .huber: false
    }
  }

  /// Returns the mean loss over `batch` rows of `outputs`, and writes `dL/dOutputs` into
  /// `gradient` when it is given.
  @inline(__always)
  package func evaluate<T: Scalar>(
    outputs: UnsafePointer<T>, targets: UnsafePointer<T>, batch: Int, width: Int,
    gradient: UnsafeMutablePointer<T>?
  ) -> T {
    var total: T = 0
    switch self {
    case .crossEntropy(let smoothing):
      let eps = T(smoothing)
      let classes = T(width)
      let scale = 1 / T(batch)
      for row in 0..<batch {
        let x = outputs + row * width
        let label = Int(targets[row])
        var largest = x[0]
        for k in 1..<width { largest = max(largest, x[k]) }
        var sum: T = 0
        for k in 0..<width { sum += T.exp(x[k] - largest) }
        let logSum = largest + T.log(sum)  // log sum_k exp(x_k)
        var meanNegativeLog: T = 0
        if smoothing > 0 {
          for k in 0..<width { meanNegativeLog += logSum - x[k] }
          meanNegativeLog /= classes
        }
        total += (1 - eps) * (logSum - x[label]) + eps * meanNegativeLog
        if let gradient {
          let g = gradient + row * width
          for k in 0..<width {
            let target = (k == label ? 1 - eps : 0) + eps / classes
            g[k] = (T.exp(x[k] - logSum) - target) * scale
          }
        }
      }
      return total * scale
    case .binaryCrossEntropy:
      let count = batch * width
      let scale = 1 / T(count)
      for i in 0..<count {
        let x = outputs[i]
        let y = targets[i]
        total += max(x, 0) - x * y + T.log(onePlus: T.exp(-abs(x)))
        gradient?[i] = (Activation.sigmoid(x) - y) * scale
      }
      return total * scale
    case .meanSquaredError:
      let count = batch * width
      let scale = 1 / T(count)
      for i in 0..<count {
        let r = outputs[i] - targets[i]
        total += r * r
        gradient?[i] = 2 * r * scale
      }
      return total * scale
    case .huber(let delta):
      let d = T(delta)
      let count = batch * width
      let scale = 1 / T(count)
      for i in 0..<count {
        let r = outputs[i] - targets[i]
        if abs(r) < d {
          total += r * r / 2
          gradient?[i] = r * scale
        } else {
          total += d * (abs(r) - d / 2)
          gradient?[i] = (r > 0 ? d : -d) * scale
        }
      }
      return total * scale
    }
  }
}
