/// A grid of coloured cells, one per combination of two settings, with the value written in
/// each cell and a colour bar.
struct HeatmapFigure {
  var title: String
  var subtitle: String
  /// The setting along the rows (top to bottom) and its values.
  var rowKey: String
  var rowLabels: [String]
  /// The setting along the columns (left to right) and its values.
  var columnKey: String
  var columnLabels: [String]
  /// `values[row][column]`; `nil` for a cell without a value, drawn grey.
  var values: [[Double?]]
  /// The text of each cell, one line per element.
  var cellText: [[[String]]]
  /// What the colours mean, beside the colour bar.
  var valueLabel: String
  var width: Double = 720
  var height: Double = 440

  func svg() -> String {
    var svg = SVGDocument(width: width, height: height, title: title)
    svg.heading(title: title, subtitle: subtitle)

    let rowLabelWidth = (rowLabels.map { Double($0.count) }.max() ?? 1) * LineFigure.characterWidth
    let left = 16 + 24 + rowLabelWidth + 12
    let top = 78.0
    let frame = LineChart.Frame(
      x: left, y: top, width: width - left - 130, height: height - top - 60)
    let cellWidth = frame.width / Double(max(columnLabels.count, 1))
    let cellHeight = frame.height / Double(max(rowLabels.count, 1))
    let known = values.flatMap { $0.compactMap { $0 } }.filter(\.isFinite)
    let low = known.min() ?? 0
    let high = known.max() ?? 1
    func position(_ value: Double) -> Double { high > low ? (value - low) / (high - low) : 0.5 }

    svg.openGroup([("class", "cells")])
    for (row, label) in rowLabels.enumerated() {
      for (column, _) in columnLabels.enumerated() {
        let x = frame.x + Double(column) * cellWidth
        let y = frame.y + Double(row) * cellHeight
        let value = values[row][column]
        let colour = value.map { Palette.viridis(at: position($0)) }
        svg.rect(
          x: x, y: y, width: cellWidth, height: cellHeight,
          fill: colour.map(Palette.hex) ?? "#dddddd",
          [("class", "cell"), ("stroke", "#ffffff"), ("stroke-width", "2")])
        let lines = cellText[row][column]
        let textColour = colour.map { Palette.isLight($0) ? "#222222" : "#ffffff" } ?? "#222222"
        for (index, line) in lines.enumerated() {
          let offset = (Double(index) - Double(lines.count - 1) / 2) * 16
          svg.text(
            line, x: x + cellWidth / 2, y: y + cellHeight / 2 + offset + 4, anchor: "middle",
            size: index == 0 ? 13 : 11, bold: index == 0, [("fill", textColour)])
        }
      }
      svg.text(
        label, x: frame.x - 10, y: frame.y + (Double(row) + 0.5) * cellHeight + 4, anchor: "end")
    }
    svg.closeGroup()
    for (column, label) in columnLabels.enumerated() {
      svg.text(
        label, x: frame.x + (Double(column) + 0.5) * cellWidth, y: frame.y + frame.height + 18,
        anchor: "middle")
    }
    svg.text(
      columnKey, x: frame.x + frame.width / 2, y: frame.y + frame.height + 40, anchor: "middle")
    svg.text(rowKey, x: 28, y: frame.y + frame.height / 2, anchor: "middle", rotation: -90)
    drawColourBar(
      in: &svg, x: frame.x + frame.width + 24, y: frame.y, height: frame.height, low: low,
      high: high)
    return svg.render()
  }

  /// A vertical bar of the colour map, `high` at the top, with ticks.
  private func drawColourBar(
    in svg: inout SVGDocument, x: Double, y: Double, height: Double, low: Double, high: Double
  ) {
    let steps = 64
    svg.openGroup([("class", "colour-bar")])
    for step in 0..<steps {
      let fraction = (Double(step) + 0.5) / Double(steps)
      svg.rect(
        x: x, y: y + height - Double(step + 1) * height / Double(steps), width: 16,
        height: height / Double(steps) + 0.5, fill: Palette.hex(Palette.viridis(at: fraction)))
    }
    let axis = PlotAxis.linear(covering: [low, high])
    for tick in axis.ticks where tick.value >= low - 1e-12 && tick.value <= high + 1e-12 {
      let fraction = high > low ? (tick.value - low) / (high - low) : 0.5
      let py = y + height - fraction * height
      svg.line(x1: x + 16, y1: py, x2: x + 20, y2: py, stroke: "#444444")
      svg.text(tick.label, x: x + 23, y: py + 4, size: 11)
    }
    svg.closeGroup()
    svg.text(valueLabel, x: x + 8, y: y - 10, anchor: "middle", size: 11)
  }
}
