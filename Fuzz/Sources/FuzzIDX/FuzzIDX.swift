import Descent
import FuzzSupport

/// Reads the input as a pair of IDX files, images and labels, raw or gzip-compressed: its first
/// two bytes (big-endian) give the length of the labels file that follows, the rest is the
/// images file. The pair is inspected, as `descent validate` does, then read.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzIDX(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
  let input = UnsafeRawBufferPointer(start: data, count: size)
  guard input.count >= 2 else { return 0 }
  let labelsLength = min(Int(input[0]) << 8 | Int(input[1]), input.count - 2)
  Scratch.write(UnsafeRawBufferPointer(rebasing: input[2..<2 + labelsLength]), to: "labels.idx")
  Scratch.write(UnsafeRawBufferPointer(rebasing: input[(2 + labelsLength)...]), to: "images.idx")
  let reader = IDXDatasetReader(
    IDXSource(
      training: .init(images: Scratch.file("images.idx"), labels: Scratch.file("labels.idx"))))
  _ = try? reader.inspect()
  _ = try? reader.read()
  return 0
}
