/// Max pooling, `torch.nn.MaxPool2d`: the largest value of each window, padding counting as
/// -infinity. The gradient goes to one input per window, the first maximum in row-major order
/// (where PyTorch's CPU kernel sends it); a NaN counts as the maximum, as there.
package struct MaxPool2d: LayerKind {
  package var window: PoolingWindow

  package init(window: PoolingWindow) { self.window = window }

  package var name: String { "max_pool2d" }
  package var resolvedEntry: String { "{max_pool2d: \(window.resolvedOptions)}" }
  package var summaryText: String { "max_pool2d \(window.summaryText)" }

  package func plan(for input: TensorShape) throws(LayerShapeError) -> any PlannedLayer {
    Planned(
      inputShape: input, outputShape: try window.outputShape(for: input, name: name),
      window: window)
  }

  package struct Planned: PlannedLayer {
    package let inputShape: TensorShape
    package let outputShape: TensorShape
    package let window: PoolingWindow

    /// The position of each output's maximum in its input plane.
    package func scratchCount(batch: Int) -> Int { batch * outputShape.count }

    package func forward(_ pass: ForwardPass<Float>) { forwardPass(pass) }
    package func forward(_ pass: ForwardPass<Double>) { forwardPass(pass) }
    package func backward(_ pass: BackwardPass<Float>) { backwardPass(pass) }
    package func backward(_ pass: BackwardPass<Double>) { backwardPass(pass) }

    @inline(__always)
    package func forwardPass<T: Scalar>(_ pass: ForwardPass<T>) {
      let (h, w) = (inputShape.height, inputShape.width)
      let (oh, ow) = (outputShape.height, outputShape.width)
      let window = window
      let halving =
        window.kernel == Pair(2) && window.stride == Pair(2) && window.padding == Pair(0)
      let planes = pass.batch * inputShape.channels
      Parallel.forEachPart(count: planes, threads: pass.threads) { _, range in
        for plane in range {
          let input = pass.input + plane * h * w
          let output = pass.output + plane * oh * ow
          let positions = pass.scratch + plane * oh * ow
          for oy in 0..<oh {
            if halving && halveRow(oy, input, width: w, into: output, positions: positions) {
              continue
            }
            for ox in 0..<ow { poolWindow(oy, ox, input, into: output, positions: positions) }
          }
        }
      }
    }

    /// The window at `(oy, ox)` of one plane: its maximum, and its position in the plane.
    @inline(__always)
    package func poolWindow<T: Scalar>(
      _ oy: Int, _ ox: Int, _ input: UnsafePointer<T>, into output: UnsafeMutablePointer<T>,
      positions: UnsafeMutablePointer<T>
    ) {
      let (h, w) = (inputShape.height, inputShape.width)
      let top = oy * window.stride.height - window.padding.height
      let left = ox * window.stride.width - window.padding.width
      let (y0, y1) = (max(top, 0), min(top + window.kernel.height, h))
      let (x0, x1) = (max(left, 0), min(left + window.kernel.width, w))
      var best = -T.infinity
      var at = y0 * w + x0
      for y in y0..<y1 {
        for x in x0..<x1 {
          let v = input[y * w + x]
          if v > best || v.isNaN {
            best = v
            at = y * w + x
          }
        }
      }
      let index = oy * outputShape.width + ox
      output[index] = best
      positions[index] = T(at)
    }

    /// Row `oy` of the common 2 x 2 window of stride 2 without padding, four windows at a time
    /// in branch-free vector selects: the same maxima and positions as `poolWindow` when the
    /// row holds no NaN or infinity. Returns false when it does, when the row is shorter than
    /// four windows, or for `Double` (the gradient check), for `poolWindow` to write the row.
    ///
    /// The vectors are `SIMD4<Float>`, the width of the baseline x86-64 and of NEON, written for
    /// `Float` alone: generic SIMD code is not specialized into vector instructions.
    @inline(__always)
    package func halveRow<T: Scalar>(
      _ oy: Int, _ input: UnsafePointer<T>, width w: Int, into output: UnsafeMutablePointer<T>,
      positions: UnsafeMutablePointer<T>
    ) -> Bool {
      guard T.self == Float.self else { return false }
      return halveRow(
        oy, UnsafeRawPointer(input).assumingMemoryBound(to: Float.self), width: w,
        into: UnsafeMutableRawPointer(output).assumingMemoryBound(to: Float.self),
        positions: UnsafeMutableRawPointer(positions).assumingMemoryBound(to: Float.self))
    }

    @inline(__always)
    package func halveRow(
      _ oy: Int, _ input: UnsafePointer<Float>, width w: Int,
      into output: UnsafeMutablePointer<Float>, positions: UnsafeMutablePointer<Float>
    ) -> Bool {
      let ow = outputShape.width
      guard ow >= 4 else { return false }
      let top = UnsafeRawPointer(input + 2 * oy * w)
      let bottom = UnsafeRawPointer(input + (2 * oy + 1) * w)
      let right = SIMD4<Float>(repeating: 1)
      let below = SIMD4<Float>(repeating: Float(w))
      let diagonal = SIMD4<Float>(repeating: Float(w + 1))
      let first = SIMD4<Float>(repeating: Float(2 * oy * w)) + SIMD4(0, 2, 4, 6)
      // x - x is 0 for every finite x, NaN for NaN and the infinities.
      var nonFinite = SIMDMask<SIMD8<Int32>>(repeating: false)
      var ox = 0
      while true {
        // The last four windows end the row, overlapping the ones before where they must.
        let start = min(ox, ow - 4)
        let upper = top.loadUnaligned(fromByteOffset: 8 * start, as: SIMD8<Float>.self)
        let lower = bottom.loadUnaligned(fromByteOffset: 8 * start, as: SIMD8<Float>.self)
        nonFinite = nonFinite .| (upper - upper .!= 0) .| (lower - lower .!= 0)
        let (b, c, d) = (upper.oddHalf, lower.evenHalf, lower.oddHalf)
        var best = upper.evenHalf
        var offset = SIMD4<Float>(repeating: 0)
        var wins = b .> best
        best.replace(with: b, where: wins)
        offset.replace(with: right, where: wins)
        wins = c .> best
        best.replace(with: c, where: wins)
        offset.replace(with: below, where: wins)
        wins = d .> best
        best.replace(with: d, where: wins)
        offset.replace(with: diagonal, where: wins)
        UnsafeMutableRawPointer(output + oy * ow + start).storeBytes(of: best, as: SIMD4<Float>.self)
        UnsafeMutableRawPointer(positions + oy * ow + start).storeBytes(
          of: first + SIMD4(repeating: Float(2 * start)) + offset, as: SIMD4<Float>.self)
        if start == ow - 4 { break }
        ox += 4
      }
      return !any(nonFinite)
    }

    @inline(__always)
    package func backwardPass<T: Scalar>(_ pass: BackwardPass<T>) {
      guard let dInput = pass.dInput else { return }
      let planeIn = inputShape.height * inputShape.width
      let planeOut = outputShape.height * outputShape.width
      Parallel.forEachPart(count: pass.batch * inputShape.channels, threads: pass.threads) {
        _, planes in
        for plane in planes {
          let dIn = dInput + plane * planeIn
          let dOut = pass.dOutput + plane * planeOut
          let position = pass.scratch + plane * planeOut
          if !pass.accumulate && tiles(dIn, dOut, position) { continue }
          if !pass.accumulate { dIn.update(repeating: 0, count: planeIn) }
          for index in 0..<planeOut { dIn[position[index].index] += dOut[index] }
        }
      }
    }
  }
}

extension MaxPool2d.Planned {
  /// Writes one plane's input gradient whole, when 2 x 2 windows of stride 2 tile the input
  /// exactly: each window's gradient to its maximum, zeros to its three other values, four
  /// windows at a time, with no pass to clear the plane first. Returns false, having written
  /// nothing, for other windows or shapes, and for `Double`.
  @inline(__always)
  package func tiles<T: Scalar>(
    _ dInput: UnsafeMutablePointer<T>, _ dOutput: UnsafePointer<T>, _ positions: UnsafePointer<T>
  ) -> Bool {
    let (oh, ow, w) = (outputShape.height, outputShape.width, inputShape.width)
    guard T.self == Float.self, window.kernel == Pair(2), window.stride == Pair(2),
      window.padding == Pair(0), inputShape.height == 2 * oh, w == 2 * ow, ow >= 4
    else { return false }
    let dIn = UnsafeMutableRawPointer(dInput).assumingMemoryBound(to: Float.self)
    let dOut = UnsafeRawPointer(dOutput)
    let position = UnsafeRawPointer(positions)
    let zero = SIMD4<Float>()
    let (right, below, diagonal) = (
      SIMD4<Float>(repeating: 1), SIMD4<Float>(repeating: Float(w)), SIMD4<Float>(repeating: Float(w + 1))
    )
    @inline(__always) func interleave(_ a: SIMD4<Float>, _ b: SIMD4<Float>) -> SIMD8<Float> {
      SIMD8(a[0], b[0], a[1], b[1], a[2], b[2], a[3], b[3])
    }
    for oy in 0..<oh {
      let first = SIMD4<Float>(repeating: Float(2 * oy * w)) + SIMD4(0, 2, 4, 6)
      var ox = 0
      while true {
        // The last four windows end the row, overlapping the ones before where they must.
        let start = min(ox, ow - 4)
        let index = (oy * ow + start) * MemoryLayout<Float>.stride
        let g = dOut.loadUnaligned(fromByteOffset: index, as: SIMD4<Float>.self)
        let offset =
          position.loadUnaligned(fromByteOffset: index, as: SIMD4<Float>.self) - first
          - SIMD4(repeating: Float(2 * start))
        let top = UnsafeMutableRawPointer(dIn + 2 * oy * w + 2 * start)
        top.storeBytes(
          of: interleave(
            zero.replacing(with: g, where: offset .== 0), zero.replacing(with: g, where: offset .== right)),
          as: SIMD8<Float>.self)
        (top + w * MemoryLayout<Float>.stride).storeBytes(
          of: interleave(
            zero.replacing(with: g, where: offset .== below),
            zero.replacing(with: g, where: offset .== diagonal)),
          as: SIMD8<Float>.self)
        if start == ow - 4 { break }
        ox += 4
      }
    }
    return true
  }
}

extension Layer {
  /// Max pooling over `kernel` windows moved by `stride` (the kernel by default).
  package static func maxPool2d(_ kernel: Pair, stride: Pair? = nil, padding: Pair = Pair(0)) -> Layer {
    Layer(MaxPool2d(window: PoolingWindow(kernel: kernel, stride: stride ?? kernel, padding: padding)))
  }
}
