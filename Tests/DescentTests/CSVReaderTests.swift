import Foundation
import Testing

@testable import Descent
@testable import DescentEngine

/// CSV files: RFC 4180 parsing, the class order, column selection, and every defect reported
/// with its line and column, word for word.
struct CSVReaderTests {
  /// The records of `text`, as (line, fields).
  private func records(_ text: String) throws -> [(line: Int, fields: [String])] {
    var parser = CSVParser(Array(text.utf8))
    var records: [(line: Int, fields: [String])] = []
    while let record = try parser.next() { records.append((record.line, record.fields)) }
    return records
  }

  private func parseFailure(_ text: String) -> String? {
    var parser = CSVParser(Array(text.utf8))
    do {
      while try parser.next() != nil {}
      return nil
    } catch {
      return "\(error.line): \(error.message)"
    }
  }

  /// Reads `text` as `data.csv` (and `test` as `test.csv`) with the target `label`.
  private func read(
    _ text: String, target: String = "label", features: [String]? = nil, drop: [String] = [],
    task: CSVSource.Task = .classification, dropInvalidRows: Bool = false, test: String? = nil
  ) throws -> (training: Dataset, test: Dataset?) {
    let folder = try DataFolder()
    try folder.write("data.csv", text)
    if let test { try folder.write("test.csv", test) }
    let source = CSVSource(
      file: folder.file("data.csv"), target: target, features: features, drop: drop, task: task,
      dropInvalidRows: dropInvalidRows, test: test == nil ? nil : folder.file("test.csv"))
    return try CSVDatasetReader(source).read()
  }

  private func problems(
    _ text: String, target: String = "label", features: [String]? = nil,
    task: CSVSource.Task = .classification, dropInvalidRows: Bool = false, test: String? = nil
  ) -> [String] {
    do {
      _ = try read(
        text, target: target, features: features, task: task, dropInvalidRows: dropInvalidRows,
        test: test)
      return []
    } catch let error as Diagnostics {
      return error.problems.map(\.description)
    } catch {
      return ["unexpected error: \(error)"]
    }
  }

  // MARK: Parsing

  @Test func quotedFieldsHoldCommasQuotesAndLineEnds() throws {
    let text = "a,\"b, c\",\"say \"\"hi\"\"\"\r\n1,\"2\",x\r\n\"two\nlines\",4,5\r\nlast,6,7"
    let parsed = try records(text)
    #expect(parsed.map(\.line) == [1, 2, 3, 5])
    #expect(
      parsed.map(\.fields) == [
        ["a", "b, c", "say \"hi\""], ["1", "2", "x"], ["two\nlines", "4", "5"], ["last", "6", "7"],
      ])
  }

  @Test func lineEndsMayBeLFCRLFOrCRAndTheLastIsOptional() throws {
    for end in ["\n", "\r\n", "\r"] {
      for final in ["", end] {
        let parsed = try records("x,y\(end)1,2\(end)3,4\(final)")
        #expect(parsed.map(\.fields) == [["x", "y"], ["1", "2"], ["3", "4"]])
        #expect(parsed.map(\.line) == [1, 2, 3])
      }
    }
  }

  @Test func byteOrderMarkBlankLinesAndSpacesAroundFieldsAreSkipped() throws {
    let parsed = try records("\u{FEFF}x, y\n\n 1 ,\t\"2 \" \n\r\n3,4\n\n")
    #expect(parsed.map(\.fields) == [["x", "y"], ["1", "2 "], ["3", "4"]])
    #expect(parsed.map(\.line) == [1, 3, 5])
  }

  @Test func emptyFieldsAreKept() throws {
    #expect(
      try records("a,,c\n,,\n\"\"\n").map(\.fields) == [["a", "", "c"], ["", "", ""], [""]])
  }

  @Test func malformedQuotesAreReportedAtTheirLine() {
    #expect(
      parseFailure("a,b\n1,\"open\n2,3\n")
        == "2: a quoted field is not closed; a quote inside a quoted field is written twice (\"\")")
    #expect(
      parseFailure("a,b\n1,\"x\"y\n")
        == "2: text after the closing quote of a field; a quote inside a quoted field is written twice (\"\")"
    )
  }

  // MARK: Classes

  @Test func numericLabelsAreClassesInNumericOrder() throws {
    let data = try read("x,label\n1,10\n2,2\n3,1.0\n4,1\n5,-3\n").training
    #expect(data.classNames == ["-3", "1.0", "2", "10"])
    #expect(data.targets == [3, 2, 1, 1, 0])
  }

  @Test func textLabelsAreClassesInCodePointOrder() throws {
    let data = try read("x,label\n1,b\n2,a\n3,B\n4,Iris\n5,a\n6,10\n").training
    #expect(data.classNames == ["10", "B", "Iris", "a", "b"])
    #expect(data.targets == [4, 3, 1, 2, 3, 0])
  }

  @Test func aSingleClassIsAnError() {
    #expect(
      problems("x,label\n1,a\n2,a\n") == [
        "data.csv: label: expected at least 2 classes, found 1 (\"a\")"
      ])
  }

  @Test func testFileLabelsAreNumberedAsTheTrainingFiles() throws {
    let (_, test) = try read(
      "x,label\n1,cat\n2,dog\n3,emu\n", test: "label,x\ndog,5\nemu,6\ncat,7\n")
    let data = try #require(test)
    #expect(data.classNames == ["cat", "dog", "emu"])
    #expect(data.targets == [1, 2, 0])
    #expect(data.features == [5, 6, 7])
    #expect(
      problems("x,label\n1,cat\n2,dog\n", test: "x,label\n5,dog\n6,cow\n") == [
        "test.csv:3: label: \"cow\" is not a class of the training file data.csv (cat, dog)"
      ])
  }

  // MARK: Columns and values

  @Test func featuresAreEveryOtherColumnInHeaderOrderOrTheOnesListed() throws {
    let text = "id,a,label,b\n7,1.5,x,-2\n8,\"3\",y,4e1\n"
    let all = try read(text).training
    #expect(all.featureNames == ["id", "a", "b"])
    #expect(all.features == [7, 1.5, -2, 8, 3, 40])
    let dropped = try read(text, drop: ["id"]).training
    #expect(dropped.featureNames == ["a", "b"])
    #expect(dropped.features == [1.5, -2, 3, 40])
    let listed = try read(text, features: ["b", "a"]).training
    #expect(listed.featureNames == ["b", "a"])
    #expect(listed.features == [-2, 1.5, 40, 3])
    #expect(listed.rows == 2)
  }

  @Test func columnsThatAreNotReadMayHoldText() throws {
    let data = try read("name,a,label\n\"Smith, J\",1,x\nnobody,2,y\n", drop: ["name"]).training
    #expect(data.features == [1, 2])
  }

  @Test func regressionTargetsAreNumbers() throws {
    let data = try read("a,label\n1,0.5\n2,-1e3\n", task: .regression).training
    #expect(data.classNames == nil)
    #expect(data.targets == [0.5, -1000])
    #expect(
      problems("a,label\n1,0.5\n2,big\n3,\n", task: .regression) == [
        "data.csv:3: label: expected a number, found \"big\"",
        "data.csv:4: label: expected a number, found nothing; set drop_invalid_rows: true to skip such rows",
      ])
  }

  @Test func everyDefectIsReportedWithItsLineAndColumn() {
    let text = """
      a,b,label
      1,2,x
      1,abc,y
      ,2,x
      1,2
      nan,inf,x
      1,2,
      1,2,3,4
      "1",-Infinity,y
      """
    #expect(
      problems(text) == [
        "data.csv:3: b: expected a number, found \"abc\"",
        "data.csv:4: a: expected a number, found nothing; set drop_invalid_rows: true to skip such rows",
        "data.csv:5: expected 3 fields as in the header, found 2",
        "data.csv:6: a: expected a finite number, found nan; set drop_invalid_rows: true to skip such rows",
        "data.csv:6: b: expected a finite number, found inf; set drop_invalid_rows: true to skip such rows",
        "data.csv:7: label: expected a class label, found nothing; set drop_invalid_rows: true to skip such rows",
        "data.csv:8: expected 3 fields as in the header, found 4",
        "data.csv:9: b: expected a finite number, found -Infinity; set drop_invalid_rows: true to skip such rows",
      ])
  }

  @Test func dropInvalidRowsSkipsMissingAndNonFiniteValuesButNotText() throws {
    let text = "a,b,label\n1,2,x\n,2,x\nNaN,3,y\n4,5,\n6,7,y\n"
    let data = try read(text, dropInvalidRows: true).training
    #expect(data.features == [1, 2, 6, 7])
    #expect(data.targets == [0, 1])
    #expect(
      problems("a,b,label\n1,2,x\n,abc,y\n3,4,y\n", dropInvalidRows: true) == [
        "data.csv:3: b: expected a number, found \"abc\""
      ])
    #expect(
      problems("a,b,label\n1,,x\n", dropInvalidRows: true) == [
        "data.csv: no rows left after dropping 1 rows with missing or non-finite values"
      ])
  }

  @Test func emptyFilesAndFilesWithoutRowsAreErrors() {
    #expect(
      problems("") == ["data.csv: the file is empty; expected a header row naming the columns"])
    #expect(
      problems("\n\n") == ["data.csv: the file is empty; expected a header row naming the columns"])
    #expect(problems("a,label\n") == ["data.csv: no data rows after the header"])
    #expect(problems("a,label") == ["data.csv: no data rows after the header"])
  }

  @Test func headerProblemsNameTheColumn() {
    #expect(
      problems("a,b\n1,2\n") == [
        "data.csv:1: no column \"label\" in the header; the columns are a, b"
      ])
    #expect(
      problems("a,a,label\n1,2,x\n") == [
        "data.csv:1: a: more than one column of the header has this name; rename all but one"
      ])
    #expect(
      problems("a,label\n1,x\n", features: []) == [
        "data.csv:1: no feature columns; every column is the target or dropped"
      ])
  }

  @Test func atMostTwentyProblemsAreListed() {
    let rows = (0..<25).map { "\($0),bad,x" }.joined(separator: "\n")
    let listed = problems("a,b,label\n" + rows)
    #expect(listed.count == 21)
    #expect(listed.first == "data.csv:2: b: expected a number, found \"bad\"")
    #expect(listed[19] == "data.csv:21: b: expected a number, found \"bad\"")
    #expect(listed.last == "data.csv: 5 more problems not shown")
  }

  @Test func theHeaderIsReadWithoutTheRestOfTheFile() throws {
    let folder = try DataFolder()
    let long = (0..<20000).map { "\($0),\($0 % 3)" }.joined(separator: "\n")
    try folder.write("big.csv", "\"first\ncolumn\",label\n" + long)
    #expect(try CSVDatasetReader.header(of: folder.file("big.csv")) == ["first\ncolumn", "label"])
    try folder.write("empty.csv", "")
    #expect(
      dataProblems { () throws(Diagnostics) in
        try CSVDatasetReader.header(of: folder.file("empty.csv"))
      }
        == ["empty.csv: the file is empty; expected a header row naming the columns"])
    #expect(
      dataProblems { () throws(Diagnostics) in
        try CSVDatasetReader.header(of: folder.file("none.csv"))
      }
        == ["none.csv: no such file"])
  }
}
