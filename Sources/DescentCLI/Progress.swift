import Descent
import Foundation

/// Shows a sweep's progress on standard error: one live line on a terminal (runs done of total,
/// elapsed time, estimated time left, the latest loss), a plain line per finished run
/// otherwise, nothing when quiet.
final class Progress: Sendable {
  private struct State {
    var total = 0
    var toRun = 0
    var done = 0
    var trained = 0
    var latest = ""
    var lastDrawn: ContinuousClock.Instant?
  }

  private let name: String
  private let quiet: Bool
  private let live: Bool
  private let start = ContinuousClock.now
  private let state = Locked(State())

  init(name: String, quiet: Bool) {
    self.name = name
    self.quiet = quiet
    live = isatty(STDERR_FILENO) != 0
  }

  func handle(_ event: ExperimentRunner.Event) {
    // A refused checkpoint is a warning: it is shown even when quiet.
    if case .checkpoint(_, let id, .refused(let error)) = event {
      let line = "\(name): \(id): \(error); the run starts over\n"
      state.withLock { state in write((live && !quiet ? "\r\u{1B}[K" : "") + line) }
      return
    }
    guard !quiet else { return }
    state.withLock { state in
      switch event {
      case .checkpoint(_, let id, let resumption):
        if case .resumed(let epoch) = resumption {
          write((live ? "\r\u{1B}[K" : "") + "\(name): \(id): resumes from its checkpoint after epoch \(epoch)\n")
        }
      case .started(let total, let toRun):
        state.total = total
        state.toRun = toRun
        if total > toRun {
          write("\(name): \(total - toRun) of \(total) runs already complete, \(toRun) to train\n")
        }
      case .epoch(_, let id, let record):
        state.latest = "\(id) epoch \(record.epoch) loss \(format(record.validation?.loss ?? record.trainingLoss))"
        // Redraw at most ten times a second: epochs of small runs take microseconds.
        let now = ContinuousClock.now
        if live, state.lastDrawn.map({ now - $0 > .milliseconds(100) }) ?? true {
          state.lastDrawn = now
          write("\r\u{1B}[K" + line(state))
        }
      case .finished(let result, let resumed):
        state.done += 1
        if !resumed { state.trained += 1 }
        if live {
          write("\r\u{1B}[K" + line(state))
        } else if !resumed {
          let loss = result.final.map { format($0.validation?.loss ?? $0.trainingLoss) } ?? "-"
          write("[\(state.done)/\(state.total)] \(result.id): \(result.status.rawValue), \(result.curve.count) epochs, loss \(loss)\n")
        }
      }
    }
  }

  /// Ends the live line.
  func finish() {
    if !quiet && live { write("\n") }
  }

  private func line(_ state: State) -> String {
    let elapsed = seconds(ContinuousClock.now - start)
    var text = "\(name): \(state.done)/\(state.total) runs, \(duration(elapsed))"
    if state.trained > 0 && state.done < state.total {
      let remaining = elapsed / Double(state.trained) * Double(state.total - state.done)
      text += ", about \(duration(remaining)) left"
    }
    if !state.latest.isEmpty { text += " | \(state.latest)" }
    return text
  }

  private func write(_ text: String) {
    FileHandle.standardError.write(Data(text.utf8))
  }
}

func seconds(_ d: Duration) -> Double {
  Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
}

func duration(_ seconds: Double) -> String {
  seconds < 60
    ? String(format: "%.1fs", seconds)
    : String(format: "%dm%02ds", Int(seconds) / 60, Int(seconds) % 60)
}

func format(_ value: Double) -> String {
  String(format: "%.4f", value)
}
