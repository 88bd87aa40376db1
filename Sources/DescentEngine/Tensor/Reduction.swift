/// The sum of `count` values in a fixed order that vectorizes: value `i` goes into the running
/// sum `i % 8`, the eight sums are added pairwise, then the leftover values in order. The order
/// depends on nothing but `count`, so the bits are the same on every machine.
///
/// - Complexity: O(count).
@inline(__always)
package func sum<T: Scalar>(_ x: UnsafePointer<T>, count: Int) -> T {
  var (s0, s1, s2, s3) = (T.zero, T.zero, T.zero, T.zero)
  var (s4, s5, s6, s7) = (T.zero, T.zero, T.zero, T.zero)
  var i = 0
  while i + 8 <= count {
    s0 += x[i]
    s1 += x[i + 1]
    s2 += x[i + 2]
    s3 += x[i + 3]
    s4 += x[i + 4]
    s5 += x[i + 5]
    s6 += x[i + 6]
    s7 += x[i + 7]
    i += 8
  }
  var total = ((s0 + s1) + (s2 + s3)) + ((s4 + s5) + (s6 + s7))
  while i < count {
    total += x[i]
    i += 1
  }
  return total
}
