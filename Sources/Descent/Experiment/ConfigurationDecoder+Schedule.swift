/// A decoded `schedule`: its settings and the warmup as written.
struct DecodedSchedule {
  var settings: ScheduleSettings
  var warmup: Warmup
}

extension ConfigurationDecoder {
  static let scheduleKeys = [
    "name", "interval", "step_size", "gamma", "milestones", "power", "total_steps", "min_lr",
    "pct_start", "div_factor", "final_div_factor", "cycle_momentum", "base_momentum",
    "max_momentum", "factor", "patience", "threshold", "cooldown", "warmup",
    "warmup_start_factor",
  ]
  /// The keys only some schedules use; `name`, `interval`, `warmup` and `warmup_start_factor`
  /// apply to all.
  static let scheduleApplicability: KeyValuePairs<String, [String]> = [
    "step_size": ["step"],
    "gamma": ["step", "multistep", "exponential", "inverse"],
    "milestones": ["multistep"],
    "power": ["inverse", "polynomial"],
    "total_steps": ["polynomial", "cosine", "one_cycle"],
    "min_lr": ["cosine", "plateau"],
    "pct_start": ["one_cycle"],
    "div_factor": ["one_cycle"],
    "final_div_factor": ["one_cycle"],
    "cycle_momentum": ["one_cycle"],
    "base_momentum": ["one_cycle"],
    "max_momentum": ["one_cycle"],
    "factor": ["plateau"],
    "patience": ["plateau"],
    "threshold": ["plateau"],
    "cooldown": ["plateau"],
  ]

  /// `schedule: {name, ...}`, or a bare name; without a schedule, or without a name, the rate
  /// is constant.
  mutating func decodeSchedule(
    _ top: Fields, optimizer: OptimizerSettings.Name?
  ) -> DecodedSchedule? {
    guard let written = top["schedule"], !written.isNull else {
      return DecodedSchedule(settings: ScheduleSettings(.constant), warmup: .disabled)
    }
    guard
      let all = reader.fields(
        of: Self.expandingName(written), path: "schedule", keys: Self.scheduleKeys,
        location: top.keyLocation(of: "schedule"))
    else { return nil }
    var name = ScheduleSettings.Name.constant
    if let nameNode = all["name"] {
      guard let chosen = reader.choice(nameNode, key: "schedule.name", ScheduleSettings.Name.self)
      else { return nil }
      name = chosen
    }
    let fields = reader.applicable(all, Self.scheduleApplicability, chosen: name.rawValue)
    var settings = ScheduleSettings(name)
    reader.read(&settings.interval, fields, "interval")
    readDecay(&settings, fields)
    readOneCycle(&settings, fields, optimizer: optimizer)
    readPlateau(&settings, fields)
    reader.read(&settings.warmupStartFactor, fields, "warmup_start_factor", .positiveFraction)
    let warmup = fields["warmup"].flatMap { decodeWarmup($0, interval: settings.interval) }
    return DecodedSchedule(settings: settings, warmup: warmup ?? .disabled)
  }

  /// The keys of step, multistep, exponential, inverse, polynomial and cosine.
  private mutating func readDecay(_ settings: inout ScheduleSettings, _ fields: Fields) {
    if [.exponential, .inverse].contains(settings.name), fields["gamma"] == nil {
      // PyTorch's ExponentialLR and Caffe's "inv" have no default factor.
      _ = reader.require(fields, "gamma", expected: "a positive number")
    }
    reader.read(&settings.stepSize, fields, "step_size", .positive)
    reader.read(&settings.gamma, fields, "gamma", .positive)
    if let node = fields["milestones"], let milestones = decodeMilestones(node) {
      settings.milestones = milestones
    }
    reader.read(&settings.power, fields, "power", .positive)
    reader.read(&settings.totalSteps, fields, "total_steps", .positive)
    if settings.name == .cosine {
      reader.read(&settings.minimum, fields, "min_lr", .nonNegative)
    }
  }

  private mutating func readOneCycle(
    _ settings: inout ScheduleSettings, _ fields: Fields, optimizer: OptimizerSettings.Name?
  ) {
    reader.read(&settings.percentStart, fields, "pct_start", .openUnitInterval)
    reader.read(&settings.divFactor, fields, "div_factor", .positive)
    reader.read(&settings.finalDivFactor, fields, "final_div_factor", .positive)
    reader.read(&settings.cycleMomentum, fields, "cycle_momentum")
    reader.read(&settings.baseMomentum, fields, "base_momentum", .fraction)
    reader.read(&settings.maxMomentum, fields, "max_momentum", .fraction)
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

  private mutating func readPlateau(_ settings: inout ScheduleSettings, _ fields: Fields) {
    reader.read(&settings.factor, fields, "factor", .openUnitInterval)
    reader.read(&settings.patience, fields, "patience", .nonNegative)
    reader.read(&settings.threshold, fields, "threshold", .nonNegative)
    reader.read(&settings.cooldown, fields, "cooldown", .nonNegative)
    if settings.name == .plateau {
      reader.read(&settings.minimumRate, fields, "min_lr", .nonNegative)
      if settings.interval == .batch, let node = fields["interval"] {
        reader.report(
          node, key: "schedule.interval",
          "plateau watches a metric measured once per epoch; expected epoch, found batch")
      }
    }
  }

  /// `milestones: [30, 80]`: increasing step counts.
  private mutating func decodeMilestones(_ node: SourceNode) -> [Int]? {
    let key = "schedule.milestones"
    guard let items = reader.list(node, key: key, expected: "a list of increasing integers >= 1")
    else { return nil }
    let values = items.enumerated().map { index, item in
      reader.integer(item, key: "\(key).\(index)", .positive)
    }
    let milestones = values.compactMap { $0 }
    guard milestones.count == values.count else { return nil }
    guard zip(milestones, milestones.dropFirst()).allSatisfy({ $0 < $1 }) else {
      reader.report(node, key: key, "expected increasing integers, found \(node.flowText)")
      return nil
    }
    return milestones
  }

  /// `warmup: {epochs: N}` or `{steps: N}`; null means none.
  private mutating func decodeWarmup(
    _ node: SourceNode, interval: ScheduleSettings.Interval
  ) -> Warmup? {
    let key = "schedule.warmup"
    guard !node.isNull else { return Warmup.disabled }
    guard let fields = reader.fields(of: node, path: key, keys: ["epochs", "steps"]) else {
      return nil
    }
    switch (fields["epochs"], fields["steps"]) {
    case (let epochs?, nil):
      return reader.integer(epochs, key: key + ".epochs", .nonNegative).map(Warmup.epochs)
    case (nil, let steps?):
      guard interval == .batch else {
        reader.report(
          fields.keyLocation(of: "steps"), key: key + ".steps",
          "counts batches, so it needs schedule.interval batch; use warmup.epochs with interval epoch"
        )
        return nil
      }
      return reader.integer(steps, key: key + ".steps", .nonNegative).map(Warmup.steps)
    case (_?, _?):
      reader.report(node, key: key, "expected either epochs or steps, found both")
      return nil
    case (nil, nil):
      if node.entries?.isEmpty == true {
        reader.mismatch(node, key: key, expected: "{epochs: N} or {steps: N}")
      }
      return nil
    }
  }
}
