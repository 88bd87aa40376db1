import RealModule

/// The colours of Descent's plots, safe for the common forms of colour blindness.
enum Palette {
  /// How one series is drawn.
  struct Style: Sendable, Hashable {
    var colour: String
    /// An SVG `stroke-dasharray`, or `nil` for a solid line.
    var dash: String?
  }

  /// The Okabe–Ito palette (Okabe and Ito 2008, "Color Universal Design"), ordered for lines on
  /// white; its yellow is left out, too faint on white.
  static let colours = [
    "#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000",
  ]

  /// Dash patterns: for series beyond the seventh, so that no two series look alike, or for the
  /// values of one setting while the colours tell the others apart.
  static let dashes: [String?] = [nil, "8 4", "2 3", "10 3 2 3"]

  /// The style of series `index`: each colour solid, then each colour dashed, and so on.
  static func style(_ index: Int) -> Style {
    Style(
      colour: colours[index % colours.count],
      dash: dashes[(index / colours.count) % dashes.count])
  }

  /// Stops of viridis (van der Walt and Smith, matplotlib 2.0's default colour map), which stays
  /// ordered in lightness and readable in grey and to colour-blind eyes.
  static let viridis: [(red: Double, green: Double, blue: Double)] = [
    (0.267004, 0.004874, 0.329415), (0.282623, 0.140926, 0.457517),
    (0.253935, 0.265254, 0.529983), (0.206756, 0.371758, 0.553117),
    (0.163625, 0.471133, 0.558148), (0.127568, 0.566949, 0.550556),
    (0.134692, 0.658636, 0.517649), (0.266941, 0.748751, 0.440573),
    (0.477504, 0.821444, 0.318195), (0.741388, 0.873449, 0.149561),
    (0.993248, 0.906157, 0.143936),
  ]

  /// The viridis colour at `position` (0 dark purple … 1 yellow), linearly between the stops.
  static func viridis(at position: Double) -> (red: Double, green: Double, blue: Double) {
    let clamped = min(max(position.isFinite ? position : 0, 0), 1)
    let scaled = clamped * Double(viridis.count - 1)
    let index = min(Int(scaled), viridis.count - 2)
    let t = scaled - Double(index)
    let a = viridis[index]
    let b = viridis[index + 1]
    return (
      a.red + (b.red - a.red) * t, a.green + (b.green - a.green) * t, a.blue + (b.blue - a.blue) * t
    )
  }

  /// `#rrggbb` of a colour with components in 0…1.
  static func hex(_ colour: (red: Double, green: Double, blue: Double)) -> String {
    let digits = Array("0123456789abcdef")
    var text = "#"
    for component in [colour.red, colour.green, colour.blue] {
      let byte = Int((min(max(component, 0), 1) * 255).rounded())
      text.append(digits[byte / 16])
      text.append(digits[byte % 16])
    }
    return text
  }

  /// Whether dark text reads better than white on `colour` (WCAG relative luminance above 0.35).
  static func isLight(_ colour: (red: Double, green: Double, blue: Double)) -> Bool {
    func linear(_ c: Double) -> Double {
      c <= 0.04045 ? c / 12.92 : Double.pow((c + 0.055) / 1.055, 2.4)
    }
    let luminance =
      0.2126 * linear(colour.red) + 0.7152 * linear(colour.green) + 0.0722 * linear(colour.blue)
    return luminance > 0.35
  }
}
