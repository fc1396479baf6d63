/// The llama-server settings that decide how much memory a load takes, as the
/// server reads them from its command line.
public struct LoadSettings: Sendable, Equatable {
  /// `-c`: total KV cells over all slots; nil or 0 is the model's trained context.
  public var context: Int?
  /// `-np`: nil is the server's auto (4 slots sharing a unified cache).
  public var slots: Int?
  /// `--kv-unified`; implied by the auto slot count.
  public var unifiedKV: Bool
  public var keyType: GGMLType
  public var valueType: GGMLType
  /// `-ub`.
  public var microBatch: Int
  /// `-fa`: nil is auto, which the CPU backend (and every GPU backend strata drives) turns on.
  public var flashAttention: Bool?
  /// `-ngl`: layers on the device; nil is llama.cpp's default (all of them) where a device exists.
  public var gpuLayers: Int?
  /// `--no-kv-offload`: the cache stays in host memory.
  public var kvOnHost: Bool

  public static let f16 = GGMLType(id: 1, name: "f16", blockSize: 1, typeSize: 2)

  public init(
    context: Int? = nil, slots: Int? = nil, unifiedKV: Bool = false, keyType: GGMLType = LoadSettings.f16,
    valueType: GGMLType = LoadSettings.f16, microBatch: Int = 512, flashAttention: Bool? = nil,
    gpuLayers: Int? = nil, kvOnHost: Bool = false
  ) {
    self.context = context
    self.slots = slots
    self.unifiedKV = unifiedKV
    self.keyType = keyType
    self.valueType = valueType
    self.microBatch = microBatch
    self.flashAttention = flashAttention
    self.gpuLayers = gpuLayers
    self.kvOnHost = kvOnHost
  }
}

extension LoadSettings {
  /// The settings a llama-server command line asks for; a later flag wins, as in
  /// llama-server itself (strata puts the matrix's flags after the engine's).
  public static func from(arguments: [String]) -> LoadSettings {
    var settings = LoadSettings()
    var index = 0
    func value() -> String? {
      index += 1
      return index < arguments.count ? arguments[index] : nil
    }
    while index < arguments.count {
      switch arguments[index] {
      case "-c", "--ctx-size": settings.context = value().flatMap { Int($0) }
      case "-np", "--parallel": settings.slots = value().flatMap { Int($0) }
      case "-kvu", "--kv-unified": settings.unifiedKV = true
      case "-ctk", "--cache-type-k": settings.keyType = value().flatMap(GGMLType.cacheType(named:)) ?? settings.keyType
      case "-ctv", "--cache-type-v":
        settings.valueType = value().flatMap(GGMLType.cacheType(named:)) ?? settings.valueType
      case "-ub", "--ubatch-size": settings.microBatch = value().flatMap { Int($0) } ?? settings.microBatch
      case "-fa", "--flash-attn":
        switch value() {
        case "on", "1", "true": settings.flashAttention = true
        case "off", "0", "false": settings.flashAttention = false
        default: settings.flashAttention = nil
        }
      case "-ngl", "--gpu-layers", "--n-gpu-layers":
        // "auto" and "all" (and values past the layer count) put every layer on the device.
        settings.gpuLayers = value().flatMap { Int($0) }
      case "-nkvo", "--no-kv-offload": settings.kvOnHost = true
      default: break
      }
      index += 1
    }
    return settings
  }
}

/// What a load is predicted to take, by part and by where it lives.
public struct MemoryEstimate: Sendable, Equatable, Codable {
  public var weightBytes: Int
  public var kvBytes: Int
  /// The compute graph's scratch buffers and the logits buffer.
  public var computeBytes: Int
  /// llama-server itself, in host memory: its code and libraries, threads, HTTP
  /// server and the tokenizer's tables (which grow with the vocabulary).
  public var runtimeBytes: Int
  /// KV cells of the full-attention layers (the context llama.cpp settles on).
  public var contextCells: Int
  /// Of the total, what lands in device memory (0 on a CPU backend) and in host memory.
  public var deviceBytes: Int
  public var hostBytes: Int

  public var totalBytes: Int { weightBytes + kvBytes + computeBytes + runtimeBytes }

  public init(
    weightBytes: Int, kvBytes: Int, computeBytes: Int, runtimeBytes: Int = 0, contextCells: Int, deviceBytes: Int,
    hostBytes: Int
  ) {
    self.weightBytes = weightBytes
    self.kvBytes = kvBytes
    self.computeBytes = computeBytes
    self.runtimeBytes = runtimeBytes
    self.contextCells = contextCells
    self.deviceBytes = deviceBytes
    self.hostBytes = hostBytes
  }

  /// Predicts a load of `shape` with `settings`; `onDevice`: a GPU backend.
  ///
  /// The KV cache follows llama.cpp exactly (context padded to 256 per slot, the
  /// sliding-window layers' smaller cache); the compute buffer is an estimate from the
  /// graph's largest activations, which llama.cpp sizes only when it builds the graph.
  public static func predict(_ shape: ModelShape, settings: LoadSettings, onDevice: Bool) -> MemoryEstimate {
    // llama.cpp holds contexts in 32 bits and slots far below 2^16; anything past is clamped.
    let requested = min(settings.context.flatMap { $0 > 0 ? $0 : nil } ?? shape.trainedContext, Int(UInt32.max))
    let explicitSlots = settings.slots.flatMap { $0 > 0 ? min($0, 1 << 16) : nil }
    let autoSlots = explicitSlots == nil
    let slots = explicitSlots ?? 4
    let unified = autoSlots || settings.unifiedKV
    let padded = pad(requested, 256)
    let perSlot = unified ? padded : max(256, pad(padded / slots, 256))
    let cells = unified ? padded : perSlot * slots
    var swaCells: Int?
    if let window = shape.slidingWindow {
      let streamCells = min(perSlot, window * (unified ? slots : 1) + microBatch(settings))
      swaCells = min(perSlot, pad(streamCells, 256)) * (unified ? 1 : slots)
    }
    // In Double (exact below 2^53 bytes): a header at its bounds must not overflow an Int.
    var kvTotal = 0.0
    for layer in 0..<shape.layers {
      let cellBytes = shape.kvCellBytes(layer: layer, keyType: settings.keyType, valueType: settings.valueType)
      kvTotal += Double(cellBytes) * Double(shape.slidingLayers[layer] ? swaCells ?? cells : cells)
    }
    let kv = bounded(kvTotal)
    let compute = computeEstimate(shape, settings: settings, kvCells: cells, swaCells: swaCells, slots: slots)
    let runtime = runtimeEstimate(shape)
    guard onDevice else {
      return MemoryEstimate(
        weightBytes: shape.weightBytes, kvBytes: kv, computeBytes: compute, runtimeBytes: runtime,
        contextCells: cells, deviceBytes: 0, hostBytes: shape.weightBytes + kv + compute + runtime)
    }
    // -ngl counts the repeating layers, then the output layer: n_layer + 1 puts it all on the device.
    let offloaded = min(settings.gpuLayers ?? (shape.layers + 1), shape.layers + 1)
    let share = Double(max(0, offloaded)) / Double(shape.layers + 1)
    let deviceWeights = Int(Double(shape.weightBytes) * share)
    let deviceKV = settings.kvOnHost ? 0 : Int(Double(kv) * min(1, Double(max(0, offloaded)) / Double(shape.layers)))
    let deviceCompute = offloaded > 0 ? compute : 0
    return MemoryEstimate(
      weightBytes: shape.weightBytes, kvBytes: kv, computeBytes: compute, runtimeBytes: runtime, contextCells: cells,
      deviceBytes: deviceWeights + deviceKV + deviceCompute,
      hostBytes: shape.weightBytes - deviceWeights + kv - deviceKV + compute - deviceCompute + runtime)
  }

  /// llama-server's own resident memory beside the buffers: 40 MiB and 160 bytes per
  /// vocabulary entry, fitted to the gap between the buffers llama.cpp logs and the peak
  /// RSS of SmolLM2 (49k entries) and Gemma 3 (262k) on the pinned build.
  /// Bytes past 1 EiB are 1 EiB: no host has it, and sums of such parts stay in range.
  static func bounded(_ bytes: Double) -> Int {
    bytes.isFinite ? Int(min(max(bytes, 0), Double(1 << 60))) : 1 << 60
  }

  static func microBatch(_ settings: LoadSettings) -> Int { min(max(settings.microBatch, 1), 1 << 20) }

  static func runtimeEstimate(_ shape: ModelShape) -> Int {
    (40 << 20) + shape.vocabulary * 160
  }

  /// The compute graph's buffer for one micro-batch, which llama.cpp sizes only when it
  /// builds the graph: the attention masks (f16 with flash attention, f32 without) over
  /// the whole cache and the sliding window, without flash attention the attention scores
  /// of every head against the whole cache, and a few rows of the hidden and
  /// feed-forward width per token; plus the logits buffer of one output per slot. The
  /// coefficients match llama.cpp's own buffer sizes for SmolLM2 and Gemma 3 within a
  /// few percent (see the tests).
  static func computeEstimate(
    _ shape: ModelShape, settings: LoadSettings, kvCells: Int, swaCells: Int?, slots: Int
  ) -> Int {
    let batch = Double(microBatch(settings))
    let flash = settings.flashAttention ?? true
    let maskBytes = flash ? 2.0 : 4.0
    let masks = batch * Double(kvCells + (swaCells ?? 0)) * maskBytes
    let scores = flash ? 0 : batch * Double(kvCells) * Double(shape.heads) * 4
    let width = flash ? 5 * shape.embedding + 3 * shape.feedForward : 3 * shape.embedding + shape.feedForward
    let rows = batch * 4 * Double(width)
    let logits = Double(shape.vocabulary) * 4 * Double(slots)
    return bounded(masks + scores + rows + logits)
  }

  static func pad(_ value: Int, _ to: Int) -> Int { (value + to - 1) / to * to }
}
