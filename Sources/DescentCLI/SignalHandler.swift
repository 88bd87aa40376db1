import Descent
import DescentEngine
import Dispatch
import Foundation

/// Turns Ctrl-C (SIGINT) and SIGTERM into a stop request: runs in flight stop at their next
/// step, everything complete is kept, and the command exits 130. A second signal exits at
/// once; every file Descent writes is written whole or not at all, so that loses nothing either.
final class SignalHandler {
  private let sources: [DispatchSourceSignal]

  init(stop: StopRequest, quiet: Bool) {
    sources = [SIGINT, SIGTERM].map { number in
      signal(number, SIG_IGN)  // delivered to the dispatch source instead
      let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
      source.setEventHandler {
        if stop.isRequested {
          FileHandle.standardError.write(Data("\nstopped\n".utf8))
          exit(130)
        }
        stop.request()
        if !quiet {
          FileHandle.standardError.write(
            Data(
              "\nstopping: runs in flight end at their next step; run the same command again to resume\n"
                .utf8))
        }
      }
      source.resume()
      return source
    }
  }

  deinit {
    for source in sources { source.cancel() }
  }
}
