/// A titled figure of one or more line-chart panels side by side with one legend below them.
struct LineFigure {
  /// One entry of the legend.
  struct LegendEntry {
    var label: String
    var style: Palette.Style
    /// Whether the series has a band, shown as a swatch behind the line.
    var band = false
    var marker = false
  }

  var title: String
  /// A line under the title that says how to read the figure, such as what the band is.
  var subtitle: String
  var panels: [LineChart]
  var legend: [LegendEntry]
  var width: Double = 720
  /// The height of each panel's plotting area.
  var plotHeight: Double = 290
  /// The legend's columns, when they mean something (one per colour, say); `nil` for as many
  /// as fit. Never more than fit.
  var legendColumns: Int?

  /// Horizontal room for the y-axis tick labels and title of each panel.
  private static let leftMargin = 66.0
  private static let rightMargin = 20.0
  private static let top = 84.0
  /// The width of a character of 12-pixel Helvetica, on average, for laying out the legend.
  static let characterWidth = 6.6

  /// The figure as SVG text.
  func svg() -> String {
    let layout = legendLayout()
    let legendTop = Self.top + plotHeight + 56
    let height = legendTop + Double(layout.rows) * 20 + 10
    var svg = SVGDocument(width: width, height: height, title: title)
    svg.heading(title: title, subtitle: subtitle)

    let panelWidth = (width - Self.rightMargin) / Double(max(panels.count, 1))
    for (index, panel) in panels.enumerated() {
      let frame = LineChart.Frame(
        x: Double(index) * panelWidth + Self.leftMargin, y: Self.top,
        width: panelWidth - Self.leftMargin - 10, height: plotHeight)
      panel.draw(in: &svg, frame: frame, id: "panel-\(index)")
    }

    svg.openGroup([("class", "legend")])
    for (index, entry) in legend.enumerated() {
      let column = index % layout.columns
      let row = index / layout.columns
      let x = Self.leftMargin + Double(column) * layout.columnWidth
      let y = legendTop + Double(row) * 20
      svg.openGroup([("class", "legend-entry")])
      if entry.band {
        svg.rect(
          x: x, y: y - 6, width: 26, height: 12, fill: entry.style.colour,
          [("fill-opacity", LineChart.bandOpacity)])
      }
      var attributes: [(String, String)] = []
      if let dash = entry.style.dash { attributes.append(("stroke-dasharray", dash)) }
      svg.line(
        x1: x, y1: y, x2: x + 26, y2: y, stroke: entry.style.colour,
        width: entry.style.dash == nil ? 2.5 : 2, attributes)
      if entry.marker {
        svg.circle(
          x: x + 13, y: y, radius: 4, [("fill", entry.style.colour), ("stroke", "#ffffff")])
      }
      svg.text(entry.label, x: x + 34, y: y + 4)
      svg.closeGroup()
    }
    svg.closeGroup()
    return svg.render()
  }

  /// Columns as wide as the longest label, as many as fit across the figure.
  private func legendLayout() -> (columns: Int, rows: Int, columnWidth: Double) {
    let longest = legend.map { Double($0.label.count) }.max() ?? 0
    let columnWidth = longest * Self.characterWidth + 34 + 36
    let available = width - Self.leftMargin - Self.rightMargin
    let fitting = max(1, min(legend.count, Int(available / columnWidth)))
    let columns = min(legendColumns ?? fitting, fitting)
    let rows = (legend.count + columns - 1) / columns
    return (columns, rows, columnWidth)
  }
}
