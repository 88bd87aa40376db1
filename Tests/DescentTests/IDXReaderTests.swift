import Foundation
import Testing

@testable import Descent
@testable import DescentEngine

/// IDX files (the MNIST format), raw and gzip-compressed: pixels, labels, test sets, and every
/// header defect reported word for word.
struct IDXReaderTests {
  /// Three 2x2 images and their labels.
  static let pixels: [[UInt8]] = [[0, 255, 51, 102], [255, 255, 0, 0], [1, 2, 3, 4]]
  static let labels: [UInt8] = [0, 2, 1]

  /// Writes the training pair (and a test pair) and returns the source.
  private func source(
    in folder: DataFolder, gzip: Bool = false, images: [UInt8]? = nil, labels: [UInt8]? = nil,
    test: (images: [UInt8], labels: [UInt8])? = nil
  ) throws -> IDXSource {
    let suffix = gzip ? ".gz" : ""
    let write = { (name: String, bytes: [UInt8]) throws in
      _ = gzip ? try folder.writeGzip(name, bytes: bytes) : try folder.write(name, bytes: bytes)
    }
    try write("images" + suffix, images ?? IDXBytes.images(Self.pixels, rows: 2, columns: 2))
    try write("labels" + suffix, labels ?? IDXBytes.labels(Self.labels))
    var source = IDXSource(
      training: .init(
        images: folder.file("images" + suffix), labels: folder.file("labels" + suffix)))
    if let test {
      try write("test-images" + suffix, test.images)
      try write("test-labels" + suffix, test.labels)
      source.test = .init(
        images: folder.file("test-images" + suffix), labels: folder.file("test-labels" + suffix))
    }
    return source
  }

  private func problems(_ source: IDXSource) -> [String] {
    dataProblems { () throws(Diagnostics) in try IDXDatasetReader(source).read() }
  }

  private func inspectionProblems(_ source: IDXSource) -> [String] {
    dataProblems { () throws(Diagnostics) in try IDXDatasetReader(source).inspect() }
  }

  @Test(arguments: [false, true])
  func pairIsReadWithPixelsScaledToTheUnitInterval(gzip: Bool) throws {
    let folder = try DataFolder()
    let data = try IDXDatasetReader(try source(in: folder, gzip: gzip)).read()
    #expect(data.test == nil)
    let training = data.training
    #expect(training.rows == 3)
    #expect(training.featureCount == 4)
    #expect(training.features == Self.pixels.flatMap { $0 }.map { Float($0) / 255 })
    #expect(training.features[1] == 1)
    #expect(training.targets == [0, 2, 1])
    #expect(training.classNames == ["0", "1", "2"])
    #expect(training.featureNames == ["pixel0", "pixel1", "pixel2", "pixel3"])
  }

  @Test(arguments: [false, true])
  func testSetIsReadAndItsLabelsCountTowardTheClasses(gzip: Bool) throws {
    let folder = try DataFolder()
    let test = (
      IDXBytes.images([[9, 9, 9, 9], [0, 0, 0, 0]], rows: 2, columns: 2), IDXBytes.labels([3, 0])
    )
    let reader = IDXDatasetReader(try source(in: folder, gzip: gzip, test: test))
    let data = try reader.read()
    let testSet = try #require(data.test)
    #expect(testSet.features == [9, 9, 9, 9, 0, 0, 0, 0].map { Float($0) / 255 })
    #expect(testSet.targets == [3, 0])
    #expect(data.training.classNames == ["0", "1", "2", "3"])
    #expect(testSet.classNames == data.training.classNames)
    #expect(
      try reader.inspect()
        == DataShape(
          featureCount: 4, classNames: ["0", "1", "2", "3"],
          exampleShape: .image(channels: 1, height: 2, width: 2), rows: 3,
          classSizes: [1, 1, 1, 0]))
  }

  @Test func imagesKeepTheirShapeAndMoreDimensionsAreChannels() throws {
    let folder = try DataFolder()
    let images = IDXBytes.file(dimensions: [2, 2, 1, 3], values: Array(0..<12))
    let data = try IDXDatasetReader(
      try source(in: folder, images: images, labels: IDXBytes.labels([1, 0]))
    ).read().training
    #expect(data.featureCount == 6)
    #expect(data.rows == 2)
    #expect(data.exampleShape == .image(channels: 2, height: 1, width: 3))
  }

  @Test func headerDefectsNameTheFile() throws {
    let folder = try DataFolder()
    let good = IDXBytes.images(Self.pixels, rows: 2, columns: 2)
    let cases: [(images: [UInt8], message: String)] = [
      ([0, 0, 8], "images: not an IDX file: it ends inside its header"),
      ([0, 0, 8, 3, 0, 0], "images: not an IDX file: it ends inside its header"),
      (
        [0x50, 0x4B, 3, 4, 0, 0],
        "images: not an IDX file: it starts with 0x504B0304; an IDX file starts with two zero bytes, the type and the number of dimensions (0x00000803 for images, 0x00000801 for labels)"
      ),
      (
        IDXBytes.file(type: 0x0D, dimensions: [3, 2, 2], values: []),
        "images: IDX values of type 0x0D are not supported; expected 0x08 (unsigned bytes)"
      ),
      (
        IDXBytes.labels(Self.labels),
        "images: expected images with 2 or more dimensions (the count, then the shape of an image), found 1 (magic number 0x00000801); are the images and labels files swapped?"
      ),
      (
        IDXBytes.file(dimensions: [0, 2, 2], values: []),
        "images: the header declares no images (0 x 2 x 2)"
      ),
      (
        IDXBytes.file(dimensions: [3, 2, 0], values: []),
        "images: the header declares empty images (3 x 2 x 0)"
      ),
      (
        Array(good.dropLast()),
        "images: the header declares 3 x 2 x 2 values, but the file has 11 bytes after its 16-byte header; is it truncated?"
      ),
      (
        good + [7],
        "images: the header declares 3 x 2 x 2 values, but the file has 13 bytes after its 16-byte header"
      ),
    ]
    for (images, message) in cases {
      let source = try source(in: folder, images: images)
      #expect(problems(source) == [message])
      #expect(inspectionProblems(source) == [message])
    }
  }

  @Test func aTruncatedCompressedFileIsFoundWhenItIsRead() throws {
    let folder = try DataFolder()
    let images = Array(IDXBytes.images(Self.pixels, rows: 2, columns: 2).dropLast(2))
    let source = try source(in: folder, gzip: true, images: images)
    // Inspection reads only the header of a compressed images file.
    #expect(inspectionProblems(source) == [])
    #expect(
      problems(source) == [
        "images.gz: the header declares 3 x 2 x 2 values, but the file has 10 bytes after its 16-byte header once decompressed; is it truncated?"
      ])
  }

  @Test func aCompressedFileThatCannotHoldItsDeclaredImagesAllocatesNothing() throws {
    let folder = try DataFolder()
    let images = IDXBytes.file(dimensions: [100_000, 28, 28], values: [1, 2, 3])
    let source = try source(in: folder, gzip: true, images: images)
    let size = try #require(folder.file("images.gz").size)
    let message =
      "images.gz: the header declares 100000 x 28 x 28 values, more than a compressed file of \(size) bytes can hold; is the header damaged?"
    #expect(problems(source) == [message])
    #expect(inspectionProblems(source) == [message])
  }

  @Test func corruptCompressedDataIsReported() throws {
    let folder = try DataFolder()
    let source = try source(in: folder, gzip: true)
    var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: folder.path + "/labels.gz")))
    bytes.removeLast(12)  // part of the deflate stream and the trailer
    try folder.write("labels.gz", bytes: bytes)
    let found = problems(source)
    #expect(found.count == 1)
    #expect(found.first?.hasPrefix("labels.gz: ") == true)
  }

  @Test func labelProblemsNameTheFile() throws {
    let folder = try DataFolder()
    #expect(
      problems(try source(in: folder, labels: IDXBytes.images(Self.pixels, rows: 2, columns: 2)))
        == [
          "labels: expected labels with 1 dimension, found 3 (magic number 0x00000803); are the images and labels files swapped?"
        ])
    #expect(
      problems(try source(in: folder, labels: IDXBytes.labels([0, 1]))) == [
        "labels: 2 labels for the 3 images of images; expected one label per image"
      ])
    #expect(
      problems(try source(in: folder, labels: IDXBytes.labels([0, 0, 0]))) == [
        "labels: expected labels of at least 2 classes, found only class 0"
      ])
  }

  @Test func everyMissingFileIsReported() throws {
    let folder = try DataFolder()
    let source = IDXSource(
      training: .init(images: folder.file("a"), labels: folder.file("b")),
      test: .init(images: folder.file("c"), labels: folder.file("d")))
    #expect(
      problems(source) == [
        "a: no such file", "b: no such file", "c: no such file", "d: no such file",
      ])
  }

  @Test func testImagesMustHaveTheTrainingShape() throws {
    let folder = try DataFolder()
    let test = (IDXBytes.file(dimensions: [1, 4, 1], values: [1, 2, 3, 4]), IDXBytes.labels([1]))
    let source = try source(in: folder, test: test)
    #expect(problems(source) == ["test-images: images of 4 x 1, expected 2 x 2 as in images"])
    #expect(
      inspectionProblems(source) == ["test-images: images of 4 x 1, expected 2 x 2 as in images"])
  }

  static let fashion = "/usr/share/datasets/fashion-mnist/"

  @Test(.enabled(if: FileManager.default.fileExists(atPath: fashion)))
  func fashionMNISTHeadersAreRead() throws {
    func header(_ name: String, _ kind: IDXHeader.Kind) throws -> [Int] {
      let file = DataFile(
        path: Self.fashion + name, resolvedPath: Self.fashion + name, displayPath: name)
      return try IDXHeader.read(from: try CompressedFile(file), kind: kind).dimensions
    }
    #expect(try header("train-images-idx3-ubyte.gz", .images) == [60000, 28, 28])
    #expect(try header("train-labels-idx1-ubyte.gz", .labels) == [60000])
    #expect(try header("t10k-images-idx3-ubyte.gz", .images) == [10000, 28, 28])
    #expect(try header("t10k-labels-idx1-ubyte.gz", .labels) == [10000])
  }
}
