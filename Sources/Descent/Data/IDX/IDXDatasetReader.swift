import DescentEngine

/// Reads an `IDXSource` into data sets.
///
/// Every file's header is checked (magic number, type 0x08, number of dimensions), its values
/// against the size its header declares (a compressed images file first against the most its
/// size can hold, so that a damaged header allocates nothing), the labels' count against the images', and a test
/// set's image shape against the training set's. Pixels are read straight into the `Float`
/// features, divided by 255 so that they lie in [0, 1]; nothing else holds the whole file. The
/// classes are 0 to the largest label of the training and test files, named by their index.
///
/// Messages, with `FILE` the display path of the file at fault:
///
///     FILE: no such file
///     FILE: cannot read the file: REASON
///     FILE: not an IDX file: it ends inside its header
///     FILE: not an IDX file: it starts with 0x1F8B0800; an IDX file starts with two zero
///           bytes, the type and the number of dimensions (0x00000803 for images, 0x00000801
///           for labels)
///     FILE: IDX values of type 0x0D are not supported; expected 0x08 (unsigned bytes)
///     FILE: expected images with 2 or more dimensions (the count, then the shape of an
///           image), found 1 (magic number 0x00000801); are the images and labels files swapped?
///     FILE: expected labels with 1 dimension, found 3 (magic number 0x00000803); are the
///           images and labels files swapped?
///     FILE: the header declares 60000 x 28 x 28 values, but the file has 1000 bytes after
///           its 16-byte header[ once decompressed][; is it truncated?]
///     FILE: the header declares 100000 x 28 x 28 values, more than a compressed file of 4000
///           bytes can hold; is the header damaged?
///     FILE: cannot decompress: REASON
///     LABELS: 59999 labels for the 60000 images of IMAGES; expected one label per image
///     TEST_IMAGES: images of 28 x 27, expected 28 x 28 as in TRAINING_IMAGES
///     LABELS: expected labels of at least 2 classes, found only class 0
public struct IDXDatasetReader: Sendable {
  public let source: IDXSource

  public init(_ source: IDXSource) {
    self.source = source
  }

  /// The shape of the data, from the image headers and the labels, without reading pixels.
  /// The sizes of uncompressed image files are checked too; those of compressed ones only when
  /// the data is read.
  ///
  /// - Throws: `Diagnostics` with a problem for each file at fault.
  public func inspect() throws(Diagnostics) -> DataShape {
    var problems: [Diagnostic] = []
    let training = inspect(source.training, problems: &problems)
    let test = source.test.flatMap { inspect($0, problems: &problems) }
    guard problems.isEmpty, let training else { throw Diagnostics(problems) }
    var largest = training.labels.max() ?? 0
    if let test {
      try checkShape(of: test.images, against: training.images)
      largest = max(largest, test.labels.max() ?? 0)
    }
    let names = try classNames(largest: largest)
    var sizes = Array(repeating: 0, count: names.count)
    for label in training.labels { sizes[Int(label)] += 1 }
    return DataShape(
      featureCount: training.images.itemSize, classNames: names,
      exampleShape: training.images.exampleShape, rows: training.labels.count, classSizes: sizes)
  }

  /// The training set and the test set, when the source has one.
  ///
  /// - Throws: `Diagnostics` with a problem for each file at fault.
  public func read() throws(Diagnostics) -> (training: Dataset, test: Dataset?) {
    var problems: [Diagnostic] = []
    let training = read(source.training, problems: &problems)
    let test = source.test.flatMap { read($0, problems: &problems) }
    guard problems.isEmpty, let training else { throw Diagnostics(problems) }
    var largest = training.labels.max() ?? 0
    if let test {
      try checkShape(of: test.images, against: training.images)
      largest = max(largest, test.labels.max() ?? 0)
    }
    let classes = try classNames(largest: largest)
    let featureNames = (0..<training.images.itemSize).map { "pixel\($0)" }
    func dataset(_ part: (images: IDXHeader, pixels: [Float], labels: [UInt8])) -> Dataset {
      Dataset(
        features: part.pixels, targets: part.labels.map(Float.init),
        featureCount: part.images.itemSize, targetWidth: 1, featureNames: featureNames,
        classNames: classes, exampleShape: part.images.exampleShape)
    }
    return (dataset(training), test.map(dataset))
  }

  // MARK: One pair of files

  private func inspect(
    _ pair: IDXSource.Pair, problems: inout [Diagnostic]
  ) -> (images: IDXHeader, labels: [UInt8])? {
    var images: IDXHeader?
    do throws(Diagnostics) {
      let input = try CompressedFile(pair.images)
      let header = try IDXHeader.read(from: input, kind: .images)
      // An uncompressed file's size is checked without reading it; a compressed one only for
      // plausibility, and exactly when it is read.
      try header.checkPlausibleSize(of: input)
      images = header
    } catch {
      problems += error.problems
    }
    let labels = readLabels(pair.labels, problems: &problems)
    guard let images, let labels else { return nil }
    guard checkCounts(images: images, labels: labels, pair, problems: &problems) else { return nil }
    return (images, labels)
  }

  private func read(
    _ pair: IDXSource.Pair, problems: inout [Diagnostic]
  ) -> (images: IDXHeader, pixels: [Float], labels: [UInt8])? {
    var images: (header: IDXHeader, pixels: [Float])?
    do throws(Diagnostics) {
      images = try readImages(pair.images)
    } catch {
      problems += error.problems
    }
    let labels = readLabels(pair.labels, problems: &problems)
    guard let images, let labels,
      checkCounts(images: images.header, labels: labels, pair, problems: &problems)
    else { return nil }
    return (images.header, images.pixels, labels)
  }

  private func checkCounts(
    images: IDXHeader, labels: [UInt8], _ pair: IDXSource.Pair, problems: inout [Diagnostic]
  ) -> Bool {
    guard images.count != labels.count else { return true }
    problems.append(
      pair.labels.problem(
        "\(labels.count) labels for the \(images.count) images of \(pair.images.displayPath); expected one label per image"
      ))
    return false
  }

  private func checkShape(of test: IDXHeader, against training: IDXHeader) throws(Diagnostics) {
    guard let testPair = source.test, test.dimensions.dropFirst() != training.dimensions.dropFirst()
    else { return }
    throw Diagnostics([
      testPair.images.problem(
        "images of \(test.itemShapeText), expected \(training.itemShapeText) as in \(source.training.images.displayPath)"
      )
    ])
  }

  private func classNames(largest: UInt8) throws(Diagnostics) -> [String] {
    guard largest >= 1 else {
      throw Diagnostics([
        source.training.labels.problem("expected labels of at least 2 classes, found only class 0")
      ])
    }
    return (0...Int(largest)).map(String.init)
  }

  // MARK: Files

  /// The labels of `file`, after checking its header and size.
  private func readLabels(_ file: DataFile, problems: inout [Diagnostic]) -> [UInt8]? {
    do throws(Diagnostics) {
      let input = try CompressedFile(file)
      let header = try IDXHeader.read(from: input, kind: .labels)
      try header.checkPlausibleSize(of: input)
      let labels = try input.read(header.valueCount)
      try header.checkSize(of: input, read: labels.count)
      return labels
    } catch {
      problems += error.problems
      return nil
    }
  }

  /// The pixels of `file` as `Float` in [0, 1], read in chunks straight into the array that
  /// holds them.
  private func readImages(_ file: DataFile) throws(Diagnostics) -> (IDXHeader, [Float]) {
    let input = try CompressedFile(file)
    let header = try IDXHeader.read(from: input, kind: .images)
    try header.checkPlausibleSize(of: input)
    let count = header.valueCount
    let scale = (0...255).map { Float($0) / 255 }
    let chunk = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 16, alignment: 1)
    defer { chunk.deallocate() }
    var failure: Diagnostics?
    var filled = 0
    // Never "uninitialized" storage for no values: that would write into the runtime's one shared
    // empty array.
    let pixels = count == 0 ? [] : [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
      while filled < count {
        let want = min(chunk.count, count - filled)
        let got: Int
        do throws(Diagnostics) {
          got = try input.read(into: UnsafeMutableRawBufferPointer(rebasing: chunk[0..<want]))
        } catch {
          failure = error
          break
        }
        for index in 0..<got { buffer[filled + index] = scale[Int(chunk[index])] }
        filled += got
        if got < want { break }
      }
      // The array is whole even when the file ends early; the size check then reports it.
      for index in filled..<count { buffer[index] = 0 }
      initialized = count
    }
    if let failure { throw failure }
    try header.checkSize(of: input, read: filled)
    return (header, pixels)
  }
}
