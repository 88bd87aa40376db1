import Foundation

/// An experiment file, checked and expanded into the runs of its sweep.
///
/// ## The file
///
/// Every key, its default, and what it accepts. Keys that are not listed are errors, with the
/// nearest valid key suggested; so are keys that do not apply to the optimizer, schedule or
/// loss chosen (`betas` with `sgd`).
///
///     name: <file name>        # the results folder: letters, digits, - _ . (not first)
///     description: ""
///     seed: 0                  # base seed; integer >= 0 (see "Seeds" below)
///     data:                    # required
///       source: <required>     # digits | iris, or a mapping (see "Data sources" below):
///                              # {csv: FILE, target: COLUMN, ...}
///                              # {idx: {images: FILE, labels: FILE}, test: {...}}
///                              # {synthetic: NAME, samples: 1000, ...}
///       validation: 0.2        # held-out fraction, in [0, 1)
///       normalize: standard    # standard | minmax | none, fitted on the training part;
///                              # idx: none (pixels are already in [0, 1])
///       seed: <seed>           # seed of the validation split and of synthetic sets; the
///                              # base seed
///       shape: <the source's>  # [features] or [channels, height, width], holding the
///                              # features; idx: [1, rows, cols], others flat
///     model:                   # required
///       layers: <required>     # a list; output width must match the data and loss;
///                              # at most 100000000 parameters (ModelSpec.maximumParameters);
///                              # the kinds are LayerSchema.all
///         - {dense: 64, activation: relu}   # dense: units >= 1; activation optional;
///                                           # bias: true; flat inputs only
///         - {conv2d: 32, kernel: 3}         # channels >= 1; kernel required (n or [h, w]);
///                                           # stride: 1; padding: 0 (n, [h, w], same with
///                                           # stride 1, valid); dilation: 1; groups: 1;
///                                           # bias: true; activation optional
///         - {max_pool2d: 2}                 # kernel; stride: the kernel; padding: 0, at
///         - {avg_pool2d: 2}                 # most half the kernel
///         - global_avg_pool2d               # bare: [C, H, W] -> [C, 1, 1]
///         - flatten                         # bare: [C, H, W] -> [C * H * W]
///         - {activation: gelu}              # relu | leaky_relu | elu | gelu | tanh | sigmoid
///                                           # | softplus | identity
///         - {activation: {leaky_relu: {slope: 0.01}}}   # slope 0.01; elu: alpha 1.0;
///                                           # softplus: beta 1.0, threshold 20.0
///         - {dropout: 0.1}                  # rate in [0, 1)
///         - batch_norm                      # bare, or {batch_norm: {momentum: 0.1 (in
///                                           # [0, 1]), eps: 1.0e-5 (> 0)}}; 1d on [features],
///                                           # 2d on [C, H, W]
///         - layer_norm                      # bare, or {layer_norm: {eps: 1.0e-5 (> 0)}}
///         - residual: [<layers>]            # the body, at least one layer; blocks nest at
///           shortcut: identity              # most Residual.maximumDepth (32) deep; identity
///                                           # | projection
///       init: he_normal        # he_normal | he_uniform | xavier_normal | xavier_uniform
///                              # | lecun_normal | torch_default
///       init_from: null        # safetensors file, relative to the experiment file; its
///                              # header is read once per load and checked against each
///                              # run's model (`SafetensorsHeader.check(against:)`)
///     loss: <required>         # cross_entropy | bce | mse | huber, or a mapping:
///                              # {name: cross_entropy, label_smoothing: 0.0 (in [0, 1))}
///                              # {name: huber, delta: 1.0 (> 0)}
///     optimizer:               # required; a bare name is {name: ...}
///       name: <required>       # sgd | adam | adamw | rmsprop | adagrad
///       lr: 0.001              # > 0; rmsprop, adagrad: 0.01
///       momentum: 0.0          # sgd, rmsprop; in [0, 1)
///       dampening: 0.0         # sgd; in [0, 1]
///       nesterov: false        # sgd; needs momentum > 0 and dampening 0
///       momentum_form: torch   # sgd; torch | classical
///       betas: [0.9, 0.999]    # adam, adamw; each in [0, 1)
///       eps: 1.0e-8            # adam, adamw, rmsprop, adagrad (adagrad: 1.0e-10); > 0
///       alpha: 0.99            # rmsprop; in [0, 1)
///       centered: false        # rmsprop
///       lr_decay: 0.0          # adagrad; >= 0
///       initial_accumulator: 0.0   # adagrad; >= 0
///       weight_decay: 0.0      # >= 0; adamw: 0.01 (decoupled)
///       clip_norm: null        # > 0: clip the global gradient norm
///       clip_value: null       # > 0: clamp each gradient
///     schedule:                # optional; a bare name is {name: ...}
///       name: constant         # constant | step | multistep | exponential | inverse
///                              # | polynomial | cosine | one_cycle | plateau
///       interval: epoch        # epoch | batch (plateau: epoch only)
///       step_size: 10          # step; integer >= 1
///       gamma: 0.1             # step, multistep; required for exponential, inverse; > 0
///       milestones: []         # multistep; increasing integers >= 1
///       power: 1.0             # inverse, polynomial; > 0
///       total_steps: null      # polynomial, cosine, one_cycle; null: all of training
///       min_lr: 0.0            # cosine (floor), plateau (lowest rate); >= 0
///       pct_start: 0.3         # one_cycle; in (0, 1)
///       div_factor: 25.0       # one_cycle; > 0
///       final_div_factor: 10000.0  # one_cycle; > 0
///       cycle_momentum: false  # one_cycle (not with adagrad)
///       base_momentum: 0.85    # one_cycle; in [0, 1), <= max_momentum
///       max_momentum: 0.95     # one_cycle; in [0, 1)
///       factor: 0.1            # plateau; in (0, 1)
///       patience: 10           # plateau; integer >= 0
///       threshold: 0.0001      # plateau; >= 0
///       cooldown: 0            # plateau; integer >= 0
///       warmup: {epochs: 0}    # {epochs: N}, or {steps: N} with interval batch
///       warmup_start_factor: 0.3333333333333333   # in (0, 1]
///     training:
///       epochs: 10             # integer >= 1
///       batch_size: 32         # integer >= 1; the run must fit in the memory limit
///                              # (`MemoryEstimate`, `MemoryLimit`)
///       drop_last: false       # true: an epoch leaves out its last batch when smaller;
///                              # it must leave at least one batch
///       early_stopping: null   # {metric: val_loss, patience: 3, min_delta: 0.0}
///                              # metric: train_loss | val_loss | val_accuracy | val_rmse
///                              # | val_r2; patience >= 1; min_delta >= 0
///       save_weights: false
///     sweep:                   # optional
///       grid: {optimizer.lr: [0.01, 0.1]}    # cartesian product, first key slowest; or
///                              # powers: {log2: [-6, -2]}, {log10: [-4, 0]}
///       zip: {optimizer.lr: [...], training.batch_size: [...]}   # advanced together
///       random:
///         samples: <required>  # integer >= 1
///         seed: <seed>         # seed of the draws; the base seed
///         space: {optimizer.lr: {log_uniform: [1.0e-4, 1.0]}}
///                              # {uniform: [a, b]} | {log_uniform: [a, b]}
///                              # | {int: [a, b]} | {choice: [...]}
///         sequence: random     # random | halton (`RandomSearch.Sequence`)
///       seeds: [1, 2, 3]       # distinct integers >= 0
///       max_runs: <maxRuns>    # the limit on the number of runs; 5000 by default,
///                              # at most maximumRuns (1000000)
///     study: null              # instead of sweep, a fair comparison of arms; its keys are
///                              # in `Study`; not with expect or report
///     expect:                  # optional; a list, checked after the sweep (not on a shard)
///       - where: {optimizer.momentum: 0.9}   # swept keys (seed too); omitted: every run
///         metric: val_accuracy # train_loss | val_loss | val_accuracy | val_rmse | val_r2;
///                              # its value after the last epoch trained
///         aggregate: mean      # mean | min | max over the seeds of each configuration
///         at_least: 0.95       # and/or at_most; or between: [low, high]
///         status: complete     # optional: every matching run must complete; a metric is
///                              # then optional
///     report:                  # optional; what the results folder's report shows
///       metric: <val_loss>     # the final metric configurations are ranked and arms
///                              # compared by: train_loss | val_loss | val_accuracy
///                              # | val_rmse | val_r2; val_loss, or train_loss without
///                              # validation
///       compare: <two values>  # swept settings whose arms are compared seed by seed; every
///                              # swept setting with exactly two values; []: none
///       targets: []            # e.g. [{metric: val_accuracy, value: 0.95}]: the first epoch
///                              # at which each run reaches each value
///       confidence: 0.95       # level of the paired confidence intervals; in (0, 1)
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
  ///   - maxRuns: the most runs a sweep may expand to, unless the file sets `sweep.max_runs`;
  ///     from 1 to `maximumRuns`.
  ///   - memoryLimit: the memory each run must fit in; `nil` for this machine's
  ///     (`MemoryLimit.current()`).
  /// - Throws: `Diagnostics` with every problem found, each `file:line:column: key: message`.
  public static func load(
    path: String, overrides: [String] = [], maxRuns: Int = 5000, memoryLimit: MemoryLimit? = nil
  ) throws -> Experiment {
    let text = try SourceText.read(path)
    let directory = URL(fileURLWithPath: path).deletingLastPathComponent().path
    return try load(
      yaml: text, file: path, baseDirectory: directory, overrides: overrides, maxRuns: maxRuns,
      memoryLimit: memoryLimit)
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
    maxRuns: Int = 5000, memoryLimit: MemoryLimit? = nil
  ) throws -> Experiment {
    var loader = ExperimentLoader(
      file: file, baseDirectory: baseDirectory, maxRuns: maxRuns, memoryLimit: memoryLimit)
    return try loader.load(yaml, overrides: overrides)
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
