import GRDB

/// The schema, as named migrations. A shipped migration is never edited: a
/// change is a new migration appended here.
enum Schema {
  static var migrator: DatabaseMigrator {
    var migrator = DatabaseMigrator()
    migrator.registerMigration("v1: runs, cells, servers, perf repetitions, task results") { db in
      try db.create(table: "run") { t in
        t.primaryKey("id", .text)
        t.column("startedAt", .double).notNull()
        t.column("finishedAt", .double)
        t.column("status", .text).notNull()
        t.column("strataVersion", .text).notNull()
        t.column("matrixPath", .text).notNull()
        t.column("matrixHash", .text).notNull()
        t.column("hostJSON", .text).notNull()
        t.column("enginesJSON", .text).notNull()
      }
      try db.create(table: "server") { t in
        t.autoIncrementedPrimaryKey("id")
        t.column("runId", .text).notNull().references("run", onDelete: .cascade)
        t.column("loadGroup", .text).notNull()
        t.column("engine", .text).notNull()
        t.column("argumentsJSON", .text).notNull()
        t.column("port", .integer).notNull()
        t.column("loadSeconds", .double).notNull()
        t.column("buildInfo", .text)
        t.column("logPath", .text).notNull()
        t.column("startedAt", .double).notNull()
        t.column("exitStatus", .text)
      }
      try db.create(table: "cell") { t in
        t.column("runId", .text).notNull().references("run", onDelete: .cascade)
        t.column("hash", .text).notNull()
        t.column("loadGroup", .text).notNull()
        t.column("engine", .text).notNull()
        t.column("model", .text).notNull()
        t.column("quant", .text).notNull()
        t.column("assignmentJSON", .text).notNull()
        t.column("variant", .text).notNull()
        t.column("status", .text).notNull()
          .check(sql: "status IN ('planned', 'running', 'done', 'failed', 'skipped')")
        t.column("failure", .text)
        t.column("serverId", .integer).references("server", onDelete: .setNull)
        t.column("startedAt", .double)
        t.column("finishedAt", .double)
        t.primaryKey(["runId", "hash"])
      }
      try db.create(table: "perf_repetition") { t in
        t.column("runId", .text).notNull()
        t.column("cellHash", .text).notNull()
        t.column("scenario", .text).notNull()
        t.column("repetition", .integer).notNull()
        for column in ["promptTokens", "generatedTokens", "decodeDepth", "cacheTokens"] {
          t.column(column, .integer).notNull()
        }
        for column in ["ttftMs", "serverPromptMs", "serverPromptTPS", "clientPromptTPS", "serverDecodeTPS"] {
          t.column(column, .double).notNull()
        }
        // NULL when the scenario streamed too few tokens to measure them.
        for column in ["clientDecodeTPS", "itlP50Ms", "itlP90Ms", "itlP99Ms"] {
          t.column(column, .double)
        }
        t.primaryKey(["runId", "cellHash", "scenario", "repetition"])
        t.foreignKey(["runId", "cellHash"], references: "cell", onDelete: .cascade)
      }
      try db.create(table: "task_result") { t in
        t.column("runId", .text).notNull()
        t.column("cellHash", .text).notNull()
        t.column("task", .text).notNull()
        t.column("itemId", .text).notNull()
        t.column("category", .text)
        t.column("promptHash", .text).notNull()
        t.column("response", .text).notNull()
        t.column("extracted", .text)
        t.column("expected", .text).notNull()
        t.column("correct", .boolean).notNull()
        t.column("latencyMs", .double).notNull()
        t.primaryKey(["runId", "cellHash", "task", "itemId"])
        t.foreignKey(["runId", "cellHash"], references: "cell", onDelete: .cascade)
      }
    }
    migrator.registerMigration("v2: telemetry series and per-cell, per-server peaks") { db in
      try db.create(table: "telemetry_sample") { t in
        t.column("serverId", .integer).notNull().references("server", onDelete: .cascade)
        t.column("monoNanos", .integer).notNull()
        t.column("rssBytes", .integer)
        t.column("cpuSeconds", .double)
        t.column("threads", .integer)
        t.column("devicesJSON", .text).notNull()
        t.primaryKey(["serverId", "monoNanos"])
      }
      for table in ["cell", "server"] {
        try db.alter(table: table) { t in
          t.add(column: "peakRSSBytes", .integer)
          t.add(column: "peakVRAMBytes", .integer)
          t.add(column: "meanPowerWatts", .double)
          t.add(column: "energyJoules", .double)
          t.add(column: "telemetryJSON", .text)
        }
      }
    }
    migrator.registerMigration("v3: mean VRAM, energy per generated token, each run's samplers") { db in
      for table in ["cell", "server"] {
        try db.alter(table: table) { t in
          t.add(column: "meanVRAMBytes", .integer)
          t.add(column: "joulesPerGeneratedToken", .double)
        }
      }
      try db.create(table: "run_sampler") { t in
        t.column("runId", .text).notNull().references("run", onDelete: .cascade)
        t.column("position", .integer).notNull()
        t.column("sampler", .text).notNull()
        t.column("available", .boolean).notNull()
        t.column("reason", .text)
        t.primaryKey(["runId", "sampler"])
      }
    }
    // SQLite cannot change a primary key in place: the table is rebuilt with the
    // method in its key, and every earlier row is kept as a generative answer.
    migrator.registerMigration(
      "v4: task results per scoring method, with confidence, thinking and failure kind; task timings"
    ) {
      db in
      try db.create(table: "task_result_v4") { t in
        t.column("runId", .text).notNull()
        t.column("cellHash", .text).notNull()
        t.column("task", .text).notNull()
        t.column("method", .text).notNull()
        t.column("itemId", .text).notNull()
        t.column("category", .text)
        t.column("promptHash", .text).notNull()
        t.column("response", .text).notNull()
        t.column("thinking", .text)
        t.column("thinkingTokens", .integer)
        t.column("thinkingMs", .double)
        t.column("extracted", .text)
        t.column("expected", .text).notNull()
        t.column("correct", .boolean).notNull()
        t.column("confidence", .double)
        t.column("probabilitiesJSON", .text)
        t.column("failureKind", .text)
        t.column("latencyMs", .double).notNull()
        t.primaryKey(["runId", "cellHash", "task", "method", "itemId"])
        t.foreignKey(["runId", "cellHash"], references: "cell", onDelete: .cascade)
      }
      try db.execute(
        sql: """
          INSERT INTO task_result_v4 (runId, cellHash, task, method, itemId, category, promptHash, response,
            extracted, expected, correct, latencyMs)
          SELECT runId, cellHash, task, 'generative', itemId, category, promptHash, response, extracted, expected,
            correct, latencyMs FROM task_result
          """)
      try db.drop(table: "task_result")
      try db.rename(table: "task_result_v4", to: "task_result")
      // How long each cell took to answer each task one way, wall clock, and how many at once.
      try db.create(table: "task_run") { t in
        t.column("runId", .text).notNull()
        t.column("cellHash", .text).notNull()
        t.column("task", .text).notNull()
        t.column("method", .text).notNull()
        t.column("items", .integer).notNull()
        t.column("concurrency", .integer).notNull()
        t.column("wallSeconds", .double).notNull()
        t.primaryKey(["runId", "cellHash", "task", "method"])
        t.foreignKey(["runId", "cellHash"], references: "cell", onDelete: .cascade)
      }
    }
    // A server that died or hung while loading gets a row too, so the samples taken
    // while it loaded (memory climbing until it failed) are kept with the reason.
    migrator.registerMigration("v5: servers that failed to load, with the reason") { db in
      try db.alter(table: "server") { t in t.add(column: "loadFailure", .text) }
    }
    // Resume and the morning's table need to know why a cell failed, not only that it did,
    // and how a run ended; the server log's last lines stay with the cell that failed.
    migrator.registerMigration("v6: failure kinds, log tails, how a run stopped") { db in
      try db.alter(table: "cell") { t in
        t.add(column: "failureKind", .text)
        t.add(column: "logTail", .text)
      }
      try db.alter(table: "run") { t in
        t.add(column: "stopReason", .text)
        t.add(column: "commandLine", .text)
      }
      try db.execute(sql: "UPDATE cell SET failureKind = 'interrupted' WHERE failure = 'interrupted'")
      try db.execute(sql: "UPDATE cell SET failureKind = 'error' WHERE status = 'failed' AND failureKind IS NULL")
      try db.execute(sql: "UPDATE cell SET failureKind = 'excluded' WHERE status = 'skipped'")
    }
    // The memory-fit check: what each server was predicted to take, beside what it took.
    migrator.registerMigration("v7: predicted memory of each server") { db in
      try db.alter(table: "server") { t in
        t.add(column: "predictedHostBytes", .integer)
        t.add(column: "predictedDeviceBytes", .integer)
        t.add(column: "memoryFit", .text)
      }
    }
    // The HTML report's drill-down shows what each item asked. A prompt is the same for
    // every cell of a run (few-shot prefix and all), so it is stored once per run by its hash.
    migrator.registerMigration("v8: the prompts of a run's task results") { db in
      try db.create(table: "task_prompt") { t in
        t.column("runId", .text).notNull().references("run", onDelete: .cascade)
        t.column("hash", .text).notNull()
        t.column("text", .text).notNull()
        t.primaryKey(["runId", "hash"])
      }
    }
    migrator.registerMigration("v9: the noise check that ends a run") { db in
      try db.create(table: "noise_check") { t in
        t.column("runId", .text).notNull()
        t.column("cellHash", .text).notNull()
        t.column("scenario", .text).notNull()
        t.column("repetition", .integer).notNull()
        t.column("promptTokens", .integer).notNull()
        t.column("generatedTokens", .integer).notNull()
        for column in ["ttftMs", "serverPromptTPS", "serverDecodeTPS", "measuredAt"] {
          t.column(column, .double).notNull()
        }
        t.primaryKey(["runId", "cellHash", "scenario", "repetition"])
        t.foreignKey(["runId", "cellHash"], references: "cell", onDelete: .cascade)
      }
    }
    // The roofline: what one generated token of each server reads from host and device
    // memory, from the GGUF tensor table; the bound it gives needs the host's bandwidth,
    // which is stored with the run's host inventory.
    migrator.registerMigration("v10: bytes each server reads per generated token") { db in
      try db.alter(table: "server") { t in t.add(column: "tokenTrafficJSON", .text) }
    }
    // Energy the tokens cost beyond keeping the device on: the power before each server
    // starts, and the energy per token less that power over the same time.
    migrator.registerMigration("v11: idle power before each server, net energy per token") { db in
      for table in ["cell", "server"] {
        try db.alter(table: table) { t in
          t.add(column: "idlePowerWatts", .double)
          t.add(column: "netJoulesPerGeneratedToken", .double)
        }
      }
    }
    return migrator
  }
}
