import DescentEngine
import Foundation

/// The whole state of a run at the end of an epoch, as `runs/<id>/checkpoint.bin` holds it: a
/// run restored from it trains on to the same bits as one that never stopped.
///
/// The file is a header (a magic line, the format, what computed it, the run's id and
/// configuration hash), the state (`Trainer.saveState`, the curve so far, early stopping's state
/// and the wall time), and an FNV-1a 64 checksum of everything before it. It is written
/// atomically; one that is damaged, or was written for another configuration or by another
/// build, is refused and the run starts over.
struct RunCheckpoint {
  static let magic = Array("descent checkpoint\n".utf8)
  static let format = 1
  /// The name of the file in a run's folder.
  static let fileName = "checkpoint.bin"

  private var bytes: [UInt8]
  /// Where the state starts, after the header.
  private var stateOffset = 0

  /// The checkpoint of `trainer` and `progress` for `run`.
  init(run: RunSpec, trainer: Trainer, progress: TrainingRun.Progress) {
    var writer = CheckpointWriter()
    Self.writeHeader(run: run, identity: .current, to: &writer)
    writer.write(progress.seconds)
    writer.write(progress.curve.count)
    for record in progress.curve { record.write(to: &writer) }
    writer.write(progress.stopper != nil)
    progress.stopper?.saveState(to: &writer)
    trainer.saveState(to: &writer)
    var bytes = writer.bytes
    let checksum = Self.checksum(bytes[...])
    withUnsafeBytes(of: checksum.littleEndian) { bytes.append(contentsOf: $0) }
    self.bytes = bytes
  }

  private init(bytes: [UInt8], stateOffset: Int) {
    self.bytes = bytes
    self.stateOffset = stateOffset
  }

  private static func writeHeader(
    run: RunSpec, identity: EngineIdentity, to writer: inout CheckpointWriter
  ) {
    writer.write(raw: magic)
    writer.write(format)
    writer.write(identity.version)
    writer.write(identity.engine)
    writer.write(run.id)
    writer.write(run.configHash)
  }

  /// Writes the file atomically.
  ///
  /// - Throws: `OutputError` naming the path.
  func write(to path: String) throws {
    try AtomicFile.write(Data(bytes), to: path)
  }

  /// Reads the checkpoint at `path` and checks that it is whole and `run`'s own.
  ///
  /// - Throws: `CheckpointError` when it is not.
  static func read(_ path: String, run: RunSpec) throws -> RunCheckpoint {
    guard let data = FileManager.default.contents(atPath: path) else {
      throw CheckpointError.damaged("it cannot be read")
    }
    let bytes = [UInt8](data)
    var reader = CheckpointReader(bytes)
    guard (try? reader.readRaw(count: magic.count)) == magic else {
      throw CheckpointError.damaged("it is not a checkpoint written by descent")
    }
    let format = try reader.readInt()
    guard format == Self.format else {
      throw CheckpointError.foreign("its format is \(format), where this descent reads \(Self.format)")
    }
    var stored = CheckpointReader(bytes, from: bytes.count - 8)
    guard checksum(bytes[..<(bytes.count - 8)]) == (try? stored.readUInt64()) else {
      throw CheckpointError.damaged("its checksum does not match its contents")
    }
    let written = EngineIdentity(version: try reader.readString(), engine: try reader.readString())
    guard written == .current else {
      throw CheckpointError.foreign("it was written by \(written), this is \(EngineIdentity.current)")
    }
    let id = try reader.readString()
    let hash = try reader.readString()
    guard id == run.id, hash == run.configHash else {
      throw CheckpointError.foreign(
        "it belongs to run \(id) of configuration \(hash), not to \(run.id) of \(run.configHash)")
    }
    return RunCheckpoint(bytes: bytes, stateOffset: reader.offset)
  }

  /// Puts the checkpoint's state into `trainer` and `progress`, built for its run.
  ///
  /// - Throws: `CheckpointError` when the state does not fit them; they are then unchanged.
  func restore(into trainer: inout Trainer, _ progress: inout TrainingRun.Progress) throws {
    var reader = CheckpointReader(Array(bytes.dropLast(8)), from: stateOffset)
    var restored = progress
    restored.seconds = try reader.readDouble()
    let count = try reader.readInt()
    guard count >= 0, count <= 1 << 24 else { throw CheckpointError.damaged("its curve is too long") }
    restored.curve = try (0..<count).map { _ in try EpochRecord(from: &reader) }
    let stopping = try reader.readBool()
    guard stopping == (restored.stopper != nil) else {
      throw CheckpointError.foreign("its early stopping differs from the run's")
    }
    try restored.stopper?.restoreState(from: &reader)
    var trainerRestored = trainer
    try trainerRestored.restoreState(from: &reader)
    guard reader.isAtEnd else { throw CheckpointError.damaged("it has bytes after its state") }
    guard trainerRestored.epoch == count, restored.curve.last?.epoch ?? 0 == count,
      restored.curve.map(\.epoch) == Array(1..<(count + 1))
    else { throw CheckpointError.damaged("its epoch count and curve disagree") }
    trainer = trainerRestored
    progress = restored
  }

  /// FNV-1a 64 of `bytes`.
  static func checksum(_ bytes: ArraySlice<UInt8>) -> UInt64 {
    var hash = FNV1a64()
    hash.add(bytes)
    return hash.value
  }
}

extension EpochRecord {
  func write(to writer: inout CheckpointWriter) {
    writer.write(epoch)
    writer.write(step)
    writer.write(learningRate)
    writer.write(momentum)
    writer.write(trainingLoss)
    writer.write(validation != nil)
    if let validation {
      writer.write(validation.loss)
      writer.write(validation.accuracy)
      writer.write(validation.rmse)
      writer.write(validation.r2)
    }
    writer.write(gradientNorm)
    writer.write(seconds)
  }

  init(from reader: inout CheckpointReader) throws {
    let epoch = try reader.readInt()
    let step = try reader.readInt()
    let learningRate = try reader.readDouble()
    let momentum = try reader.readOptionalDouble()
    let trainingLoss = try reader.readDouble()
    var validation: Evaluation?
    if try reader.readBool() {
      validation = Evaluation(
        loss: try reader.readDouble(), accuracy: try reader.readOptionalDouble(),
        rmse: try reader.readOptionalDouble(), r2: try reader.readOptionalDouble())
    }
    self.init(
      epoch: epoch, step: step, learningRate: learningRate, momentum: momentum,
      trainingLoss: trainingLoss, validation: validation, gradientNorm: try reader.readDouble(),
      seconds: try reader.readDouble())
  }
}

/// A results folder that holds runs another version or engine computed; nothing was written.
public struct OtherVersionResults: Error, Sendable, CustomStringConvertible {
  public var folder: String
  /// What computed the folder's results; `nil` when they are from before results recorded it.
  public var found: EngineIdentity?
  public var current: EngineIdentity

  public var description: String {
    let found = self.found.map { "\($0)" } ?? "a descent older than 0.2.0"
    return "\(folder): holds results computed by \(found); this is \(current), whose numbers "
      + "can differ from them. Rerun with --fresh to replace them, or write elsewhere with --out"
  }
}

/// What became of a checkpoint found at the start of a run.
public enum CheckpointResumption: Sendable {
  /// Training goes on from the checkpoint written after `epoch`.
  case resumed(epoch: Int)
  /// The checkpoint could not be used, and the run starts over.
  case refused(CheckpointError)
}
