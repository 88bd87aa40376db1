import Foundation
import Testing

@testable import Descent
@testable import DescentEngine

/// Experiment files: typed decoding, defaults, resolved configurations, and every error message
/// word for word.
struct ExperimentTests {
  // MARK: Defaults and resolved configurations

  @Test func minimalFileGetsEveryDefault() throws {
    let experiment = try ExperimentFile.load(ExperimentFile.minimal)
    #expect(experiment.name == "x")
    #expect(experiment.description == "")
    #expect(experiment.seed == 0)
    #expect(experiment.expectations.isEmpty)
    #expect(experiment.runs.count == 1)
    let run = try #require(experiment.runs.first)
    #expect(run.index == 0)
    #expect(run.id == "run")
    #expect(run.settings.isEmpty)

    let configuration = run.configuration
    #expect(
      configuration.data
        == DataSettings(source: .builtin(.iris), validation: 0.2, normalize: .standard, seed: 0))
    #expect(configuration.earlyStopping == nil)
    #expect(configuration.saveWeights == false)
    #expect(configuration.initFrom == nil)
    #expect(configuration.warmup == .epochs(0))
    var optimizer = OptimizerSettings(.sgd)
    optimizer.learningRate = 0.1
    let expected = TrainingSettings(
      model: ModelSpec(
        layers: [.dense(units: 8), .activation(.relu), .dense(units: 3)], initializer: .heNormal),
      loss: .crossEntropy(labelSmoothing: 0), optimizer: optimizer,
      schedule: ScheduleSettings(.constant), clipping: GradientClipping(), epochs: 10,
      batchSize: 32, seed: 0)
    #expect(configuration.training == expected)
  }

  @Test func resolvedYAMLListsEveryKeyInAFixedOrder() throws {
    let run = try #require(try ExperimentFile.load(ExperimentFile.minimal).runs.first)
    #expect(
      run.resolvedYAML == """
        seed: 0
        data:
          source: iris
          validation: 0.2
          normalize: standard
          seed: 0
        model:
          layers:
            - {dense: 8, activation: relu}
            - {dense: 3}
          init: he_normal
          init_from: null
        loss:
          name: cross_entropy
          label_smoothing: 0.0
        optimizer:
          name: sgd
          lr: 0.1
          momentum: 0.0
          dampening: 0.0
          nesterov: false
          momentum_form: torch
          weight_decay: 0.0
          clip_norm: null
          clip_value: null
        schedule:
          name: constant
          interval: epoch
          warmup: {epochs: 0}
          warmup_start_factor: 0.3333333333333333
        training:
          epochs: 10
          batch_size: 32
          early_stopping: null
          save_weights: false
          checkpoint: true
          keep_checkpoint: false

        """)
    // Checkpoints change no number, so the hash leaves them out.
    let hashed = run.resolvedYAML.replacingOccurrences(
      of: "  checkpoint: true\n  keep_checkpoint: false\n", with: "")
    #expect(run.configHash == ConfigHash.fnv1a64(hashed))
  }

  @Test func resolvedYAMLLoadsBackToTheSameRun() throws {
    let files = [
      ExperimentFile.minimal,
      """
      seed: 5
      data: {source: digits, validation: 0.1, normalize: minmax, seed: 9}
      model:
        layers:
          - {dense: 32, activation: {leaky_relu: {slope: 0.2}}}
          - {dropout: 0.25}
          - {activation: {softplus: {beta: 2, threshold: 10}}}
          - {dense: 10}
          - {activation: identity}
        init: xavier_uniform
      loss: {name: cross_entropy, label_smoothing: 0.1}
      optimizer: {name: adamw, lr: 3.0e-4, betas: [0.8, 0.99], eps: 1.0e-7, clip_norm: 1.5}
      schedule:
        name: one_cycle
        interval: batch
        total_steps: 300
        pct_start: 0.25
        cycle_momentum: true
        warmup: {steps: 20}
      training:
        epochs: 3
        batch_size: 64
        early_stopping: {metric: val_accuracy, patience: 2, min_delta: 0.001}
        save_weights: true
      """,
      """
      data: {source: iris, validation: 0.3}
      model: {layers: [{dense: 4, activation: elu}, {dense: 3}]}
      loss: cross_entropy
      optimizer: {name: rmsprop, momentum: 0.5, centered: true, alpha: 0.9, clip_value: 0.5}
      schedule: {name: plateau, factor: 0.5, patience: 2, min_lr: 1.0e-5, warmup: {epochs: 2}}
      sweep:
        grid:
          optimizer.lr: [0.001, 0.01]
        seeds: [4, 5]
      """,
      """
      data: {source: iris}
      model: {layers: [{dense: 3}]}
      loss: cross_entropy
      optimizer: {name: adagrad, lr_decay: 0.01, initial_accumulator: 0.1, weight_decay: 0.001}
      schedule: {name: multistep, milestones: [2, 5], gamma: 0.5}
      """,
      """
      data: {source: iris}
      model: {layers: [{dense: 3}]}
      loss: cross_entropy
      optimizer: {name: sgd, momentum: 0.9, nesterov: true, momentum_form: classical}
      schedule: {name: inverse, gamma: 0.001, power: 0.75}
      """,
    ]
    for file in files {
      for run in try ExperimentFile.load(file).runs {
        let reloaded = try #require(try ExperimentFile.load(run.resolvedYAML).runs.first)
        #expect(reloaded.configuration == run.configuration)
        #expect(reloaded.resolvedYAML == run.resolvedYAML)
        #expect(reloaded.configHash == run.configHash)
      }
    }
  }

  @Test func configHashIsFNV1a64InHexadecimal() {
    // Reference values of the FNV-1a 64-bit hash.
    #expect(ConfigHash.fnv1a64("") == "cbf29ce484222325")
    #expect(ConfigHash.fnv1a64("a") == "af63dc4c8601ec8c")
    #expect(ConfigHash.fnv1a64("foobar") == "85944171f73967e8")
  }

  @Test func numbersAreWrittenSoThatTheyReadBackExactly() {
    #expect(YAMLScalar.format(0.1) == "0.1")
    #expect(YAMLScalar.format(1e-8) == "1.0e-08")
    #expect(YAMLScalar.format(30) == "30.0")
    for value in [0.1, 1.0 / 3.0, 1e-8, 2.5e-300, 123456789.123] {
      #expect(YAMLScalar.number(YAMLScalar.format(value)) == value)
    }
  }

  @Test func optimizerDefaultsArePyTorchsForTheOptimizerNamed() throws {
    let adam = try ExperimentFile.configuration(
      ExperimentFile.minimal, overrides: ["optimizer=adamw"])
    #expect(adam.training.optimizer == OptimizerSettings(.adamw))
    #expect(adam.training.optimizer.learningRate == 0.001)
    #expect(adam.training.optimizer.weightDecay == 0.01)
    let adagrad = try ExperimentFile.configuration(
      ExperimentFile.minimal, overrides: ["optimizer=adagrad"])
    #expect(adagrad.training.optimizer.epsilon == 1e-10)
  }

  @Test func bareNamesStandForMappingsWithOnlyAName() throws {
    let configuration = try ExperimentFile.configuration(
      ExperimentFile.minimal, overrides: ["loss=cross_entropy", "optimizer=sgd", "schedule=cosine"])
    #expect(configuration.training.schedule == ScheduleSettings(.cosine))
    #expect(configuration.training.optimizer == OptimizerSettings(.sgd))
  }

  @Test func activationsTakeTheirParametersByName() throws {
    let file = """
      data: {source: iris}
      model:
        layers:
          - {dense: 8, activation: {leaky_relu: {slope: 0.2}}}
          - {activation: {softplus: {threshold: 5}}}
          - {activation: elu}
          - {dense: 3, activation: {gelu: {}}}
      loss: cross_entropy
      optimizer: sgd
      """
    let layers = try ExperimentFile.configuration(file).training.model.layers
    #expect(
      layers == [
        .dense(units: 8), .activation(.leakyRelu(slope: 0.2)),
        .activation(.softplus(beta: 1, threshold: 5)), .activation(.elu(alpha: 1)),
        .dense(units: 3), .activation(.gelu),
      ])
  }

  @Test func warmupEpochsBecomeStepsOfTheSchedulesInterval() throws {
    let perEpoch = try ExperimentFile.configuration(
      ExperimentFile.minimal, overrides: ["schedule={name: cosine, warmup: {epochs: 2}}"])
    #expect(perEpoch.warmup == .epochs(2))
    #expect(perEpoch.training.schedule.warmupSteps == 2)
    #expect(perEpoch.trainingSettings(trainingRows: 120).schedule.warmupSteps == 2)

    let perBatch = try ExperimentFile.configuration(
      ExperimentFile.minimal,
      overrides: ["schedule={name: cosine, interval: batch, warmup: {epochs: 2}}"])
    // 120 rows in batches of 32: 4 batches per epoch, the last one smaller.
    #expect(perBatch.training.schedule.warmupSteps == 0)
    #expect(perBatch.trainingSettings(trainingRows: 120).schedule.warmupSteps == 8)

    let steps = try ExperimentFile.configuration(
      ExperimentFile.minimal,
      overrides: ["schedule={name: cosine, interval: batch, warmup: {steps: 5}}"])
    #expect(steps.training.schedule.warmupSteps == 5)
    #expect(steps.trainingSettings(trainingRows: 120).schedule.warmupSteps == 5)
  }

  @Test func nameDefaultsToTheFileNameAndMustBeASafeFolderName() throws {
    let folder = try ExperimentFile.Folder()
    let path = try folder.write("sgd-vs-momentum.yaml", ExperimentFile.minimal)
    #expect(try Experiment.load(path: path).name == "sgd-vs-momentum")

    #expect(
      ExperimentFile.problems("name: ../up\n" + ExperimentFile.minimal) == [
        #"x.yaml:1:7: name: expected a folder name of letters, digits, '-', '_' and '.', not starting with '.', found "../up""#
      ])
    #expect(
      ExperimentFile.problems(ExperimentFile.minimal, file: "my exp.yaml") == [
        #"my exp.yaml: name: the file name "my exp" is not a safe folder name; set name: to letters, digits, '-', '_' and '.'"#
      ])
  }

  @Test func initFromIsResolvedAgainstTheFilesFolder() throws {
    let folder = try ExperimentFile.Folder()
    try Data(BadInput.weights(BadInput.minimalTensors)).write(
      to: URL(fileURLWithPath: folder.path + "/start.safetensors"))
    let path = try folder.write(
      "x.yaml",
      ExperimentFile.minimal.replacingOccurrences(
        of: "    - {dense: 3}", with: "    - {dense: 3}\n  init_from: start.safetensors"))
    let run = try #require(try Experiment.load(path: path).runs.first)
    let expected = URL(fileURLWithPath: folder.path).appendingPathComponent("start.safetensors")
      .standardizedFileURL.path
    #expect(run.configuration.initFrom == expected)
    #expect(run.resolvedYAML.contains("  init_from: \"\(expected)\"\n"))

    let missing = try folder.write(
      "y.yaml",
      ExperimentFile.minimal.replacingOccurrences(
        of: "    - {dense: 3}", with: "    - {dense: 3}\n  init_from: gone.safetensors"))
    let gone = URL(fileURLWithPath: folder.path).appendingPathComponent("gone.safetensors")
      .standardizedFileURL.path
    #expect(
      ExperimentFile.problems(loadingPath: missing) == [
        "\(missing):6:14: model.init_from: no such file: \(gone)"
      ])
  }

  @Test func aMissingFileIsReportedAsSuch() {
    #expect(
      ExperimentFile.problems(loadingPath: "/nonexistent/x.yaml") == [
        "/nonexistent/x.yaml: cannot read the file: no such file"
      ])
  }

  // MARK: Errors, word for word

  @Test func typoInKeyIsReportedWithPositionAndSuggestion() {
    let file = ExperimentFile.minimal.replacingOccurrences(
      of: "optimizer: {name: sgd, lr: 0.1}", with: "optimizer:\n  name: sgd\n  momentun: 0.9")
    #expect(
      ExperimentFile.problems(file) == [
        "x.yaml:9:3: optimizer.momentun: unknown key; did you mean 'momentum'?"
      ])
  }

  @Test func unknownKeyFarFromAnyListsTheValidKeys() {
    #expect(
      ExperimentFile.problems(ExperimentFile.minimal + "\nfoo: 1") == [
        "x.yaml:8:1: foo: unknown key; expected one of name, description, seed, data, model, loss, optimizer, schedule, training, sweep, expect, report, study"
      ])
  }

  @Test func wrongTypesSayWhatIsExpectedAndWhatWasFound() {
    let file = """
      data: {source: [iris]}
      model:
        layers: relu
      loss: 3
      optimizer:
        name: sgd
        lr: abc
        nesterov: 1
      training: {epochs: 2.5, batch_size: "32", save_weights: yes}
      """
    #expect(
      ExperimentFile.problems(file) == [
        "x.yaml:1:16: data.source: expected digits, iris, {csv: FILE, target: COLUMN}, {idx: {images: FILE, labels: FILE}} or {synthetic: NAME}, found a list",
        "x.yaml:3:11: model.layers: expected a list of layers such as {dense: 64, activation: relu}, {activation: relu} or {dropout: 0.1}, found \"relu\"",
        "x.yaml:4:7: loss.name: expected one of cross_entropy, bce, mse, huber, found 3",
        "x.yaml:7:7: optimizer.lr: expected a positive number, found \"abc\"",
        "x.yaml:8:13: optimizer.nesterov: expected true or false, found 1",
        "x.yaml:9:20: training.epochs: expected an integer >= 1, found 2.5",
        "x.yaml:9:37: training.batch_size: expected an integer >= 1, found \"32\"",
        "x.yaml:9:57: training.save_weights: expected true or false, found \"yes\"",
      ])
  }

  @Test func valuesOutOfRangeSayTheRange() {
    let file = """
      data: {source: iris, validation: 1}
      model:
        layers:
          - {dense: 0, activation: relu}
          - {dropout: 1.0}
          - {dense: 3}
      loss: {name: cross_entropy, label_smoothing: 1.0}
      optimizer: {name: sgd, lr: 0, momentum: 1.5, dampening: -0.1, weight_decay: -1}
      training: {batch_size: 0}
      """
    #expect(
      ExperimentFile.problems(file) == [
        "x.yaml:1:34: data.validation: expected a number in [0, 1), found 1",
        "x.yaml:4:15: model.layers.0.dense: expected an integer >= 1, found 0",
        "x.yaml:5:17: model.layers.1.dropout: expected a number in [0, 1), found 1.0",
        "x.yaml:7:46: loss.label_smoothing: expected a number in [0, 1), found 1.0",
        "x.yaml:8:28: optimizer.lr: expected a positive number, found 0",
        "x.yaml:8:41: optimizer.momentum: expected a number in [0, 1), found 1.5",
        "x.yaml:8:57: optimizer.dampening: expected a number in [0, 1], found -0.1",
        "x.yaml:8:77: optimizer.weight_decay: expected a number >= 0, found -1",
        "x.yaml:9:24: training.batch_size: expected an integer >= 1, found 0",
      ])
  }

  @Test func betasAreTwoNumbersInTheUnitInterval() {
    let base = ExperimentFile.minimal.replacingOccurrences(of: "name: sgd, ", with: "name: adam, ")
    #expect(
      ExperimentFile.problems(base, overrides: ["optimizer.betas=[0.9, 1.0]"]) == [
        "--set optimizer.betas=[0.9, 1.0]: optimizer.betas.1: expected a number in [0, 1), found 1.0"
      ])
    #expect(
      ExperimentFile.problems(base, overrides: ["optimizer.betas=[0.9]"]) == [
        "--set optimizer.betas=[0.9]: optimizer.betas: expected a list of two numbers in [0, 1), found 1 value"
      ])
  }

  @Test func duplicateKeyIsReportedAtEachLaterCopy() {
    let file = ExperimentFile.minimal.replacingOccurrences(
      of: "optimizer: {name: sgd, lr: 0.1}",
      with: "optimizer:\n  name: sgd\n  lr: 0.1\n  lr: 0.2\n  lr: 0.3")
    #expect(
      ExperimentFile.problems(file) == [
        "x.yaml:10:3: optimizer.lr: duplicate key; first given at line 9, column 3",
        "x.yaml:11:3: optimizer.lr: duplicate key; first given at line 9, column 3",
      ])
  }

  @Test func duplicateKeysOnOneLineKeepTheirColumns() {
    let file = ExperimentFile.minimal.replacingOccurrences(
      of: "data: {source: iris}", with: "data: {source: digits, source: iris, validation: 2}")
    #expect(
      ExperimentFile.problems(file) == [
        "x.yaml:1:24: data.source: duplicate key; first given at line 1, column 8",
        "x.yaml:1:50: data.validation: expected a number in [0, 1), found 2",
      ])
  }

  @Test func yamlSyntaxErrorsGiveLineAndColumn() {
    #expect(
      ExperimentFile.problems("data:\n  source: iris\n model: x\n") == [
        "x.yaml:3:2: YAML syntax error: did not find expected key (while parsing a block mapping at line 1, column 1)"
      ])
    #expect(
      ExperimentFile.problems("model:\n  layers: [{dense: 3}\nloss: mse\n") == [
        "x.yaml:3:1: YAML syntax error: did not find expected ',' or ']' (while parsing a flow sequence at line 2, column 11)"
      ])
  }

  @Test func outputWidthMustMatchTheDataAndLoss() {
    let digits = ExperimentFile.minimal.replacingOccurrences(
      of: "source: iris", with: "source: digits")
    #expect(
      ExperimentFile.problems(digits) == [
        "x.yaml:5:15: model.layers.1.dense: expected 10 outputs for cross_entropy on digits (10 classes), found 3"
      ])
    #expect(
      ExperimentFile.problems(ExperimentFile.minimal, overrides: ["loss=bce"]) == [
        "--set loss=bce: loss: bce needs a data set with 2 classes; iris has 3; use cross_entropy"
      ])
    #expect(
      ExperimentFile.problems(ExperimentFile.minimal, overrides: ["loss={name: huber, delta: 2}"])
        == [
          "--set loss={name: huber, delta: 2}: loss: huber needs a regression data set; iris is a classification set with 3 classes; use cross_entropy"
        ])
    #expect(
      ExperimentFile.problems(
        ExperimentFile.minimal, overrides: ["model.layers=[{activation: relu}]"]) == [
          "--set model.layers=[{activation: relu}]: model.layers: expected at least one dense layer, found none"
        ])
  }

  @Test func missingRequiredKeysAreNamed() {
    #expect(
      ExperimentFile.problems("") == [
        "x.yaml: data: missing required key; expected a mapping with a source (digits, iris, {csv: FILE, target: COLUMN}, {idx: {images: FILE, labels: FILE}} or {synthetic: NAME})",
        "x.yaml: model: missing required key; expected a mapping with layers",
        "x.yaml: loss: missing required key; expected one of cross_entropy, bce, mse, huber",
        "x.yaml: optimizer: missing required key; expected a mapping with a name (one of sgd, adam, adamw, rmsprop, adagrad)",
      ])
    let file = """
      data: {validation: 0.1}
      model: {init: he_normal}
      loss: cross_entropy
      optimizer:
        lr: 0.1
      """
    #expect(
      ExperimentFile.problems(file) == [
        "x.yaml:1:1: data.source: missing required key; expected digits, iris, {csv: FILE, target: COLUMN}, {idx: {images: FILE, labels: FILE}} or {synthetic: NAME}",
        "x.yaml:2:1: model.layers: missing required key; expected a list of layers",
        "x.yaml:4:1: optimizer.name: missing required key; expected one of sgd, adam, adamw, rmsprop, adagrad",
      ])
  }

  @Test func keysThatDoNotApplyToTheChosenNameSayWhichNamesUseThem() {
    let file = """
      data: {source: iris}
      model: {layers: [{dense: 3}]}
      loss: {name: cross_entropy, delta: 1.0}
      optimizer: {name: sgd, betas: [0.9, 0.999], alpha: 0.9}
      schedule: {name: cosine, gamma: 0.5, step_size: 3}
      """
    #expect(
      ExperimentFile.problems(file) == [
        "x.yaml:3:29: loss.delta: not used by cross_entropy; applies to huber",
        "x.yaml:4:24: optimizer.betas: not used by sgd; applies to adam, adamw",
        "x.yaml:4:45: optimizer.alpha: not used by sgd; applies to rmsprop",
        "x.yaml:5:26: schedule.gamma: not used by cosine; applies to step, multistep, exponential, inverse",
        "x.yaml:5:38: schedule.step_size: not used by cosine; applies to step",
      ])
  }

  @Test func everyProblemInAFileIsReportedTogether() {
    let file = """
      name: bad
      seed: -1
      data:
        source: digts
      model:
        layers:
          - {dense: 64, activation: rleu}
          - {dense: 10}
      loss: cross_entropy
      optimizer:
        name: sgd
        lr: abc
        momentun: 0.9
      schedule: {name: cosine, warmup: {steps: 3}}
      training:
        epochs: 0
      """
    #expect(
      ExperimentFile.problems(file) == [
        "x.yaml:2:7: seed: expected an integer >= 0, found -1",
        "x.yaml:4:11: data.source: expected digits, iris, {csv: FILE, target: COLUMN}, {idx: {images: FILE, labels: FILE}} or {synthetic: NAME}, found \"digts\"; did you mean 'digits'?",
        "x.yaml:7:31: model.layers.0.activation: expected one of relu, leaky_relu, elu, gelu, tanh, sigmoid, softplus, identity, found \"rleu\"; did you mean 'relu'?",
        "x.yaml:12:7: optimizer.lr: expected a positive number, found \"abc\"",
        "x.yaml:13:3: optimizer.momentun: unknown key; did you mean 'momentum'?",
        "x.yaml:14:35: schedule.warmup.steps: counts batches, so it needs schedule.interval batch; use warmup.epochs with interval epoch",
        "x.yaml:16:11: training.epochs: expected an integer >= 1, found 0",
      ])
  }

  @Test func earlyStoppingMustWatchAMetricTheRunMeasures() {
    #expect(
      ExperimentFile.problems(
        ExperimentFile.minimal, overrides: ["training.early_stopping={metric: val_rmse}"]) == [
          "--set training.early_stopping={metric: val_rmse}: training.early_stopping.metric: val_rmse does not apply: cross_entropy trains a classifier; expected one of train_loss, val_loss, val_accuracy"
        ])
    #expect(
      ExperimentFile.problems(
        ExperimentFile.minimal,
        overrides: ["training.early_stopping={metric: val_loss}", "data.validation=0"]) == [
          "--set training.early_stopping={metric: val_loss}: training.early_stopping.metric: val_loss needs a validation set; set data.validation above 0 or watch train_loss"
        ])
    let stopping = try? ExperimentFile.configuration(
      ExperimentFile.minimal, overrides: ["training.early_stopping={}"]
    ).earlyStopping
    #expect(stopping == EarlyStopping(metric: .valLoss, patience: 3, minDelta: 0))
  }

  @Test func crossFieldRulesOfOptimizersAndSchedules() {
    #expect(
      ExperimentFile.problems(ExperimentFile.minimal, overrides: ["optimizer.nesterov=true"]) == [
        "--set optimizer.nesterov=true: optimizer.nesterov: needs momentum > 0 and dampening 0"
      ])
    #expect(
      ExperimentFile.problems(ExperimentFile.minimal, overrides: ["schedule=exponential"]) == [
        "--set schedule=exponential: schedule.gamma: missing required key; expected a positive number"
      ])
    #expect(
      ExperimentFile.problems(
        ExperimentFile.minimal, overrides: ["schedule={name: multistep, milestones: [5, 2]}"]) == [
          "--set schedule={name: multistep, milestones: [5, 2]}: schedule.milestones: expected increasing integers, found [5, 2]"
        ])
    #expect(
      ExperimentFile.problems(
        ExperimentFile.minimal, overrides: ["schedule={name: plateau, interval: batch}"]) == [
          "--set schedule={name: plateau, interval: batch}: schedule.interval: plateau watches a metric measured once per epoch; expected epoch, found batch"
        ])
  }

  @Test func layerEntriesHoldOneLayerOrADenseWithItsActivation() {
    let file = """
      data: {source: iris}
      model:
        layers:
          - {dense: 8, dropout: 0.5}
          - dense
          - {activation: {relu: {slope: 1}}}
          - {dense: 3}
      loss: cross_entropy
      optimizer: sgd
      """
    #expect(
      ExperimentFile.problems(file) == [
        "x.yaml:4:18: model.layers.0.dropout: a dropout is a layer of its own; give it its own entry",
        "x.yaml:5:7: model.layers.1: expected a layer such as {dense: 64, activation: relu}, {activation: relu} or {dropout: 0.1}, found \"dense\"",
        "x.yaml:6:27: model.layers.2.activation.relu: relu takes no parameters",
      ])
  }

  // MARK: Overrides

  @Test func overridesAreTypedAndCheckedLikeTheFile() throws {
    let configuration = try ExperimentFile.configuration(
      ExperimentFile.minimal,
      overrides: [
        "optimizer.lr=0.5", "training.batch_size=16", "model.layers.0.dense=12",
        "loss.label_smoothing=0.1", "data.normalize=none", "schedule.warmup.epochs=1",
      ])
    #expect(configuration.training.optimizer.learningRate == 0.5)
    #expect(configuration.training.batchSize == 16)
    #expect(configuration.training.model.layers.first == .dense(units: 12))
    #expect(configuration.training.loss == .crossEntropy(labelSmoothing: 0.1))
    #expect(configuration.data.normalize == Normalization.none)
    #expect(configuration.training.schedule.name == .constant)
    #expect(configuration.warmup == .epochs(1))

    #expect(
      ExperimentFile.problems(ExperimentFile.minimal, overrides: ["optimizer.lr=abc"]) == [
        "--set optimizer.lr=abc: optimizer.lr: expected a positive number, found \"abc\""
      ])
  }

  @Test func malformedOverridesAreReported() {
    #expect(
      ExperimentFile.problems(
        ExperimentFile.minimal,
        overrides: [
          "lr", "=3", "model.layers.5.dense=3", "data.source.csv=x", "optimizer.momentun=0.2",
          "optimizer.lr=[0.1,",
        ]) == [
          "--set lr: expected KEY=VALUE, such as optimizer.lr=0.1",
          "--set =3: expected a dotted key before '=', such as optimizer.lr",
          "--set model.layers.5.dense=3: model.layers.5: no such entry; the list has 2 entries (0 to 1)",
          "--set data.source.csv=x: data.source.csv: data.source is a single value, not a mapping of settings",
          "--set optimizer.lr=[0.1,: optimizer.lr: YAML syntax error: did not find expected node content (while parsing a flow node at line 2, column 1)",
          "--set optimizer.momentun=0.2: optimizer.momentun: unknown key; did you mean 'momentum'?",
        ])
  }

  @Test func laterOverridesWin() throws {
    let configuration = try ExperimentFile.configuration(
      ExperimentFile.minimal, overrides: ["optimizer.lr=0.5", "optimizer.lr=0.25"])
    #expect(configuration.training.optimizer.learningRate == 0.25)
  }

  // MARK: Expectations

  @Test func expectationsAreReadAndSelectSweptRuns() throws {
    let file =
      ExperimentFile.minimal + """

        sweep:
          grid: {optimizer.momentum: [0.0, 0.9]}
          seeds: [1, 2]
        expect:
          - where: {optimizer.momentum: 0.90}
            metric: val_accuracy
            at_least: 0.9
          - metric: val_loss
            at_most: 1
        """
    let experiment = try ExperimentFile.load(file)
    #expect(experiment.expectations.count == 2)
    let first = try #require(experiment.expectations.first)
    #expect(first.metric == .valAccuracy)
    #expect(first.atLeast == 0.9)
    #expect(first.atMost == nil)
    #expect(first.location == InputLocation(file: "x.yaml", line: 12, column: 5))
    #expect(
      experiment.runs.filter(first.matches).map(\.id) == [
        "momentum-0.9_seed-1", "momentum-0.9_seed-2",
      ])
    #expect(experiment.runs.filter(experiment.expectations[1].matches).count == 4)
  }

  @Test func expectationProblemsAreReported() {
    let file =
      ExperimentFile.minimal + """

        sweep:
          grid: {optimizer.momentum: [0.0, 0.9]}
        expect:
          - where: {optimizer.momentm: 0.9}
            metric: val_accuracy
            at_least: 0.9
          - where: {optimizer.momentum: 0.5}
            metric: val_acc
          - {metric: val_loss}
        """
    #expect(
      ExperimentFile.problems(file) == [
        "x.yaml:11:13: expect.0.where.optimizer.momentm: not a swept key; did you mean 'optimizer.momentum'?",
        "x.yaml:14:5: expect.1: expected at_least, at_most or between, found none",
        "x.yaml:15:13: expect.1.metric: expected one of train_loss, val_loss, val_accuracy, val_rmse, val_r2, found \"val_acc\"; did you mean 'val_accuracy'?",
        "x.yaml:16:5: expect.2: expected at_least, at_most or between, found none",
      ])
  }
}

/// Writing and loading experiment text for the tests.
enum ExperimentFile {
  /// The smallest valid file: everything else takes its default.
  static let minimal = """
    data: {source: iris}
    model:
      layers:
        - {dense: 8, activation: relu}
        - {dense: 3}
    loss: cross_entropy
    optimizer: {name: sgd, lr: 0.1}
    """

  static func load(
    _ yaml: String, file: String = "x.yaml", overrides: [String] = [], maxRuns: Int = 5000
  ) throws -> Experiment {
    try Experiment.load(
      yaml: yaml, file: file, baseDirectory: FileManager.default.temporaryDirectory.path,
      overrides: overrides, maxRuns: maxRuns)
  }

  /// The configuration of the only run of `yaml`.
  static func configuration(_ yaml: String, overrides: [String] = []) throws -> RunConfiguration {
    let runs = try load(yaml, overrides: overrides).runs
    try #require(runs.count == 1)
    return runs[0].configuration
  }

  /// The messages loading `yaml` gives, or `[]` when it loads.
  static func problems(
    _ yaml: String, file: String = "x.yaml", overrides: [String] = [], maxRuns: Int = 5000
  ) -> [String] {
    messages { try load(yaml, file: file, overrides: overrides, maxRuns: maxRuns) }
  }

  static func problems(loadingPath path: String) -> [String] {
    messages { try Experiment.load(path: path) }
  }

  private static func messages(_ body: () throws -> Experiment) -> [String] {
    do {
      _ = try body()
      return []
    } catch let error as Diagnostics {
      return error.problems.map(\.description)
    } catch {
      return ["unexpected error: \(error)"]
    }
  }
}

extension ExperimentFile {
  /// A folder under the system's temporary folder, removed when the value is released.
  final class Folder {
    let path: String

    init() throws {
      path =
        FileManager.default.temporaryDirectory
        .appendingPathComponent("descent-experiment-tests-\(UUID().uuidString)").path
      try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit {
      try? FileManager.default.removeItem(atPath: path)
    }

    /// Writes `text` to `name` in the folder and returns its path.
    func write(_ name: String, _ text: String) throws -> String {
      let file = path + "/" + name
      try text.write(toFile: file, atomically: true, encoding: .utf8)
      return file
    }
  }
}
