/// One panel of a line figure: axes, grid and series.
struct LineChart {
  /// One line, with an optional band (a spread drawn translucent behind it) and error bars.
  struct Series {
    var label: String
    var style: Palette.Style
    var points: [(x: Double, y: Double)]
    /// The spread around the line at each x, drawn as a translucent area.
    var band: [(x: Double, low: Double, high: Double)] = []
    /// Vertical bars with caps at each x, from `low` to `high`.
    var errorBars: [(x: Double, low: Double, high: Double)] = []
    /// Whether each point gets a dot.
    var markers = false
    /// A horizontal shift in pixels, so that the error bars of series at the same x values do
    /// not hide each other (a dodge).
    var offset = 0.0
  }

  /// A rectangle in the figure's pixels.
  struct Frame {
    var x: Double
    var y: Double
    var width: Double
    var height: Double
  }

  var title: String
  var xLabel: String
  var yLabel: String
  var xAxis: PlotAxis
  var yAxis: PlotAxis
  var series: [Series]

  /// The translucency of bands: dense enough to see, light enough to see lines through.
  static let bandOpacity = "0.16"

  /// Draws the panel with its plotting area at `frame`; `id` names its clip path.
  func draw(in svg: inout SVGDocument, frame: Frame, id: String) {
    func x(_ value: Double) -> Double? {
      xAxis.fraction(value).map { frame.x + $0 * frame.width }
    }
    func y(_ value: Double) -> Double? {
      yAxis.fraction(value).map { frame.y + frame.height - $0 * frame.height }
    }
    func point(_ a: Double, _ b: Double, _ offset: Double = 0) -> (Double, Double)? {
      guard let px = x(a), let py = y(b) else { return nil }
      return (px + offset, py)
    }

    svg.text(title, x: frame.x, y: frame.y - 10, bold: true)
    drawGrid(in: &svg, frame: frame, x: x, y: y)

    svg.openGroup([("clip-path", "url(#\(id))")])
    svg.clipRectangle(
      id: id, x: frame.x - 4, y: frame.y - 4, width: frame.width + 8, height: frame.height + 8)
    for item in series where !item.band.isEmpty {
      let upper = item.band.map { point($0.x, $0.high) }
      let lower = item.band.reversed().map { point($0.x, $0.low) }
      svg.path(
        points: upper + lower, closed: true,
        [
          ("class", "band"), ("fill", item.style.colour), ("fill-opacity", Self.bandOpacity),
          ("stroke", "none"), ("data-series", item.label),
        ])
    }
    // Solid lines first and a little wider, dashed lines on top with square ends: where two
    // lines coincide, the solid one shows through the gaps of the dashed one.
    for item in series.filter({ $0.style.dash == nil }) + series.filter({ $0.style.dash != nil }) {
      let dashed = item.style.dash != nil
      var attributes: [(String, String)] = [
        ("class", "series"), ("fill", "none"), ("stroke", item.style.colour),
        ("stroke-width", dashed ? "2" : "2.5"), ("stroke-linejoin", "round"),
        ("stroke-linecap", dashed ? "butt" : "round"),
      ]
      if let dash = item.style.dash { attributes.append(("stroke-dasharray", dash)) }
      attributes.append(("data-series", item.label))
      svg.path(points: item.points.map { point($0.x, $0.y, item.offset) }, attributes)
      for bar in item.errorBars {
        guard let px = x(bar.x).map({ $0 + item.offset }), let top = y(bar.high),
          let bottom = y(bar.low)
        else { continue }
        svg.path(
          points: [
            (px, top), (px, bottom), nil, (px - 4, top), (px + 4, top), nil,
            (px - 4, bottom), (px + 4, bottom),
          ],
          [
            ("class", "error-bar"), ("fill", "none"), ("stroke", item.style.colour),
            ("stroke-width", "1.5"),
          ])
      }
      if item.markers {
        for p in item.points {
          guard let (px, py) = point(p.x, p.y, item.offset) else { continue }
          svg.circle(
            x: px, y: py, radius: 4,
            [
              ("class", "marker"), ("fill", item.style.colour), ("stroke", "#ffffff"),
              ("stroke-width", "1"),
            ])
        }
      }
    }
    svg.closeGroup()

    svg.line(
      x1: frame.x, y1: frame.y + frame.height, x2: frame.x + frame.width,
      y2: frame.y + frame.height, stroke: "#444444")
    svg.line(x1: frame.x, y1: frame.y, x2: frame.x, y2: frame.y + frame.height, stroke: "#444444")
    svg.text(xLabel, x: frame.x + frame.width / 2, y: frame.y + frame.height + 38, anchor: "middle")
    svg.text(
      yLabel, x: frame.x - 50, y: frame.y + frame.height / 2, anchor: "middle", rotation: -90)
  }

  /// Grid lines at the labelled ticks, tick marks at all of them, and the tick labels.
  private func drawGrid(
    in svg: inout SVGDocument, frame: Frame, x: (Double) -> Double?, y: (Double) -> Double?
  ) {
    let bottom = frame.y + frame.height
    svg.openGroup([("class", "x-axis")])
    for tick in xAxis.ticks {
      guard let px = x(tick.value), px >= frame.x - 0.5, px <= frame.x + frame.width + 0.5 else {
        continue
      }
      if !tick.label.isEmpty {
        svg.line(x1: px, y1: frame.y, x2: px, y2: bottom, stroke: "#e8e8e8")
        svg.text(tick.label, x: px, y: bottom + 19, anchor: "middle", size: 11)
      }
      svg.line(
        x1: px, y1: bottom, x2: px, y2: bottom + (tick.label.isEmpty ? 3 : 5), stroke: "#444444")
    }
    svg.closeGroup()
    svg.openGroup([("class", "y-axis")])
    for tick in yAxis.ticks {
      guard let py = y(tick.value), py >= frame.y - 0.5, py <= bottom + 0.5 else { continue }
      if !tick.label.isEmpty {
        svg.line(x1: frame.x, y1: py, x2: frame.x + frame.width, y2: py, stroke: "#e8e8e8")
        svg.text(tick.label, x: frame.x - 8, y: py + 4, anchor: "end", size: 11)
      }
      svg.line(
        x1: frame.x - (tick.label.isEmpty ? 3 : 5), y1: py, x2: frame.x, y2: py, stroke: "#444444")
    }
    svg.closeGroup()
  }
}
