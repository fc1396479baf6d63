/// The bytes of weights one generated token reads, by layer, from the tensor table.
///
/// Decode is a matrix–vector product per weight: every byte of every weight is read
/// once per token, with three exceptions. The token embedding is a lookup (one row),
/// unless the model ties its output to it (no `output.weight`): then the output
/// projection reads all of it. A mixture-of-experts layer reads only the experts
/// the router picks (`expert_used_count` of `expert_count`).
public struct DecodeReads: Sendable, Equatable {
  /// Per repeating layer (`blk.N.…`).
  public var layers: [Int]
  /// The output layer: `output.weight` (or the tied embedding) and the other tensors
  /// outside the blocks (`output_norm`, `rope_freqs`, …).
  public var output: Int
  /// One row of the token embedding, read in host memory.
  public var inputRow: Int

  public var total: Int { layers.reduce(output + inputRow, +) }

  public init(layers: [Int], output: Int, inputRow: Int) {
    self.layers = layers
    self.output = output
    self.inputRow = inputRow
  }

  static func from(_ files: [GGUFFile], layers: Int, experts: (used: Int, count: Int)?) -> DecodeReads {
    let tensors = files.flatMap(\.tensors)
    let tied = !tensors.contains { $0.name == "output.weight" }
    var perLayer = Array(repeating: 0, count: layers)
    var output = 0
    var inputRow = 0
    for tensor in tensors {
      var bytes = tensor.bytes
      if tensor.name.contains("_exps"), let experts, experts.count > 0 {
        bytes = Int(Double(bytes) * Double(min(experts.used, experts.count)) / Double(experts.count))
      }
      if tensor.name == "token_embd.weight" {
        let rows = tensor.dimensions.count > 1 ? max(1, tensor.dimensions[1]) : 1
        if tied { output += bytes } else { inputRow += bytes / rows }
      } else if let layer = Self.block(of: tensor.name), layer < layers {
        perLayer[layer] += bytes
      } else {
        output += bytes
      }
    }
    return DecodeReads(layers: perLayer, output: output, inputRow: inputRow)
  }

  /// N of `blk.N.…`.
  static func block(of name: String) -> Int? {
    guard name.hasPrefix("blk.") else { return nil }
    // Digits only: a hostile `blk.-1.` must not index the layer array.
    let digits = name.dropFirst(4).prefix { $0 != "." }
    guard !digits.isEmpty, digits.allSatisfy(\.isASCII), digits.allSatisfy(\.isNumber) else { return nil }
    return Int(digits)
  }
}

/// What one generated token reads from memory, split by where it lives: the
/// weights, and the KV cache at a given depth. Decode cannot go faster than
/// these bytes over the memory's bandwidth: the roofline's bound.
public struct TokenTraffic: Sendable, Equatable, Codable {
  /// Bytes in one memory (host or device).
  public struct Share: Sendable, Equatable, Codable {
    public var weightBytes: Int
    /// KV bytes per cell of context over the full-attention layers, read at every depth.
    public var fullCellBytes: Int
    /// KV bytes per cell over the sliding-window layers, which read at most the window.
    public var slidingCellBytes: Int

    public init(weightBytes: Int = 0, fullCellBytes: Int = 0, slidingCellBytes: Int = 0) {
      self.weightBytes = weightBytes
      self.fullCellBytes = fullCellBytes
      self.slidingCellBytes = slidingCellBytes
    }

    var isEmpty: Bool { weightBytes == 0 && fullCellBytes == 0 && slidingCellBytes == 0 }

    func bytes(depth: Int, window: Int?) -> Double {
      let depth = Double(max(0, depth))
      return Double(weightBytes) + Double(fullCellBytes) * depth
        + Double(slidingCellBytes) * min(depth, Double(window ?? Int.max))
    }
  }

  public var host: Share
  public var device: Share
  public var slidingWindow: Int?

  public init(host: Share, device: Share = Share(), slidingWindow: Int? = nil) {
    self.host = host
    self.device = device
    self.slidingWindow = slidingWindow
  }

  /// Bytes read for a token generated with `depth` cells of context before it.
  public func bytes(depth: Int) -> (host: Double, device: Double) {
    (host.bytes(depth: depth, window: slidingWindow), device.bytes(depth: depth, window: slidingWindow))
  }

  /// The fastest decode the memory allows at `depth`, tokens per second: the time to read
  /// each memory's share at its bandwidth (bytes per second), added. Nil when a memory
  /// that holds part of the traffic has no measured bandwidth.
  public func boundTokensPerSecond(depth: Int, hostBandwidth: Double?, deviceBandwidth: Double?) -> Double? {
    let bytes = bytes(depth: depth)
    var seconds = 0.0
    for (share, amount, bandwidth) in [(host, bytes.host, hostBandwidth), (device, bytes.device, deviceBandwidth)]
    where !share.isEmpty {
      guard let bandwidth, bandwidth > 0 else { return nil }
      seconds += amount / bandwidth
    }
    return seconds > 0 ? 1 / seconds : nil
  }

  /// The traffic of `shape` loaded with `settings`. `onDevice`: a GPU backend whose
  /// memory is not the host's (a CPU backend, or Vulkan on llvmpipe, reads host memory).
  ///
  /// llama.cpp offloads the last `-ngl` repeating layers, then the output layer, with
  /// their KV cache unless `--no-kv-offload`; the embedding lookup stays on the host.
  public static func predict(_ shape: ModelShape, settings: LoadSettings, onDevice: Bool) -> TokenTraffic {
    let reads = shape.decodeReads
    // A negative -ngl is llama.cpp's auto (-1) or all (-2): every layer, as when it is absent.
    let asked = settings.gpuLayers.flatMap { $0 < 0 ? nil : $0 } ?? (shape.layers + 1)
    let offloaded = onDevice ? min(asked, shape.layers + 1) : 0
    let firstOnDevice = shape.layers - min(offloaded, shape.layers)
    var host = Share(weightBytes: reads.inputRow)
    var device = Share()
    for layer in 0..<shape.layers {
      let weightsOnDevice = layer >= firstOnDevice
      let cell = shape.kvCellBytes(layer: layer, keyType: settings.keyType, valueType: settings.valueType)
      let sliding = shape.slidingLayers[layer]
      if weightsOnDevice { device.weightBytes += reads.layers[layer] } else { host.weightBytes += reads.layers[layer] }
      let cacheOnDevice = weightsOnDevice && !settings.kvOnHost
      switch (cacheOnDevice, sliding) {
      case (true, false): device.fullCellBytes += cell
      case (true, true): device.slidingCellBytes += cell
      case (false, false): host.fullCellBytes += cell
      case (false, true): host.slidingCellBytes += cell
      }
    }
    if offloaded > shape.layers { device.weightBytes += reads.output } else { host.weightBytes += reads.output }
    return TokenTraffic(host: host, device: device, slidingWindow: shape.slidingWindow)
  }
}
