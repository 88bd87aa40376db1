import Foundation

/// A results folder compared with a baseline, such as a results folder committed to the
/// repository: `summary.csv` and every `runs/<id>/curve.csv`, cell by cell, without the timing
/// columns (`seconds`, `samples_per_second`), which differ from run to run.
///
/// Without a tolerance every other cell must be the same text: Descent writes numbers as the
/// shortest text that reads back as the same value, so the same text is the same bits. With a
/// tolerance, two numbers pass when their relative difference
/// `|found − baseline| / max(|found|, |baseline|)` is at most the tolerance, for comparing
/// across CPU architectures or compilers. A run or a file on one side only is a difference.
public struct BaselineComparison: Sendable {
  /// One cell (or row, column or file) that differs.
  public struct Difference: Sendable, Hashable {
    /// The file, relative to the results folder: `summary.csv`, `runs/<id>/curve.csv`.
    public var file: String
    /// The run id (in `summary.csv`) or the epoch (in a curve), or `-` for a whole file or
    /// column.
    public var row: String
    /// The column's name, or `-` for a whole file or row.
    public var column: String
    public var baseline: String
    public var found: String
    /// The relative difference of two numbers; `nil` when either is not a number.
    public var relativeDifference: Double?
  }

  /// The folder compared, and the baseline folder, as the caller named them.
  public var folder: String
  public var baseline: String
  /// The largest relative difference that passes, or `nil` for identical text.
  public var tolerance: Double?
  /// The number of files compared (`summary.csv` and the curves).
  public var filesCompared: Int
  public var differences: [Difference]

  /// The columns whose values are wall times.
  static let timingColumns: Set<String> = ["seconds", "samples_per_second"]

  /// Compares the results folder `folder` with the results folder `baseline`.
  ///
  /// - Throws: `Diagnostic` when either is not a results folder or a file is malformed.
  public init(folder: String, baseline: String, tolerance: Double? = nil) throws {
    self.folder = folder
    self.baseline = baseline
    self.tolerance = tolerance
    let found = try Manifest.read(ResultsFolder.join(folder, "manifest.json"))
    let expected = try Manifest.read(ResultsFolder.join(baseline, "manifest.json"))
    var files = ["summary.csv"]
    var ids = expected.runs.map(\.id)
    for id in found.runs.map(\.id) where !ids.contains(id) { ids.append(id) }
    files += ids.map { "runs/\($0)/curve.csv" }
    var compared = 0
    var differences: [Difference] = []
    for file in files {
      let mine = try Self.table(folder, file)
      let theirs = try Self.table(baseline, file)
      switch (theirs, mine) {
      case (let theirs?, let mine?):
        compared += 1
        differences += Self.compare(theirs, mine, file: file, tolerance: tolerance)
      case (.some, nil):
        differences.append(
          Difference(file: file, row: "-", column: "-", baseline: "present", found: "missing"))
      case (nil, .some):
        differences.append(
          Difference(file: file, row: "-", column: "-", baseline: "missing", found: "present"))
      case (nil, nil):
        // A run neither side trained (pending, or failed before its first epoch).
        if file == "summary.csv" {
          differences.append(
            Difference(file: file, row: "-", column: "-", baseline: "missing", found: "missing"))
        }
      }
    }
    filesCompared = compared
    self.differences = differences
  }

  /// Whether the folder matches the baseline.
  public var matches: Bool { differences.isEmpty }

  /// The first `limit` differences as an aligned table with the columns `file, row, column,
  /// baseline, found, relative difference`, then a line counting the rest.
  public func table(limit: Int = 20) -> String {
    let shown = differences.prefix(max(0, limit))
    var rows = [["file", "row", "column", "baseline", "found", "rel. difference"]]
    for difference in shown {
      rows.append([
        difference.file, difference.row, difference.column, difference.baseline, difference.found,
        difference.relativeDifference.map(Self.relative) ?? "-",
      ])
    }
    let widths = rows[0].indices.map { column in rows.map { $0[column].count }.max() ?? 0 }
    var lines = rows.map { row in
      zip(row, widths).enumerated().map { column, cell in
        column == row.count - 1 ? cell.0 : cell.0.padding(cell.1)
      }.joined(separator: "  ")
    }
    let rest = differences.count - shown.count
    if rest > 0 { lines.append("... and \(rest) more difference\(rest == 1 ? "" : "s")") }
    return lines.joined(separator: "\n") + "\n"
  }

  // MARK: Comparing

  /// The differences between two versions of one CSV file, timing columns left out. Rows of
  /// `summary.csv` are matched by run id, rows of a curve by position.
  private static func compare(
    _ theirs: CSVTable, _ mine: CSVTable, file: String, tolerance: Double?
  ) -> [Difference] {
    var differences: [Difference] = []
    let columns = theirs.header.filter { !Self.timingColumns.contains($0) }
    for name in columns where mine.column(name) == nil {
      differences.append(
        Difference(file: file, row: "-", column: name, baseline: "present", found: "missing"))
    }
    for name in mine.header where !Self.timingColumns.contains(name) && theirs.column(name) == nil {
      differences.append(
        Difference(file: file, row: "-", column: name, baseline: "missing", found: "present"))
    }
    let shared = columns.filter { mine.column($0) != nil }
    let keyedById = theirs.column("id") != nil && mine.column("id") != nil
    let theirRows = Self.rows(of: theirs, byId: keyedById)
    let myRows = Self.rows(of: mine, byId: keyedById)
    let myPositions = Dictionary(
      myRows.enumerated().map { ($1.key, $0) }, uniquingKeysWith: { a, _ in a })
    for row in theirRows {
      guard let position = myPositions[row.key] else {
        differences.append(
          Difference(file: file, row: row.label, column: "-", baseline: "present", found: "missing")
        )
        continue
      }
      let other = myRows[position]
      for name in shared {
        let a = theirs.rows[row.index][theirs.column(name)!]
        let b = mine.rows[other.index][mine.column(name)!]
        guard a != b else { continue }
        let relative = Self.relativeDifference(a, b)
        if let tolerance, let relative, relative <= tolerance { continue }
        differences.append(
          Difference(
            file: file, row: row.label, column: name, baseline: a, found: b,
            relativeDifference: relative))
      }
    }
    let theirKeys = Set(theirRows.map(\.key))
    for row in myRows where !theirKeys.contains(row.key) {
      differences.append(
        Difference(file: file, row: row.label, column: "-", baseline: "missing", found: "present"))
    }
    return differences
  }

  /// Each row of `table` with the key it is matched by and the label the table shows: the run
  /// id, or the row's position and its epoch.
  private static func rows(of table: CSVTable, byId: Bool) -> [(
    key: String, label: String, index: Int
  )] {
    let id = table.column("id")
    let epoch = table.column("epoch")
    return table.rows.indices.map { index in
      if byId, let id { return (table.rows[index][id], table.rows[index][id], index) }
      let label = epoch.map { "epoch \(table.rows[index][$0])" } ?? "row \(index + 1)"
      return ("\(index)", label, index)
    }
  }

  /// `|b − a| / max(|a|, |b|)` of two numbers as Descent writes them; 0 for equal values
  /// (NaN equals NaN here: both sides diverged alike), infinity when only one is finite, `nil`
  /// when either is not a number.
  static func relativeDifference(_ a: String, _ b: String) -> Double? {
    guard let x = number(a), let y = number(b) else { return nil }
    if x.isNaN || y.isNaN { return x.isNaN && y.isNaN ? 0 : .infinity }
    if x == y { return 0 }
    guard x.isFinite, y.isFinite else { return .infinity }
    return abs(y - x) / max(abs(x), abs(y))
  }

  private static func number(_ text: String) -> Double? {
    switch text {
    case "nan": .nan
    case "inf": .infinity
    case "-inf": -.infinity
    default: Double(text)
    }
  }

  private static func relative(_ value: Double) -> String {
    value.isFinite ? String(format: "%.2e", value) : "inf"
  }

  /// The CSV file `file` of `folder`, or `nil` when there is none.
  private static func table(_ folder: String, _ file: String) throws -> CSVTable? {
    let path = ResultsFolder.join(folder, file)
    guard let data = FileManager.default.contents(atPath: path) else { return nil }
    return try CSVTable(text: String(decoding: data, as: UTF8.self), path: path)
  }

  /// The results folder of experiment `name` in `path`: `path` itself when it is a results
  /// folder, else `path/<name>`, so that `--baseline` takes a folder like `--out`'s or the
  /// experiment's own.
  ///
  /// - Throws: `Diagnostic` when neither holds a `manifest.json`.
  public static func resultsFolder(_ path: String, experiment name: String) throws -> String {
    let manager = FileManager.default
    if manager.fileExists(atPath: ResultsFolder.join(path, "manifest.json")) { return path }
    let inside = ResultsFolder.join(path, name)
    if manager.fileExists(atPath: ResultsFolder.join(inside, "manifest.json")) { return inside }
    throw Diagnostic(
      file: path,
      message: "no baseline for \(name): neither \(path) nor \(inside) is a results folder "
        + "(a folder with manifest.json, summary.csv and runs/)")
  }
}

extension String {
  /// The string padded with spaces to `width` characters.
  fileprivate func padding(_ width: Int) -> String {
    count >= width ? self : self + String(repeating: " ", count: width - count)
  }
}
