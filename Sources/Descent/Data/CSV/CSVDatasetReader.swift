import DescentEngine
import Foundation

/// Reads a `CSVSource` into data sets, reporting every defect with its file, line and column.
///
/// The first record is the header. Feature columns must hold numbers; the target holds class
/// labels (classification, numbered as `ClassLabels` says) or numbers (regression). Columns
/// that are neither are not read at all. Each row is checked: a wrong number of fields, text in
/// a numeric column, a missing value, or NaN or infinity in a column that is read; the last two
/// skip the row instead when `dropInvalidRows` is set. At most `problemLimit` problems are
/// listed per file, then how many more there are.
///
/// Messages, with `FILE` the file's display path:
///
///     FILE: no such file
///     FILE: cannot read the file: REASON
///     FILE: the file is empty; expected a header row naming the columns
///     FILE:1: the header row is longer than 1048576 bytes; expected a row naming the columns
///     FILE:LINE: PARSE ERROR                   (an unclosed quote, text after a closing quote)
///     FILE:1: no column "NAME" in the header; the columns are A, B, C
///     FILE:1: NAME: more than one column of the header has this name; rename all but one
///     FILE:LINE: expected 5 fields as in the header, found 4
///     FILE:LINE: COLUMN: expected a number, found "abc"
///     FILE:LINE: COLUMN: expected a number, found nothing; set drop_invalid_rows: true to skip such rows
///     FILE:LINE: COLUMN: expected a finite number, found nan; set drop_invalid_rows: true to skip such rows
///     FILE:LINE: COLUMN: expected a class label, found nothing; set drop_invalid_rows: true to skip such rows
///     FILE:LINE: COLUMN: "x" is not a class of the training file TRAIN (a, b, c)   (test file)
///     FILE: COLUMN: expected at least 2 classes, found 1 ("a")
///     FILE: no data rows after the header
///     FILE: no rows left after dropping 3 rows with missing or non-finite values
///     FILE: 12 more problems not shown
public struct CSVDatasetReader: Sendable {
  /// The most problems listed for one file.
  public static let problemLimit = 20

  public let source: CSVSource

  public init(_ source: CSVSource) {
    self.source = source
  }

  /// The training set and, when the source has a test file, the test set, whose class labels
  /// are numbered as the training file's.
  ///
  /// - Throws: `Diagnostics` with the problems of the first file that has any.
  public func read() throws(Diagnostics) -> (training: Dataset, test: Dataset?) {
    let table = try readTable(source.file)
    let classes = source.task == .classification ? try classLabels(of: table) : nil
    let training = try dataset(table, classes: classes, trainingFile: source.file)
    guard let testFile = source.test else { return (training, nil) }
    let testTable = try readTable(testFile)
    return (training, try dataset(testTable, classes: classes, trainingFile: source.file))
  }

  /// The names in the header of `file`, reading no more of it than the header needs.
  ///
  /// - Throws: `Diagnostics` when the file cannot be read, is empty, or its header is malformed.
  public static func header(of file: DataFile) throws(Diagnostics) -> [String] {
    guard file.exists else { throw Diagnostics([file.problem("no such file")]) }
    let handle: FileHandle
    do {
      handle = try FileHandle(forReadingFrom: URL(fileURLWithPath: file.resolvedPath))
    } catch {
      throw Diagnostics([file.problem("cannot read the file: \(Diagnostic.reason(reading: error))")]
      )
    }
    defer { try? handle.close() }
    var bytes: [UInt8] = []
    var insideQuotes = false
    var scanned = 0
    readLoop: while true {
      let chunk: Data?
      do {
        chunk = try handle.read(upToCount: 1 << 16)
      } catch {
        throw Diagnostics([
          file.problem("cannot read the file: \(Diagnostic.reason(reading: error))")
        ])
      }
      guard let chunk, !chunk.isEmpty else { break }
      bytes += chunk
      // The header ends at the first line end outside quotes.
      while scanned < bytes.count {
        let byte = bytes[scanned]
        scanned += 1
        if byte == UInt8(ascii: "\"") { insideQuotes.toggle() }
        if !insideQuotes, byte == UInt8(ascii: "\n") || byte == UInt8(ascii: "\r") {
          break readLoop
        }
      }
      guard bytes.count <= maximumHeaderBytes else {
        throw Diagnostics([
          file.problem(
            line: 1,
            "the header row is longer than \(maximumHeaderBytes) bytes; expected a row naming the columns"
          )
        ])
      }
    }
    var parser = CSVParser(bytes)
    let header: CSVParser.Record?
    do throws(CSVParser.Failure) {
      header = try parser.next()
    } catch {
      throw Diagnostics([file.problem(line: error.line, error.message)])
    }
    guard let header else { throw Diagnostics([file.problem(Self.emptyFileMessage)]) }
    return header.fields
  }

  static let emptyFileMessage = "the file is empty; expected a header row naming the columns"
  /// The most of a file read to find the end of its header: a file with no line end (a device
  /// such as /dev/zero, or a quote never closed) is not read whole.
  static let maximumHeaderBytes = 1 << 20
  static let dropHint = "; set drop_invalid_rows: true to skip such rows"

  // MARK: Reading a file

  /// The numeric columns of one file and its target column as text, row by row.
  struct Table {
    var file: DataFile
    var featureNames: [String]
    var features: [Float] = []
    /// The target of each row as written, for classification.
    var labels: [String] = []
    /// The line of each row, for messages about its label.
    var lines: [Int] = []
    /// The target of each row, for regression.
    var values: [Float] = []
    var rows = 0
  }

  /// Collects the problems of one file, up to `problemLimit`.
  private struct Problems {
    let file: DataFile
    var listed: [Diagnostic] = []
    var unlisted = 0

    mutating func add(line: Int? = nil, key: String? = nil, _ message: String) {
      if listed.count < CSVDatasetReader.problemLimit {
        listed.append(file.problem(line: line, key: key, message))
      } else {
        unlisted += 1
      }
    }

    var isEmpty: Bool { listed.isEmpty }

    var diagnostics: Diagnostics {
      var all = listed
      if unlisted > 0 { all.append(file.problem("\(unlisted) more problems not shown")) }
      return Diagnostics(all)
    }
  }

  /// What a row's value in a numeric column turned out to be.
  private enum Cell {
    case number(Float)
    /// Missing, NaN or infinite: skipped with `dropInvalidRows`, else reported.
    case invalid(String)
    /// Text: always reported.
    case wrong(String)
  }

  /// The data set of CSV text that is not a file, such as a built-in set compiled into the
  /// binary; `file` names it in messages.
  func read(bytes: [UInt8], as file: DataFile) throws(Diagnostics) -> Dataset {
    let table = try readTable(bytes, file: file)
    let classes = source.task == .classification ? try classLabels(of: table) : nil
    return try dataset(table, classes: classes, trainingFile: file)
  }

  private func readTable(_ file: DataFile) throws(Diagnostics) -> Table {
    try readTable(try Self.contents(of: file), file: file)
  }

  private func readTable(_ bytes: [UInt8], file: DataFile) throws(Diagnostics) -> Table {
    var parser = CSVParser(bytes)
    var problems = Problems(file: file)
    let header: CSVParser.Record?
    do throws(CSVParser.Failure) {
      header = try parser.next()
    } catch {
      throw Diagnostics([file.problem(line: error.line, error.message)])
    }
    guard let header else { throw Diagnostics([file.problem(Self.emptyFileMessage)]) }
    let names = header.fields
    let featureNames = source.featureColumns(header: names)
    let used = featureNames + [source.target]
    var position: [String: Int] = [:]
    for name in used where position[name] == nil {
      let matches = names.indices.filter { names[$0] == name }
      if matches.isEmpty {
        problems.add(
          line: header.line,
          "no column \(YAMLScalar.doubleQuoted(name)) in the header; the columns are \(names.joined(separator: ", "))"
        )
      } else if matches.count > 1 {
        problems.add(
          line: header.line, key: name,
          "more than one column of the header has this name; rename all but one")
      }
      position[name] = matches.first
    }
    if featureNames.isEmpty {
      problems.add(line: header.line, "no feature columns; every column is the target or dropped")
    }
    guard problems.isEmpty else { throw problems.diagnostics }
    let featureColumns = featureNames.compactMap { position[$0] }
    let targetColumn = position[source.target] ?? 0

    var table = Table(file: file, featureNames: featureNames)
    var dropped = 0
    var row = [Float](repeating: 0, count: featureColumns.count)
    while true {
      let record: CSVParser.Record
      do throws(CSVParser.Failure) {
        guard let next = try parser.next() else { break }
        record = next
      } catch {
        problems.add(line: error.line, error.message)
        break
      }
      let fields = record.fields
      guard fields.count == names.count else {
        problems.add(
          line: record.line,
          "expected \(names.count) fields as in the header, found \(fields.count)")
        continue
      }
      // Problems in column order; `invalid` ones are skipped with `dropInvalidRows`.
      var found: [(column: Int, message: String, invalid: Bool)] = []
      for (slot, column) in featureColumns.enumerated() {
        switch Self.cell(fields[column]) {
        case .number(let value): row[slot] = value
        case .invalid(let message): found.append((column, message, true))
        case .wrong(let message): found.append((column, message, false))
        }
      }
      let target = fields[targetColumn]
      var value: Float = 0
      switch source.task {
      case .classification:
        if target.isEmpty {
          found.append((targetColumn, "expected a class label, found nothing", true))
        }
      case .regression:
        switch Self.cell(target) {
        case .number(let number): value = number
        case .invalid(let message): found.append((targetColumn, message, true))
        case .wrong(let message): found.append((targetColumn, message, false))
        }
      }
      if !found.isEmpty {
        let onlyInvalid = found.allSatisfy(\.invalid)
        if source.dropInvalidRows, onlyInvalid {
          dropped += 1
          continue
        }
        for problem in found.sorted(by: { $0.column < $1.column })
        where !(problem.invalid && source.dropInvalidRows) {
          let hint = problem.invalid ? Self.dropHint : ""
          problems.add(line: record.line, key: names[problem.column], problem.message + hint)
        }
        continue
      }
      table.features += row
      switch source.task {
      case .classification:
        table.labels.append(target)
        table.lines.append(record.line)
      case .regression:
        table.values.append(value)
      }
      table.rows += 1
    }
    guard problems.isEmpty else { throw problems.diagnostics }
    if table.rows == 0 {
      let message =
        dropped > 0
        ? "no rows left after dropping \(dropped) rows with missing or non-finite values"
        : "no data rows after the header"
      throw Diagnostics([file.problem(message)])
    }
    return table
  }

  /// A field of a numeric column.
  private static func cell(_ text: String) -> Cell {
    if text.isEmpty { return .invalid("expected a number, found nothing") }
    guard let value = Float(text) else {
      return .wrong("expected a number, found \(YAMLScalar.doubleQuoted(text))")
    }
    guard value.isFinite else { return .invalid("expected a finite number, found \(text)") }
    return .number(value)
  }

  private static func contents(of file: DataFile) throws(Diagnostics) -> [UInt8] {
    guard file.exists else { throw Diagnostics([file.problem("no such file")]) }
    do {
      return [UInt8](try Data(contentsOf: URL(fileURLWithPath: file.resolvedPath)))
    } catch {
      throw Diagnostics([file.problem("cannot read the file: \(Diagnostic.reason(reading: error))")]
      )
    }
  }

  // MARK: Building data sets

  private func classLabels(of table: Table) throws(Diagnostics) -> ClassLabels {
    let classes = ClassLabels(table.labels)
    guard classes.names.count >= 2 else {
      let found = classes.names.map(YAMLScalar.doubleQuoted).joined(separator: ", ")
      throw Diagnostics([
        table.file.problem(
          key: source.target, "expected at least 2 classes, found \(classes.names.count) (\(found))"
        )
      ])
    }
    return classes
  }

  /// The data set of `table`, its labels numbered by `classes` (`nil` for regression).
  private func dataset(
    _ table: Table, classes: ClassLabels?, trainingFile: DataFile
  ) throws(Diagnostics) -> Dataset {
    var targets = table.values
    if let classes {
      var problems = Problems(file: table.file)
      targets = []
      targets.reserveCapacity(table.rows)
      for (label, line) in zip(table.labels, table.lines) {
        if let index = classes.index(of: label) {
          targets.append(Float(index))
        } else {
          problems.add(
            line: line, key: source.target,
            "\(YAMLScalar.doubleQuoted(label)) is not a class of the training file \(trainingFile.displayPath) (\(classes.names.joined(separator: ", ")))"
          )
        }
      }
      guard problems.isEmpty else { throw problems.diagnostics }
    }
    return Dataset(
      features: table.features, targets: targets, featureCount: table.featureNames.count,
      targetWidth: 1, featureNames: table.featureNames, classNames: classes?.names)
  }
}
