import Foundation

/// Rows of a GitHub-flavoured Markdown table.
enum MarkdownTable {
  /// `| a | b |` with pipes in cells escaped.
  static func row(_ cells: [String]) -> String {
    "| "
      + cells.map { $0.contains("|") ? $0.replacingOccurrences(of: "|", with: "\\|") : $0 }
      .joined(separator: " | ") + " |\n"
  }

  /// The rule under the header: `left` left-aligned columns, then `right` right-aligned ones.
  static func rule(left: Int, right: Int) -> String {
    "|" + String(repeating: " --- |", count: left) + String(repeating: " ---: |", count: right)
      + "\n"
  }
}
