/// One swept setting of one run: a dotted key and the value it takes.
struct SweepAssignment: Sendable, Hashable {
  /// The dotted key as written in the sweep, `optimizer.lr`.
  var key: String
  /// Where the key is written in the sweep, for messages about the key itself.
  var keyLocation: InputLocation
  /// The value, located where it is written (or, for a random draw, where its distribution is).
  var value: YAMLNode
  /// The value's position in the list it was taken from; run ids use it for values that are
  /// not scalars.
  var position: Int

  var path: SettingPath { SettingPath(dotted: key) }
}
