import DescentEngine

/// A decoded `schedule`: its settings and the warmup as written.
struct DecodedSchedule: Sendable {
  var settings: ScheduleSettings
  var warmup: Warmup
}

extension ConfigurationDecoder {
  /// `schedule:`, declared once; defaults are PyTorch's for the scheduler named, but
  /// `cycle_momentum`.
  static let scheduleSection = SettingsSection<DecodedSchedule>(
    name: "schedule",
    variantKey: SchemaKey(
      "name", .choice(ScheduleSettings.Name.allCases.map(\.rawValue)), default: "constant",
      doc: "the learning-rate schedule, as torch.optim.lr_scheduler's"),
    settings: [
      .choice(
        "interval", \.settings.interval,
        doc: "when the schedule's clock advances (plateau: epoch only)"),
      .integer("step_size", \.settings.stepSize, .positive, appliesTo: ["step"], doc: ""),
      KeyBinding(
        key: SchemaKey(
          "milestones", .list(.integer(.positive)), appliesTo: ["multistep"],
          doc: "increasing step counts"),
        decode: { reader, node, key, schedule in
          if let milestones = reader.milestones(node, key: key) {
            schedule.settings.milestones = milestones
          }
        },
        resolve: { "[\($0.settings.milestones.map(String.init).joined(separator: ", "))]" }),
      .number(
        "gamma", \.settings.gamma, .positive,
        appliesTo: ["step", "multistep", "exponential", "inverse"], requiredBy: ["exponential", "inverse"],
        doc: "the decay factor"),
      .optionalInteger(
        "total_steps", \.settings.totalSteps, .positive,
        appliesTo: ["polynomial", "cosine", "one_cycle"],
        doc: "null: all of training after warmup"),
      .number("power", \.settings.power, .positive, appliesTo: ["inverse", "polynomial"], doc: ""),
      .number(
        "pct_start", \.settings.percentStart, .openUnitInterval, appliesTo: ["one_cycle"], doc: ""),
      .number("div_factor", \.settings.divFactor, .positive, appliesTo: ["one_cycle"], doc: ""),
      .number(
        "final_div_factor", \.settings.finalDivFactor, .positive, appliesTo: ["one_cycle"],
        doc: ""),
      .boolean(
        "cycle_momentum", \.settings.cycleMomentum, appliesTo: ["one_cycle"],
        doc: "PyTorch's default is true, Descent's false: cycling changes the momentum a comparison of optimizers is about; not with adagrad"
      ),
      .number(
        "base_momentum", \.settings.baseMomentum, .fraction, appliesTo: ["one_cycle"],
        doc: "at most max_momentum"),
      .number(
        "max_momentum", \.settings.maxMomentum, .fraction, appliesTo: ["one_cycle"], doc: ""),
      .number("factor", \.settings.factor, .openUnitInterval, appliesTo: ["plateau"], doc: ""),
      .integer(
        "patience", \.settings.patience, .nonNegative, appliesTo: ["plateau"],
        doc: "watches val_loss, or train_loss without validation"),
      .number("threshold", \.settings.threshold, .nonNegative, appliesTo: ["plateau"], doc: ""),
      .integer("cooldown", \.settings.cooldown, .nonNegative, appliesTo: ["plateau"], doc: ""),
      KeyBinding(
        key: SchemaKey(
          "min_lr", .number(.nonNegative), appliesTo: ["cosine", "plateau"],
          doc: "cosine: the floor; plateau: the lowest rate"),
        decode: { reader, node, key, schedule in
          guard let value = reader.number(node, key: key, .nonNegative) else { return }
          if schedule.settings.name == .cosine {
            schedule.settings.minimum = value
          } else {
            schedule.settings.minimumRate = value
          }
        },
        resolve: {
          YAMLScalar.format(
            $0.settings.name == .cosine ? $0.settings.minimum : $0.settings.minimumRate)
        }),
      KeyBinding(
        key: SchemaKey(
          "warmup",
          .nullable(
            .oneOf([
              .mapping([SchemaKey("epochs", .integer(.nonNegative), doc: "warmup epochs")]),
              .mapping([
                SchemaKey("steps", .integer(.nonNegative), doc: "warmup batches (interval batch)")
              ]),
            ])),
          doc: "{epochs: N}, or {steps: N} with interval batch; linear, composes with any schedule (SequentialLR)"
        ),
        decode: { reader, node, key, schedule in
          if let warmup = reader.warmup(node, key: key, interval: schedule.settings.interval) {
            schedule.warmup = warmup
          }
        },
        resolve: {
          switch $0.warmup {
          case .epochs(let epochs): "{epochs: \(epochs)}"
          case .steps(let steps): "{steps: \(steps)}"
          }
        }),
      .number(
        "warmup_start_factor", \.settings.warmupStartFactor, .positiveFraction,
        doc: "the rate's factor at the first warmup step"),
    ],
    defaults: { name in
      DecodedSchedule(
        settings: ScheduleSettings(name.flatMap(ScheduleSettings.Name.init) ?? .constant),
        warmup: .disabled)
    })

  /// `schedule: {name, ...}`, or a bare name; without a schedule, or without a name, the rate
  /// is constant.
  mutating func decodeSchedule(
    _ top: Fields, optimizer: OptimizerSettings.Name?
  ) -> DecodedSchedule? {
    let section = Self.scheduleSection
    guard let written = top["schedule"], !written.isNull else {
      return section.defaults(nil)
    }
    guard
      let fields = reader.fields(
        of: Self.expandingName(written), path: "schedule", keys: section.keyNames,
        location: top.keyLocation(of: "schedule"))
    else { return nil }
    var name = ScheduleSettings.Name.constant
    if let nameNode = fields["name"] {
      guard let chosen = reader.choice(nameNode, key: "schedule.name", ScheduleSettings.Name.self)
      else { return nil }
      name = chosen
    }
    var schedule = section.defaults(name.rawValue)
    section.decode(fields, variant: name.rawValue, into: &schedule, reader: &reader)
    let settings = schedule.settings
    if name == .oneCycle {
      if settings.baseMomentum > settings.maxMomentum,
        let node = fields["base_momentum"] ?? fields["max_momentum"]
      {
        reader.report(
          node, key: "schedule.base_momentum",
          "expected base_momentum <= max_momentum, found \(settings.baseMomentum) > \(settings.maxMomentum)"
        )
      }
      if settings.cycleMomentum, optimizer == .adagrad, let node = fields["cycle_momentum"] {
        reader.report(
          node, key: "schedule.cycle_momentum",
          "adagrad has no momentum to cycle; use sgd, rmsprop, adam or adamw, or set it to false")
      }
    }
    if name == .plateau, settings.interval == .batch, let node = fields["interval"] {
      reader.report(
        node, key: "schedule.interval",
        "plateau watches a metric measured once per epoch; expected epoch, found batch")
    }
    return schedule
  }
}

extension ConfigReader {
  /// `milestones: [30, 80]`: increasing step counts.
  mutating func milestones(_ node: YAMLNode, key: String) -> [Int]? {
    guard let items = list(node, key: key, expected: "a list of increasing integers >= 1")
    else { return nil }
    let values = items.enumerated().map { index, item in
      integer(item, key: "\(key).\(index)", .positive)
    }
    let milestones = values.compactMap { $0 }
    guard milestones.count == values.count else { return nil }
    guard zip(milestones, milestones.dropFirst()).allSatisfy({ $0 < $1 }) else {
      report(node, key: key, "expected increasing integers, found \(node.flowText)")
      return nil
    }
    return milestones
  }

  /// `warmup: {epochs: N}` or `{steps: N}`; null means none.
  mutating func warmup(
    _ node: YAMLNode, key: String, interval: ScheduleSettings.Interval
  ) -> Warmup? {
    guard !node.isNull else { return Warmup.disabled }
    guard let fields = fields(of: node, path: key, keys: ["epochs", "steps"]) else {
      return nil
    }
    switch (fields["epochs"], fields["steps"]) {
    case (let epochs?, nil):
      return integer(epochs, key: key + ".epochs", .nonNegative).map(Warmup.epochs)
    case (nil, let steps?):
      guard interval == .batch else {
        report(
          fields.keyLocation(of: "steps"), key: key + ".steps",
          "counts batches, so it needs schedule.interval batch; use warmup.epochs with interval epoch"
        )
        return nil
      }
      return integer(steps, key: key + ".steps", .nonNegative).map(Warmup.steps)
    case (_?, _?):
      report(node, key: key, "expected either epochs or steps, found both")
      return nil
    case (nil, nil):
      if node.entries?.isEmpty == true {
        mismatch(node, key: key, expected: "{epochs: N} or {steps: N}")
      }
      return nil
    }
  }
}
