/// A CSV file as an experiment declares it: `{csv: FILE, target: COLUMN, ...}`.
///
/// The file has a header row that names the columns. The target column holds class labels or,
/// for regression, real numbers; the feature columns hold numbers. `CSVDatasetReader` says how
/// the file is read and what it reports.
public struct CSVSource: Sendable, Hashable {
  /// What the target column holds.
  public enum Task: String, Sendable, Hashable, CaseIterable {
    /// Class labels, numbers or text, mapped to class indices (see `ClassLabels`).
    case classification
    /// Real numbers.
    case regression
  }

  public var file: DataFile
  /// The name of the target column.
  public var target: String
  /// The feature columns in the order given, or `nil` for every column but the target and those
  /// in `drop`, in the order of the header.
  public var features: [String]?
  /// Columns that are not features, when `features` is `nil`.
  public var drop: [String]
  public var task: Task
  /// Whether rows with a missing value, NaN or infinity in a column that is read are skipped
  /// rather than reported.
  public var dropInvalidRows: Bool
  /// A separate test file with the same columns, evaluated at the end of each run.
  public var test: DataFile?

  public init(
    file: DataFile, target: String, features: [String]? = nil, drop: [String] = [],
    task: Task = .classification, dropInvalidRows: Bool = false, test: DataFile? = nil
  ) {
    self.file = file
    self.target = target
    self.features = features
    self.drop = drop
    self.task = task
    self.dropInvalidRows = dropInvalidRows
    self.test = test
  }

  /// The feature columns for a file with `header`: `features`, or every column but the target
  /// and those dropped, in header order.
  public func featureColumns(header: [String]) -> [String] {
    if let features { return features }
    let excluded = Set(drop + [target])
    return header.filter { !excluded.contains($0) }
  }
}
