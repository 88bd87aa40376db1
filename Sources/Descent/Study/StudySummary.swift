import Foundation

/// What a study's report shows, kept in the results folder as `study.json`, so that
/// `descent report` rebuilds `study.md` and its plots byte for byte without training.
public struct StudySummary: Codable, Sendable, Equatable {
  public struct Candidate: Codable, Sendable, Equatable {
    public var arm: String
    public var label: String
    /// `space`, `extended` or `refined`.
    public var origin: String
    /// Its value of the first tuned numeric setting, for the sensitivity plot.
    public var x: Double?
    /// The most epochs any of its runs trained.
    public var epochs: Int
    /// The mean final metric over the tuning seeds, when every run trained every epoch.
    public var score: Double?
    /// The final metric of each tuning run that trained every epoch.
    public var values: [Double]
    /// With successive halving, the mean metric at the first rung, where every candidate of
    /// the space trained.
    public var firstRung: Double?
  }

  public struct Rung: Codable, Sendable, Equatable {
    public struct Entry: Codable, Sendable, Equatable {
      public var arm: String
      public var candidate: String
      public var value: Double?
      public var continues: Bool
    }

    public var epochs: Int
    public var entries: [Entry]
  }

  public struct Confirmation: Codable, Sendable, Equatable {
    public var arm: String
    public var chosen: String
    public var tuningValue: Double?
    public var seeds: [UInt64]
    public var values: [Double]

    var summary: SampleSummary? { SampleSummary(values) }
  }

  public struct Budget: Codable, Sendable, Equatable {
    public var arm: String
    public var trials: Int
    public var epochs: Int
    public var extra: Int
  }

  /// The epoch and seconds at which a confirmation run first reached the target, or `nil`.
  public struct Reached: Codable, Sendable, Equatable {
    public var epoch: Int
    public var seconds: Double
  }

  public var name: String
  public var arms: [String]
  public var baseline: Int
  public var candidatesPerArm: Int
  public var tuningSeeds: [UInt64]
  public var confirmationSeeds: [UInt64]
  public var epochs: Int
  public var eta: Int?
  public var rungEpochs: [Int]
  public var metric: String
  public var higherIsBetter: Bool
  public var confirmationMetric: String
  public var scoredOnTest: Bool
  /// The first tuned numeric setting, the sensitivity plot's x axis.
  public var sensitivityKey: String?
  /// `val_accuracy ≥ 0.95`, when the study has a target.
  public var target: String?
  public var candidates: [Candidate]
  public var rungs: [Rung]
  public var confirmations: [Confirmation]
  public var budgets: [Budget]
  /// For each arm, each confirmation run's time to the target.
  public var timesToTarget: [[Reached?]]
  public var notes: [String]

  /// Each arm but the baseline against it, on the confirmation seeds both completed.
  func comparisons(confidence: Double) -> [(arm: String, pairs: Int, mean: Double?, test: PairedTTest?)] {
    let baseline = confirmations[self.baseline]
    return confirmations.indices.filter { $0 != self.baseline }.map { arm in
      let other = confirmations[arm]
      let differences = zip(baseline.seeds, baseline.values).compactMap { seed, value in
        other.seeds.firstIndex(of: seed).map { other.values[$0] - value }
      }
      return (
        other.arm, differences.count, SampleSummary(differences)?.mean,
        PairedTTest(differences: differences, confidence: confidence)
      )
    }
  }

  /// Dodge et al. (2019): the expected best score of `n` candidates drawn from an arm's that
  /// trained every epoch, for `n` from 1 to their number. With the scores sorted worst first,
  /// `E[best of n] = sum_i v_i ((i/N)^n - ((i-1)/N)^n)`.
  func expectedBest(arm: String) -> [Double] {
    let scores = candidates.filter { $0.arm == arm }.compactMap(\.score)
      .sorted { higherIsBetter ? $0 < $1 : $0 > $1 }
    let count = Double(scores.count)
    return scores.indices.map { n in
      let exponent = Double(n + 1)
      return scores.indices.reduce(0.0) { sum, i in
        sum + scores[i] * (pow(Double(i + 1) / count, exponent) - pow(Double(i) / count, exponent))
      }
    }
  }

  func json() throws -> Data {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
    return try encoder.encode(self)
  }

  static let fileName = "study.json"
}
