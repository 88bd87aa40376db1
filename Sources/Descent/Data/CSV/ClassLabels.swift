/// The classes of a classification target, numbered in a stable order that does not depend on
/// the order of the rows.
///
/// When every label is a number, the classes are ordered by numeric value, and labels that are
/// the same number (`1` and `1.0`) are one class, named as it is first written. Otherwise every
/// label is text, and the classes are ordered by Unicode code point: `B` before `a`,
/// `Iris-setosa` before `Iris-versicolor`.
struct ClassLabels: Sendable {
  /// The class names in index order.
  let names: [String]
  private let isNumeric: Bool
  private let indexByText: [String: Int]
  private let indexByValue: [Double: Int]

  /// The classes of `labels`, in file order.
  init(_ labels: [String]) {
    let values = labels.map { Double($0).flatMap { $0.isFinite ? $0 : nil } }
    isNumeric = !values.contains(nil)
    if isNumeric {
      var firstSpelling: [Double: String] = [:]
      for (label, value) in zip(labels, values) {
        if let value, firstSpelling[value] == nil { firstSpelling[value] = label }
      }
      let ordered = firstSpelling.keys.sorted()
      names = ordered.map { firstSpelling[$0] ?? "" }
      indexByValue = Dictionary(uniqueKeysWithValues: ordered.enumerated().map { ($1, $0) })
      indexByText = [:]
    } else {
      names = Set(labels).sorted { $0.unicodeScalars.lexicographicallyPrecedes($1.unicodeScalars) }
      indexByText = Dictionary(uniqueKeysWithValues: names.enumerated().map { ($1, $0) })
      indexByValue = [:]
    }
  }

  /// The class index of `label`, or `nil` when it is not one of the classes.
  func index(of label: String) -> Int? {
    if isNumeric {
      guard let value = Double(label) else { return nil }
      return indexByValue[value]
    }
    return indexByText[label]
  }
}
