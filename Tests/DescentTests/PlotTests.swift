import Foundation
import Testing

@testable import Descent

#if canImport(FoundationXML)
  import FoundationXML
#endif

/// The report's SVG plots, read back as XML.
struct PlotTests {
  @Test func lossPlotHasALinePerConfigurationInEachPanelAndSeedBands() throws {
    let folder = try HandBuiltFolder(runs: HandBuiltFolder.momentumSweep())
    let svg = try SVGFile(folder.path + "/plots/loss.svg")
    // Four configurations, two panels (training and validation loss).
    #expect(svg.elements(class: "series").count == 8)
    // Every configuration has at least two complete seeds, so each line has a band.
    #expect(svg.elements(class: "band").count == 8)
    #expect(svg.elements(class: "legend-entry").count == 4)
    #expect(svg.texts.contains("Training loss"))
    #expect(svg.texts.contains("Validation loss"))
    #expect(svg.texts.contains("epoch"))
    #expect(svg.texts.contains("momentum=0.9, lr=0.1 (1 of 3 not drawn: diverged)"))
    #expect(svg.texts.contains { $0.contains("Bands: lowest to highest seed (min–max)") })
    #expect(SVGFile.attribute(svg.root, "width") == "960")
  }

  @Test func bandSpansTheLowestAndHighestSeed() throws {
    // Two seeds of one configuration: the band runs from one seed's curve to the other's.
    var runs = HandBuiltFolder.momentumSweep().filter {
      $0.settings[0].value == "0.0" && $0.settings[1].value == "0.01" && $0.seed < 3
    }
    runs[0].valLoss = [1.0, 0.5]
    runs[1].valLoss = [3.0, 1.5]
    let folder = try HandBuiltFolder(runs: runs)
    let svg = try SVGFile(folder.path + "/plots/loss.svg")
    let bands = svg.elements(class: "band")
    #expect(bands.count == 2)
    let validation = try #require(bands.last.flatMap { SVGFile.attribute($0, "d") })
    let lines = svg.elements(class: "series")
    let mean = try #require(lines.last.flatMap { SVGFile.attribute($0, "d") })
    // The band has four corners (two epochs, high then low), the line two points in between.
    let corners = try points(validation)
    let line = try points(mean)
    #expect(corners.count == 4 && line.count == 2)
    for (index, point) in line.enumerated() {
      let high = corners[index].y
      let low = corners[3 - index].y
      #expect(point.x == corners[index].x)
      #expect(high < point.y && point.y < low, "the mean lies inside the band in pixels")
    }
  }

  @Test func lossAxisIsLogarithmicWhenLossesSpanMoreThanADecade() throws {
    var runs = HandBuiltFolder.momentumSweep().filter { $0.seed < 3 && $0.status == "complete" }
    for index in runs.indices { runs[index].valLoss = [2.0, 0.5, 0.08] }
    let wide = try HandBuiltFolder(runs: runs)
    let spanning = try SVGFile(wide.path + "/plots/loss.svg")
    #expect(spanning.texts.contains { $0.hasSuffix("Log scale.") })
    #expect(spanning.texts.contains("0.1"))
    #expect(spanning.texts.contains("1"))
    for index in runs.indices { runs[index].valLoss = [0.9, 0.6, 0.3] }
    let close = try HandBuiltFolder(runs: runs)
    let narrow = try SVGFile(close.path + "/plots/loss.svg")
    #expect(!narrow.texts.contains { $0.hasSuffix("Log scale.") })
  }

  @Test func comparedSettingIsDashedAndOtherSettingsColoured() throws {
    let folder = try HandBuiltFolder(runs: HandBuiltFolder.momentumSweep())
    let svg = try SVGFile(folder.path + "/plots/loss.svg")
    let lines = svg.elements(class: "series").prefix(4)
    let styles = lines.map {
      (SVGFile.attribute($0, "stroke") ?? "", SVGFile.attribute($0, "stroke-dasharray"))
    }
    // Sweep order: (0.0, 0.01), (0.0, 0.1), (0.9, 0.01), (0.9, 0.1).
    #expect(styles[0].0 == styles[2].0 && styles[1].0 == styles[3].0 && styles[0].0 != styles[1].0)
    #expect(styles[0].1 == nil && styles[1].1 == nil && styles[2].1 != nil && styles[3].1 != nil)
    #expect(Set(styles.map(\.0)).isSubset(of: Palette.colours))
  }

  @Test func learningRatePlotHasALinePerDistinctSchedule() throws {
    let folder = try HandBuiltFolder(runs: HandBuiltFolder.momentumSweep())
    let svg = try SVGFile(folder.path + "/plots/learning-rate.svg")
    // Momentum does not change the learning rate: two schedules, lr 0.01 and lr 0.1.
    #expect(svg.elements(class: "series").count == 2)
    #expect(svg.elements(class: "legend-entry").count == 2)
    #expect(svg.texts.contains("lr=0.01"))
    #expect(svg.texts.contains("lr=0.1"))
    #expect(svg.texts.contains("learning rate"))
  }

  @Test func metricPlotHasALinePerOtherSettingWithErrorBarsOnALogAxis() throws {
    let folder = try HandBuiltFolder(runs: HandBuiltFolder.momentumSweep())
    let svg = try SVGFile(folder.path + "/plots/val_loss-vs-optimizer.lr.svg")
    #expect(svg.elements(class: "series").count == 2)
    #expect(svg.elements(class: "marker").count == 4)
    #expect(svg.elements(class: "error-bar").count == 4)
    #expect(svg.texts.contains("momentum=0.0"))
    #expect(svg.texts.contains("momentum=0.9"))
    #expect(svg.texts.contains("optimizer.lr (log scale)"))
    // Ticks at the swept values, as written.
    #expect(svg.texts.contains("0.01") && svg.texts.contains("0.1"))
  }

  @Test func heatmapHasACellPerCombinationOfTwoSettings() throws {
    let folder = try HandBuiltFolder(runs: HandBuiltFolder.momentumSweep())
    let svg = try SVGFile(folder.path + "/plots/val_loss-heatmap.svg")
    #expect(svg.elements(class: "cell").count == 4)
    #expect(svg.texts.contains("0.6000"))
    #expect(svg.texts.contains("± 0.1000"))
    #expect(svg.texts.contains("1 of 3 diverged"))
    #expect(svg.texts.contains("optimizer.momentum") && svg.texts.contains("optimizer.lr"))
    #expect(svg.elements(class: "colour-bar").count == 1)
  }

  @Test func singleSettingSweepHasNoHeatmap() throws {
    let runs = HandBuiltFolder.momentumSweep().filter { $0.settings[1].value == "0.01" }.map {
      run -> HandBuiltFolder.Run in
      var run = run
      run.settings = [run.settings[0]]
      return run
    }
    let folder = try HandBuiltFolder(runs: runs)
    let plots = try FileManager.default.contentsOfDirectory(atPath: folder.path + "/plots").sorted()
    #expect(plots == ["learning-rate.svg", "loss.svg", "val_loss-vs-optimizer.momentum.svg"])
  }

  @Test func linearAxisTicksAreRoundNumbers() {
    let axis = PlotAxis.linear(covering: [0.13, 0.87])
    #expect(axis.ticks.map(\.label) == ["0.0", "0.2", "0.4", "0.6", "0.8", "1.0"])
    #expect(axis.low == 0 && axis.high == 1)
    let epochs = PlotAxis.linear(covering: [1, 3], integers: true)
    #expect(epochs.ticks.map(\.label) == ["1", "2", "3"])
  }

  @Test func logarithmicAxisTicksArePowersOfTen() {
    let axis = PlotAxis.automatic(covering: [0.004, 2.5])
    #expect(axis.scale == .logarithmic)
    #expect(
      axis.ticks.filter { !$0.label.isEmpty }.map(\.label) == [
        "0.005", "0.01", "0.02", "0.05", "0.1", "0.2", "0.5", "1", "2",
      ])
    let wide = PlotAxis.automatic(covering: [1e-6, 10])
    #expect(
      wide.ticks.filter { !$0.label.isEmpty }.map(\.label) == [
        "1e-6", "1e-5", "0.0001", "0.001", "0.01", "0.1", "1", "10",
      ])
    #expect(PlotAxis.automatic(covering: [0.2, 1.9]).scale == .linear)
  }

  @Test func textIsEscapedAndCoordinatesHaveTwoDecimals() throws {
    var document = SVGDocument(width: 100, height: 50, title: "a < b & \"c\"")
    document.text("x > y", x: 1.005, y: 2.0 / 3)
    document.path(points: [(0, 0), nil, (1.25, 3)], [("class", "series")])
    let text = document.render()
    #expect(text.contains("<title>a &lt; b &amp; &quot;c&quot;</title>"))
    #expect(
      text.contains("<text x=\"1\" y=\"0.67\">x &gt; y</text>")
        || text.contains("<text x=\"1.01\" y=\"0.67\">x &gt; y</text>"))
    #expect(text.contains("d=\"M0 0 M1.25 3\""))
    _ = try XMLDocument(data: Data(text.utf8))
  }

  @Test func paletteIsOkabeItoWithoutYellow() {
    #expect(
      Palette.colours == [
        "#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000",
      ])
    #expect(Palette.style(7).colour == Palette.colours[0])
    #expect(Palette.style(7).dash != nil)
    #expect(Palette.hex(Palette.viridis(at: 0)) == "#440154")
    #expect(Palette.hex(Palette.viridis(at: 1)) == "#fde725")
  }

  /// The points of a path's `d` attribute.
  private func points(_ d: String) throws -> [(x: Double, y: Double)] {
    try d.split(separator: " ").filter { $0 != "Z" }.chunked().map { pair in
      let x = try #require(Double(pair.0.dropFirst()))
      let y = try #require(Double(pair.1))
      return (x, y)
    }
  }
}

extension Array where Element == Substring {
  /// Consecutive pairs: `[a, b, c, d]` as `[(a, b), (c, d)]`.
  fileprivate func chunked() -> [(Substring, Substring)] {
    stride(from: 0, to: count - 1, by: 2).map { (self[$0], self[$0 + 1]) }
  }
}

/// An SVG file parsed as XML; parsing fails the test when the file is not well-formed.
struct SVGFile {
  let document: XMLDocument
  let root: XMLElement

  init(_ path: String) throws {
    document = try XMLDocument(contentsOf: URL(fileURLWithPath: path))
    root = try #require(document.rootElement())
    #expect(root.name == "svg")
    #expect(root.uri == "http://www.w3.org/2000/svg")
  }

  /// Every element whose `class` is `name`.
  func elements(class name: String) -> [XMLElement] {
    all(root).filter { SVGFile.attribute($0, "class") == name }
  }

  /// The contents of every `text` element.
  var texts: [String] {
    all(root).filter { $0.localName == "text" }.map { $0.stringValue ?? "" }
  }

  /// The attribute `name` of `element`, found by name: swift-corelibs-foundation's
  /// `attribute(forName:)` finds nothing on elements in a default namespace, as SVG's are.
  static func attribute(_ element: XMLElement, _ name: String) -> String? {
    element.attributes?.first { $0.name == name }?.stringValue
  }

  private func all(_ element: XMLElement) -> [XMLElement] {
    [element] + (element.children ?? []).compactMap { $0 as? XMLElement }.flatMap(all)
  }
}
