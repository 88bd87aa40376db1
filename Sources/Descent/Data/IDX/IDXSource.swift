import DescentEngine

/// Images and labels in IDX files, the format of MNIST and Fashion-MNIST, as an experiment
/// declares them: `{idx: {images: FILE, labels: FILE}, test: {images: FILE, labels: FILE}}`.
///
/// Each file may be gzip-compressed (read directly) or not. Pixels are unsigned bytes, divided
/// by 255 as they are read; labels are class indices. `IDXDatasetReader` says what is checked.
public struct IDXSource: Sendable, Hashable {
  /// An images file and its labels file.
  public struct Pair: Sendable, Hashable {
    /// An IDX file of unsigned bytes with two or more dimensions: count, then the image's shape.
    public var images: DataFile
    /// An IDX file of unsigned bytes with one dimension: one class index per image.
    public var labels: DataFile

    public init(images: DataFile, labels: DataFile) {
      self.images = images
      self.labels = labels
    }
  }

  public var training: Pair
  /// A separate test set, evaluated at the end of each run.
  public var test: Pair?

  public init(training: Pair, test: Pair? = nil) {
    self.training = training
    self.test = test
  }
}
