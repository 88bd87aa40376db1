import DescentEngine

/// The header of an IDX file (LeCun et al., the MNIST database): two zero bytes, the type of the
/// values (0x08 for unsigned bytes), the number of dimensions, then each dimension as a 32-bit
/// big-endian integer. The values follow, row-major, to the end of the file.
struct IDXHeader: Sendable, Hashable {
  /// What the file should hold.
  enum Kind {
    /// Two or more dimensions: the count of images, then the shape of one image.
    case images
    /// One dimension: one label per image.
    case labels
  }

  static let unsignedByte: UInt8 = 0x08

  var dimensions: [Int]

  /// The bytes before the values.
  var byteCount: Int { 4 + 4 * dimensions.count }
  /// The number of images or labels: the first dimension.
  var count: Int { dimensions[0] }
  /// The values of one item: the product of the other dimensions.
  var itemSize: Int { dimensions.dropFirst().reduce(1, *) }
  /// The shape of one item as the network sees it: a `rows x columns` image is `[1, rows,
  /// columns]` (one channel), `channels x rows x columns` stays as it is, a vector is flat.
  var exampleShape: TensorShape {
    let item = Array(dimensions.dropFirst())
    switch item.count {
    case 2: return .image(channels: 1, height: item[0], width: item[1])
    case 3: return TensorShape(item)
    default: return .flat(itemSize)
    }
  }
  /// The number of values in the file.
  var valueCount: Int { count * itemSize }

  /// The dimensions as messages write them: `60000 x 28 x 28`.
  var shapeText: String { dimensions.map(String.init).joined(separator: " x ") }
  /// The shape of one item: `28 x 28`.
  var itemShapeText: String { dimensions.dropFirst().map(String.init).joined(separator: " x ") }

  /// Reads and checks the header at the start of `input`.
  ///
  /// - Throws: `Diagnostics` naming the file when it is not an IDX file of unsigned bytes of
  ///   the `kind` expected, or when its dimensions are empty or too large.
  static func read(from input: CompressedFile, kind: Kind) throws(Diagnostics) -> IDXHeader {
    let file = input.file
    let magic = try input.read(4)
    guard magic.count == 4 else {
      throw Diagnostics([file.problem("not an IDX file: it ends inside its header")])
    }
    let magicText = "0x" + magic.map(Self.hex).joined()
    guard magic[0] == 0, magic[1] == 0 else {
      throw Diagnostics([
        file.problem(
          "not an IDX file: it starts with \(magicText); an IDX file starts with two zero bytes, the type and the number of dimensions (0x00000803 for images, 0x00000801 for labels)"
        )
      ])
    }
    guard magic[2] == unsignedByte else {
      throw Diagnostics([
        file.problem(
          "IDX values of type 0x\(hex(magic[2])) are not supported; expected 0x08 (unsigned bytes)")
      ])
    }
    let rank = Int(magic[3])
    switch kind {
    case .images where rank < 2:
      throw Diagnostics([
        file.problem(
          "expected images with 2 or more dimensions (the count, then the shape of an image), found \(rank) (magic number \(magicText)); are the images and labels files swapped?"
        )
      ])
    case .labels where rank != 1:
      throw Diagnostics([
        file.problem(
          "expected labels with 1 dimension, found \(rank) (magic number \(magicText)); are the images and labels files swapped?"
        )
      ])
    default:
      break
    }
    let sizes = try input.read(4 * rank)
    guard sizes.count == 4 * rank else {
      throw Diagnostics([file.problem("not an IDX file: it ends inside its header")])
    }
    let dimensions = (0..<rank).map { index in
      sizes[4 * index..<4 * index + 4].reduce(0) { $0 << 8 | Int($1) }
    }
    let header = IDXHeader(dimensions: dimensions)
    guard header.count > 0 else {
      throw Diagnostics([
        file.problem(
          "the header declares no \(kind == .images ? "images" : "labels") (\(header.shapeText))")
      ])
    }
    var total = 1
    for size in dimensions {
      let (product, overflow) = total.multipliedReportingOverflow(by: size)
      guard !overflow, product <= Self.maximumValues else {
        throw Diagnostics([
          file.problem("the dimensions \(header.shapeText) are too large to read")
        ])
      }
      total = product
    }
    guard header.itemSize > 0 else {
      throw Diagnostics([file.problem("the header declares empty images (\(header.shapeText))")])
    }
    return header
  }

  /// The most values Descent reads from one file (64 GiB as `Float`).
  static let maximumValues = 1 << 34

  /// Checks that `input`, read up to the end of the values, ends there.
  ///
  /// - Parameter read: how many bytes of values were read.
  func checkSize(of input: CompressedFile, read: Int) throws(Diagnostics) {
    var total = read
    if read == valueCount { total += try input.countRemainingBytes() }
    if let problem = sizeProblem(dataBytes: total, file: input.file, compressed: input.isCompressed)
    {
      throw Diagnostics([problem])
    }
  }

  /// Checks, before anything is allocated for them, that the file can hold the values its
  /// header declares: an uncompressed file by its size, a compressed one by deflate's largest
  /// ratio (1032 to 1), so that a damaged header does not ask for gigabytes.
  func checkPlausibleSize(of input: CompressedFile) throws(Diagnostics) {
    guard let size = input.file.size else { return }
    if !input.isCompressed {
      if let problem = sizeProblem(
        dataBytes: size - byteCount, file: input.file, compressed: false)
      {
        throw Diagnostics([problem])
      }
    } else if valueCount / 1032 > size {
      throw Diagnostics([
        input.file.problem(
          "the header declares \(shapeText) values, more than a compressed file of \(size) bytes can hold; is the header damaged?"
        )
      ])
    }
  }

  /// The problem with a file that holds `dataBytes` bytes after its header, if that is not the
  /// size the header declares.
  func sizeProblem(dataBytes: Int, file: DataFile, compressed: Bool) -> Diagnostic? {
    guard dataBytes != valueCount else { return nil }
    let decompressed = compressed ? " once decompressed" : ""
    let hint = dataBytes < valueCount ? "; is it truncated?" : ""
    return file.problem(
      "the header declares \(shapeText) values, but the file has \(dataBytes) bytes after its \(byteCount)-byte header\(decompressed)\(hint)"
    )
  }

  private static func hex(_ byte: UInt8) -> String {
    let digits = String(byte, radix: 16, uppercase: true)
    return digits.count == 1 ? "0" + digits : digits
  }
}
