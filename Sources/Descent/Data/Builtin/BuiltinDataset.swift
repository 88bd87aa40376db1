import DescentEngine

/// The data sets compiled into Descent, so that an experiment runs with no download: CSV files
/// beside this one, embedded in the binary as they are (`Package.swift`'s `.embedInCode`) and
/// read by the CSV reader, which takes the feature names from the header and the classes from
/// the last column. Sources and licences are in docs/datasets.md.
public enum BuiltinDataset: String, Sendable, CaseIterable {
  /// 1797 8x8 images of handwritten digits, 64 features with values 0-16, classes 0-9.
  case digits
  /// 150 iris flowers, 4 measurements in cm, 3 species.
  case iris

  /// The CSV text and the name of its target column.
  private var file: (bytes: [UInt8], target: String) {
    switch self {
    case .digits: (PackageResources.digits_csv, "label")
    case .iris: (PackageResources.iris_csv, "species")
    }
  }

  /// The data set's examples, in the order of its file.
  public func load() -> Dataset {
    let name = rawValue + ".csv"
    let file = DataFile(path: name, resolvedPath: name, displayPath: "the built-in " + name)
    do {
      return try CSVDatasetReader(CSVSource(file: file, target: self.file.target))
        .read(bytes: self.file.bytes, as: file)
    } catch {
      // The files are part of the build, and a test reads each.
      preconditionFailure("\(error)")
    }
  }
}
