import Foundation

/// The text of an SVG image, built element by element.
///
/// Coordinates are written with at most two decimals and attributes in the order given, so the
/// same drawing gives the same bytes everywhere. The image has a white background, so that it
/// reads on a dark page too.
struct SVGDocument {
  let width: Double
  let height: Double
  private var body: [String] = []
  private var depth = 1

  init(width: Double, height: Double, title: String) {
    self.width = width
    self.height = height
    body.append("  <title>\(Self.escape(title))</title>")
    rect(x: 0, y: 0, width: width, height: height, fill: "#ffffff")
  }

  /// The finished document.
  func render() -> String {
    let w = Self.number(width)
    let h = Self.number(height)
    var lines = [
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>",
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(w)\" height=\"\(h)\" "
        + "viewBox=\"0 0 \(w) \(h)\" font-family=\"Helvetica, Arial, sans-serif\" "
        + "font-size=\"12\" fill=\"#222222\">",
    ]
    lines += body
    lines.append("</svg>")
    return lines.joined(separator: "\n") + "\n"
  }

  /// Opens a group `<g>` with `attributes`; close it with `closeGroup()`.
  mutating func openGroup(_ attributes: [(String, String)] = []) {
    append("<g\(Self.attributes(attributes))>")
    depth += 1
  }

  mutating func closeGroup() {
    depth -= 1
    append("</g>")
  }

  /// A clip path of one rectangle, to use as `clip-path="url(#id)"`.
  mutating func clipRectangle(id: String, x: Double, y: Double, width: Double, height: Double) {
    append(
      "<clipPath id=\"\(id)\"><rect x=\"\(Self.number(x))\" y=\"\(Self.number(y))\" "
        + "width=\"\(Self.number(width))\" height=\"\(Self.number(height))\"/></clipPath>")
  }

  mutating func rect(
    x: Double, y: Double, width: Double, height: Double, fill: String,
    _ attributes: [(String, String)] = []
  ) {
    let position: [(String, String)] = [
      ("x", Self.number(x)), ("y", Self.number(y)), ("width", Self.number(width)),
      ("height", Self.number(height)), ("fill", fill),
    ]
    append("<rect\(Self.attributes(position + attributes))/>")
  }

  mutating func line(
    x1: Double, y1: Double, x2: Double, y2: Double, stroke: String, width: Double = 1,
    _ attributes: [(String, String)] = []
  ) {
    let position: [(String, String)] = [
      ("x1", Self.number(x1)), ("y1", Self.number(y1)), ("x2", Self.number(x2)),
      ("y2", Self.number(y2)), ("stroke", stroke), ("stroke-width", Self.number(width)),
    ]
    append("<line\(Self.attributes(position + attributes))/>")
  }

  /// A path through `points`, a new subpath (`M`) after each `nil`.
  mutating func path(
    points: [(Double, Double)?], closed: Bool = false, _ attributes: [(String, String)]
  ) {
    var commands: [String] = []
    var drawing = false
    for point in points {
      guard let (x, y) = point else {
        drawing = false
        continue
      }
      commands.append((drawing ? "L" : "M") + Self.number(x) + " " + Self.number(y))
      drawing = true
    }
    if closed { commands.append("Z") }
    guard !commands.isEmpty else { return }
    append("<path d=\"\(commands.joined(separator: " "))\"\(Self.attributes(attributes))/>")
  }

  mutating func circle(x: Double, y: Double, radius: Double, _ attributes: [(String, String)]) {
    let position: [(String, String)] = [
      ("cx", Self.number(x)), ("cy", Self.number(y)), ("r", Self.number(radius)),
    ]
    append("<circle\(Self.attributes(position + attributes))/>")
  }

  /// Text anchored at `x` (`start`, `middle` or `end`) on the baseline `y`; `rotation` in degrees
  /// about the anchor.
  mutating func text(
    _ text: String, x: Double, y: Double, anchor: String = "start", size: Double? = nil,
    bold: Bool = false, rotation: Double? = nil, _ attributes: [(String, String)] = []
  ) {
    var all: [(String, String)] = [("x", Self.number(x)), ("y", Self.number(y))]
    if anchor != "start" { all.append(("text-anchor", anchor)) }
    if let size { all.append(("font-size", Self.number(size))) }
    if bold { all.append(("font-weight", "bold")) }
    if let rotation {
      all.append(
        ("transform", "rotate(\(Self.number(rotation)) \(Self.number(x)) \(Self.number(y)))"))
    }
    append("<text\(Self.attributes(all + attributes))>\(Self.escape(text))</text>")
  }

  /// The figure's title and the line under it at the top left, each in a smaller font when it
  /// would not fit across the figure at its usual size.
  mutating func heading(title: String, subtitle: String) {
    text(
      title, x: 16, y: 26, size: Self.fittingSize(title, 16, em: 0.62, width: width - 32),
      bold: true)
    text(
      subtitle, x: 16, y: 46, size: Self.fittingSize(subtitle, 12, em: 0.55, width: width - 32),
      [("fill", "#555555")])
  }

  /// `size`, or the whole-pixel size at which `text` fits in `width` when it does not, at an
  /// average character width of `em` times the size.
  private static func fittingSize(_ text: String, _ size: Double, em: Double, width: Double)
    -> Double
  {
    let needed = Double(text.count) * em * size
    return needed <= width ? size : max(8, (size * width / needed).rounded(.down))
  }

  private mutating func append(_ element: String) {
    body.append(String(repeating: "  ", count: depth) + element)
  }

  /// A coordinate with at most two decimals and no trailing zeros: `12.5`, `300`, `-0.25`.
  static func number(_ value: Double) -> String {
    var text = ReportFormat.fixed(value, decimals: 2)
    if text.contains(".") {
      while text.hasSuffix("0") { text.removeLast() }
      if text.hasSuffix(".") { text.removeLast() }
    }
    return text == "-0" ? "0" : text
  }

  /// `text` with `&`, `<`, `>` and `"` as entities.
  ///
  /// - Complexity: O(n), one pass; text without those characters (coordinates, colours,
  ///   nearly every attribute of a plot of ten thousand lines) is returned as it is.
  static func escape(_ text: String) -> String {
    let utf8 = text.utf8
    guard utf8.contains(where: { $0 == 0x26 || $0 == 0x3C || $0 == 0x3E || $0 == 0x22 }) else {
      return text
    }
    var escaped = ""
    escaped.reserveCapacity(utf8.count + 16)
    for character in text.unicodeScalars {
      switch character {
      case "&": escaped += "&amp;"
      case "<": escaped += "&lt;"
      case ">": escaped += "&gt;"
      case "\"": escaped += "&quot;"
      default: escaped.unicodeScalars.append(character)
      }
    }
    return escaped
  }

  private static func attributes(_ attributes: [(String, String)]) -> String {
    attributes.map { " \($0.0)=\"\(escape($0.1))\"" }.joined()
  }
}
