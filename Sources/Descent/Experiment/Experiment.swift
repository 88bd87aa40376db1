import DescentEngine
import Foundation

/// An experiment file, checked and expanded into the runs of its sweep.
///
/// ## The file
///
/// Every key, what it accepts, its default and what it means is declared once, in
/// `ExperimentSchema` and the sections it names (`ConfigurationDecoder.optimizerSection`, ...,
/// `LayerSchema.all`); `descent schema --reference` prints them as the README lists them, and
/// `descent schema` as a JSON Schema. Keys that are not declared are errors, with the nearest
/// valid key suggested; so are keys that do not apply to the optimizer, schedule or loss chosen
/// (`betas` with `sgd`).
///
/// Each configuration the `where` of an expectation matches (runs that differ only by seed) is
/// checked on its own; a run of it that diverged, failed or is pending fails the check.
///
/// The metrics of `report` must be ones some run measures; a target's value must be one its
/// metric can take (an accuracy in [0, 1], r2 at most 1, a loss or rmse >= 0). The section is
/// recorded in `manifest.json`, so `descent report`, `descent merge` and a resumed run build the
/// same report without the file; `descent report`'s options override it.
///
/// Any setting is addressed by its dotted key: `optimizer.lr`, `model.layers.0.dense`,
/// `optimizer.betas.1`, `data.normalize`. Sweeps and `--set` put values into the file's tree
/// before it is checked, so a swept or overridden value is checked exactly like the file, and a
/// problem with it is reported where it is written.
///
/// ## Data sources
///
/// File paths are relative to the experiment file. Files are read when the experiment is
/// loaded, as far as the checks need (a CSV file whole, the labels and image headers of IDX
/// files), so that `descent validate` reports bad data and an output width that does not match
/// it; runs then share one prepared copy of each distinct `data` setting.
///
///     source:
///       csv: <required>        # a CSV file with a header row
///       target: <required>     # the target column
///       features: null         # a list of feature columns; null: every column but the
///                              # target and those in drop
///       drop: []               # columns that are not features (not with features)
///       task: <from the loss>  # classification | regression; cross_entropy and bce
///                              # classify, mse and huber regress
///       drop_invalid_rows: false   # true: skip rows with a missing value, NaN or infinity
///                              # in a column that is read, instead of reporting them
///       test: null             # a test file with the same columns, scored after training
///
/// Quoted fields (RFC 4180), CRLF or LF line ends and a missing final line end are read;
/// blank lines are skipped. Features are numbers. Class labels may be numbers, then classes
/// are in numeric order (`1` and `1.0` are one class), or text, then classes are in Unicode
/// code-point order (`B` before `a`); a test file's labels are numbered as the training
/// file's. Problems are reported as `FILE:LINE: COLUMN: message` (see `CSVDatasetReader`).
///
///     source:
///       idx: {images: <required>, labels: <required>}   # IDX files, raw or .gz
///       test: null             # {images: FILE, labels: FILE}: scored after training
///
/// Images are unsigned bytes of any shape after the count, flattened, and divided by 255 as
/// they are read; labels are class indices, and the classes are 0 to the largest label of
/// the training and test files. Headers, sizes and counts are checked (`IDXDatasetReader`).
///
///     source:
///       synthetic: <required>  # spirals | moons | circles | xor | blobs (classification)
///                              # | sine | friedman1 (regression)
///       samples: 1000          # integer from 1 to 1000000
///       classes: 3             # spirals, blobs; integer from 2 to 1000 (the others have 2)
///       noise: <by name>       # >= 0: 0.1; blobs 1.0 (cluster spread), friedman1 1.0
///       dimension: <by name>   # blobs: 2, from 1 to 100; friedman1: 10, from 5 to 100
///
/// Synthetic sets are drawn from `data.seed` (see `SyntheticSource`). A separate test set is
/// normalized with the statistics of the training part and reported as `test_*` metrics.
///
/// ## Sweeps and seeds
///
/// Runs are ordered grid (first key slowest), then zip, then random samples, then seeds
/// innermost. Random numbers are drawn with `RandomGenerator(seed:stream: .sweep)` and rounded to
/// 4 significant digits. A sweep of more runs than `sweep.max_runs` (else `maxRuns`) fails
/// before anything is expanded.
///
/// Each run's seed is the base seed plus its seeds-axis value (wrapping past 2^64), or the base
/// seed without a seeds axis: it never depends on the run's position, so every arm of a
/// comparison starts from the same weights and sees the same batches. The validation split uses
/// `data.seed`, the base seed unless set, so every run of a sweep splits the data alike.
/// Run ids are described in `RunIdentifiers`.
public struct Experiment: Sendable {
  /// The base seed when the file gives none.
  public static let defaultSeed: UInt64 = 0
  /// The most runs any sweep may expand to, whatever `sweep.max_runs` or `maxRuns` allow:
  /// every run's configuration is held in memory, about 3 KB each.
  public static let maximumRuns = 1_000_000

  /// The experiment's name, its results folder: the file name without extension unless the
  /// file sets one.
  public var name: String
  public var description: String
  /// The base seed (`seed:`).
  public var seed: UInt64
  /// The file as given.
  public var sourceText: String
  /// The expanded sweep, in sweep order; one run when there is no sweep.
  public var runs: [RunSpec]
  /// The file's `expect:` list.
  public var expectations: [Expectation]
  /// The file's `report:` section: what the results folder's report ranks by, compares and
  /// times.
  public var report: ReportOptions
  /// The file's `study:` section and what makes its runs; `runs` are then the tuning runs of
  /// the first rung, and `StudyRunner` trains the rest as the study decides.
  public var study: StudyRuns?
  /// The grid axes given on the command line (`--sweep KEY=V1,V2,...`), as given.
  public var commandLineSweep: [String] = []

  public init(
    name: String, description: String, seed: UInt64, sourceText: String, runs: [RunSpec],
    expectations: [Expectation] = [], report: ReportOptions = ReportOptions()
  ) {
    self.name = name
    self.description = description
    self.seed = seed
    self.sourceText = sourceText
    self.runs = runs
    self.expectations = expectations
    self.report = report
  }

  /// Loads and checks the experiment file at `path`.
  ///
  /// - Parameters:
  ///   - overrides: `--set` arguments, `KEY=VALUE`, applied in order and checked like the file.
  ///   - sweeps: `--sweep` arguments, `KEY=V1,V2,...`: grid axes added to the file's sweep, or
  ///     replacing its axis of that key; recorded in `manifest.json`.
  ///   - maxRuns: the most runs a sweep may expand to, unless the file sets `sweep.max_runs`;
  ///     from 1 to `maximumRuns`.
  ///   - memoryLimit: the memory each run must fit in; `nil` for this machine's
  ///     (`MemoryLimit.current()`).
  /// - Throws: `Diagnostics` with every problem found, each `file:line:column: key: message`.
  public static func load(
    path: String, overrides: [String] = [], sweeps: [String] = [], maxRuns: Int = 5000,
    memoryLimit: MemoryLimit? = nil
  ) throws -> Experiment {
    let text = try YAMLText.read(path)
    let directory = URL(fileURLWithPath: path).deletingLastPathComponent().path
    return try load(
      yaml: text, file: path, baseDirectory: directory, overrides: overrides, sweeps: sweeps,
      maxRuns: maxRuns, memoryLimit: memoryLimit)
  }

  /// Loads and checks experiment text.
  ///
  /// - Parameters:
  ///   - file: the name messages give the text, and the default experiment name.
  ///   - baseDirectory: the folder relative paths in the text are resolved against.
  ///   - memoryLimit: the memory each run must fit in; `nil` for this machine's.
  /// - Throws: `Diagnostics` with every problem found.
  public static func load(
    yaml: String, file: String, baseDirectory: String, overrides: [String] = [],
    sweeps: [String] = [], maxRuns: Int = 5000, memoryLimit: MemoryLimit? = nil
  ) throws -> Experiment {
    var loader = ExperimentLoader(
      file: file, baseDirectory: baseDirectory, maxRuns: maxRuns, memoryLimit: memoryLimit)
    var experiment = try loader.load(yaml, overrides: overrides, sweeps: sweeps)
    experiment.commandLineSweep = sweeps
    return experiment
  }

  /// Whether `name` can be a folder name on every common file system: letters, digits, `-`,
  /// `_` and `.`, not starting with `.`, at most 100 characters.
  public static func isSafeFolderName(_ name: String) -> Bool {
    guard let first = name.unicodeScalars.first, first != ".", name.count <= 100 else {
      return false
    }
    return name.unicodeScalars.allSatisfy {
      $0.isASCII
        && ($0.properties.isAlphabetic || ("0"..."9").contains($0)
          || "-_.".unicodeScalars.contains($0))
    }
  }
}
