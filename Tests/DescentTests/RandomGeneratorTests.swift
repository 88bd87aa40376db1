import Testing

@testable import Descent
@testable import DescentEngine

@Suite struct RandomGeneratorTests {
  @Test func splitMixMatchesItsPublishedSequence() {
    // SplitMix64 from seed 1234567, the sequence published with the algorithm's test vectors
    // (e.g. Rosetta Code, "Pseudo-random numbers/Splitmix64").
    var x: UInt64 = 1_234_567
    let values = (0..<5).map { _ in RandomGenerator.splitMix(&x) }
    #expect(
      values == [
        6_457_827_717_110_365_317, 3_203_168_211_198_807_973, 9_817_491_932_198_370_423,
        4_593_380_528_125_082_431, 16_408_922_859_458_223_821,
      ])
  }

  @Test func xoshiroMatchesAnIndependentImplementation() {
    // From a line-by-line Python port of Vigna's xoshiro256starstar.c, state seeded by four
    // SplitMix64 outputs:
    //   M = 2**64 - 1
    //   def splitmix(x):
    //       x = (x + 0x9E3779B97F4A7C15) & M; z = x
    //       z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & M
    //       z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & M
    //       return x, z ^ (z >> 31)
    //   rotl = lambda x, k: ((x << k) | (x >> (64 - k))) & M
    //   def xoshiro(seed, n):
    //       s = []; x = seed
    //       for _ in range(4): x, z = splitmix(x); s.append(z)
    //       for _ in range(n):
    //           yield (rotl((s[1] * 5) & M, 7) * 9) & M
    //           t = (s[1] << 17) & M
    //           s[2] ^= s[0]; s[3] ^= s[1]; s[1] ^= s[2]; s[0] ^= s[3]; s[2] ^= t
    //           s[3] = rotl(s[3], 45)
    //   list(xoshiro(0, 5)); list(xoshiro((42 + 1 * 0xD1B54A32D192ED03) & M, 3))
    var zero = RandomGenerator(seed: 0)
    #expect(
      (0..<5).map { _ in zero.next() } == [
        11_091_344_671_253_066_420, 13_793_997_310_169_335_082, 1_900_383_378_846_508_768,
        7_684_712_102_626_143_532, 13_521_403_990_117_723_737,
      ])
    // Stream 1 (initialization) of seed 42 is the raw seed 42 + 1 * 0xD1B54A32D192ED03.
    var initialization = RandomGenerator(seed: 42, stream: .initialization)
    #expect(
      (0..<3).map { _ in initialization.next() } == [
        106_143_286_917_858_895, 9_786_722_529_041_364_674, 16_737_081_096_516_796_407,
      ])
  }

  @Test func sameSeedAndStreamGiveTheSameSequence() {
    var a = RandomGenerator(seed: 7, stream: .dropout)
    var b = RandomGenerator(seed: 7, stream: .dropout)
    #expect((0..<100).map { _ in a.next() } == (0..<100).map { _ in b.next() })
  }

  @Test func streamsAndSeedsAreIndependent() {
    let first = { (random: RandomGenerator) -> [UInt64] in
      var random = random
      return (0..<4).map { _ in random.next() }
    }
    let streams = RandomGenerator.Stream.allCases.map {
      first(RandomGenerator(seed: 7, stream: $0))
    }
    #expect(Set(streams).count == streams.count)
    #expect(
      first(RandomGenerator(seed: 7, stream: .dataOrder))
        != first(RandomGenerator(seed: 8, stream: .dataOrder)))
  }

  @Test func copyingForksTheSequence() {
    var original = RandomGenerator(seed: 3)
    _ = original.next()
    var copy = original
    let fromCopy = (0..<10).map { _ in copy.next() }
    let fromOriginal = (0..<10).map { _ in original.next() }
    #expect(fromCopy == fromOriginal)
    #expect(copy == original)
  }

  @Test func uniformDrawsFillTheUnitIntervalEvenly() {
    var random = RandomGenerator(seed: 11)
    let n = 100_000
    var sum = 0.0
    var squares = 0.0
    var buckets = [Int](repeating: 0, count: 10)
    for _ in 0..<n {
      let u = random.uniform()
      #expect(u >= 0 && u < 1)
      sum += u
      squares += u * u
      buckets[Int(u * 10)] += 1
    }
    let mean = sum / Double(n)
    // Mean 1/2 with standard error sqrt(1/12/n) ~ 0.0009; variance 1/12.
    #expect(abs(mean - 0.5) < 0.004)
    #expect(abs(squares / Double(n) - mean * mean - 1.0 / 12) < 0.002)
    // Each bucket expects 10000 with standard deviation ~95.
    #expect(buckets.allSatisfy { abs($0 - n / 10) < 500 }, "\(buckets)")
  }

  @Test func uniformInARangeStaysInTheRange() {
    var random = RandomGenerator(seed: 12)
    for _ in 0..<10_000 {
      let u = random.uniform(-0.25, 0.75)
      #expect(u >= -0.25 && u < 0.75)
    }
  }

  @Test func normalDrawsHaveZeroMeanAndUnitVariance() {
    var random = RandomGenerator(seed: 13)
    let n = 100_000
    let values = (0..<n).map { _ in random.normal() }
    let mean = values.reduce(0, +) / Double(n)
    let variance = values.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(n)
    // Standard errors: sqrt(1/n) ~ 0.0032 for the mean, sqrt(2/n) ~ 0.0045 for the variance.
    #expect(abs(mean) < 0.015)
    #expect(abs(variance - 1) < 0.02)
    #expect(values.allSatisfy { $0.isFinite })
    // About 4.55% of a standard normal lies beyond 2 standard deviations.
    let tails = Double(values.filter { abs($0) > 2 }.count) / Double(n)
    #expect(abs(tails - 0.0455) < 0.004)
  }

  @Test func integersBelowABoundCoverEveryValueEvenly() {
    var random = RandomGenerator(seed: 14)
    var counts = [Int](repeating: 0, count: 7)
    for _ in 0..<70_000 { counts[random.integer(below: 7)] += 1 }
    // 10000 expected in each, standard deviation ~93.
    #expect(counts.allSatisfy { abs($0 - 10_000) < 500 }, "\(counts)")
    var one = RandomGenerator(seed: 15)
    #expect((0..<100).allSatisfy { _ in one.integer(below: 1) == 0 })
  }

  @Test func shuffleIsADeterministicPermutation() {
    var a = RandomGenerator(seed: 16, stream: .dataOrder)
    var b = RandomGenerator(seed: 16, stream: .dataOrder)
    var first = Array(0..<50)
    var second = Array(0..<50)
    a.shuffle(&first)
    b.shuffle(&second)
    #expect(first == second)
    #expect(first.sorted() == Array(0..<50))
    #expect(first != Array(0..<50))
    a.shuffle(&first)
    #expect(first != second, "a second shuffle gives another order")
  }
}
