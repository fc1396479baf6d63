#!/usr/bin/env python3
"""Fills a strata database with a large synthetic sweep for timing `strata report`:
CELLS cells (4 engines × models × quants × settings) on two hosts, a server per cell,
SAMPLES telemetry samples in all, three repetitions and twenty answers per cell.

    scripts/make-report-db.py DB [--cells 1000] [--samples 1000000]

The database must already hold strata's schema (scripts/bench-report makes it with
`strata import llama-bench`); every figure here is made up, none is measured.
"""
import argparse, json, random, sqlite3

ENGINES = [("cpu", "cpu"), ("vulkan", "vulkan"), ("rocm", "rocm"), ("cuda", "cuda")]
MODELS = ["smollm2-135m", "gemma3-270m", "qwen3-0.6b", "llama3.2-1b", "phi4-mini"]
QUANTS = ["Q3_K_S", "Q4_1", "Q4_K_M", "Q6_K", "Q8_0"]
CATEGORIES = ["Mercury", "OHAT", "NYSEDREGENTS", "MCAS", "ACTAAP"]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("db")
    parser.add_argument("--cells", type=int, default=1000)
    parser.add_argument("--samples", type=int, default=1_000_000)
    args = parser.parse_args()
    random.seed(7)
    db = sqlite3.connect(args.db)
    db.execute("PRAGMA foreign_keys = ON")
    hosts = {
        "bench-a": {"hostname": "bench-a", "cpuModel": "AMD Ryzen 9 7950X", "logicalCores": 32,
                    "memoryBytes": 68719476736, "os": "Debian GNU/Linux 12 (bookworm)", "kernel": "Linux 6.1",
                    "gpus": [{"device": "0000:03:00.0", "vendorID": 4098, "deviceID": 29772,
                              "vramTotalBytes": 25753026560}]},
        "bench-b": {"hostname": "bench-b", "cpuModel": "Intel Core i5-8250U", "logicalCores": 8,
                    "memoryBytes": 17179869184, "os": "Debian GNU/Linux 12 (bookworm)", "kernel": "Linux 6.1",
                    "gpus": []},
    }
    engines = json.dumps({name: {"mode": "process", "backend": backend, "build": 4567, "commit": "1a2b3c4",
                                 "devices": [] if backend == "cpu" else ["Vulkan0: AMD Radeon RX 7900 XTX"]}
                          for name, backend in ENGINES})
    settings = [(fa, t) for fa in ("on", "off") for t in (2, 4, 8, 12, 16)]
    grid = [(e, m, q, s) for e in ENGINES for m in MODELS for q in QUANTS for s in settings][:args.cells]
    per_server = max(1, args.samples // max(1, len(grid)))
    prompts = {f"bench-p{i}": f"Question: synthetic item {i}?\nAnswer:" for i in range(20)}
    traffic = json.dumps({"host": {"weightBytes": 96_576_768, "fullCellBytes": 23_040, "slidingCellBytes": 0},
                          "device": {"weightBytes": 0, "fullCellBytes": 0, "slidingCellBytes": 0}})
    for host_index, (host, inventory) in enumerate(hosts.items()):
        inventory["memoryBandwidth"] = {"bytesPerSecond": 20e9 * (host_index + 1), "threads": 2,
                                        "arrayBytes": 402_653_184, "passes": 5}
        run = f"bench-run-{host}"
        db.execute(
            "INSERT INTO run (id, startedAt, finishedAt, status, strataVersion, matrixPath, matrixHash, hostJSON,"
            " enginesJSON) VALUES (?, ?, ?, 'done', '0.1.0', 'matrix.yaml', 'bench', ?, ?)",
            (run, 1_764_000_000 + host_index * 86400, 1_764_030_000 + host_index * 86400, json.dumps(inventory),
             engines))
        db.executemany("INSERT INTO task_prompt (runId, hash, text) VALUES (?, ?, ?)",
                       [(run, h, t) for h, t in prompts.items()])
        mine = grid[host_index::2]
        for index, ((engine, backend), model, quant, (flash, threads)) in enumerate(mine):
            cell = f"{host_index}{index:015x}"
            gpu = backend != "cpu" and host == "bench-a"
            cursor = db.execute(
                "INSERT INTO server (runId, loadGroup, engine, argumentsJSON, port, loadSeconds, buildInfo, logPath,"
                " startedAt, tokenTrafficJSON) VALUES (?, ?, ?, '[]', 8080, ?, 'b4567-1a2b3c4', 'server.log', ?, ?)",
                (run, f"g{cell}", engine, random.uniform(0.4, 9), 1_764_000_100 + index * 30, traffic))
            server = cursor.lastrowid
            assignment = json.dumps({"engine": engine, "model": model, "quant": quant, "flash_attn": flash,
                                     "threads": str(threads)}, sort_keys=True)
            decode = random.uniform(5, 400) * (3 if gpu else 1)
            db.execute(
                "INSERT INTO cell (runId, hash, loadGroup, engine, model, quant, assignmentJSON, variant, status,"
                " serverId, startedAt, finishedAt, peakRSSBytes, peakVRAMBytes, meanPowerWatts, energyJoules,"
                " telemetryJSON, joulesPerGeneratedToken, idlePowerWatts, netJoulesPerGeneratedToken) VALUES (?, ?, ?,"
                " ?, ?, ?, ?, ?, 'done', ?, ?, ?, ?, ?, ?, ?, '{}', ?, ?, ?)",
                (run, cell, f"g{cell}", engine, model, quant, assignment, f"flash_attn={flash} threads={threads}",
                 server, 1_764_000_100 + index * 30, 1_764_000_125 + index * 30, random.randint(2, 9) << 27,
                 (random.randint(1, 20) << 28) if gpu else None, 200.0 if gpu else None, 5000.0 if gpu else None,
                 0.5 if gpu else None, 18.0 if gpu else None, 0.45 if gpu else None))
            db.executemany(
                "INSERT INTO perf_repetition (runId, cellHash, scenario, repetition, promptTokens, generatedTokens,"
                " decodeDepth, ttftMs, serverPromptMs, serverPromptTPS, clientPromptTPS, serverDecodeTPS,"
                " clientDecodeTPS, itlP50Ms, itlP90Ms, itlP99Ms, cacheTokens) VALUES (?, ?, 'pp512-tg128', ?, 512,"
                " 128, 512, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0)",
                [(run, cell, r + 1, random.uniform(50, 3000), 1000.0, decode * 4, decode * 3.9,
                  decode * random.uniform(0.95, 1.05), decode * 0.99, 1000 / decode, 1100 / decode, 1400 / decode)
                 for r in range(3)])
            db.executemany(
                "INSERT INTO task_result (runId, cellHash, task, method, itemId, category, promptHash, response,"
                " extracted, expected, correct, confidence, latencyMs) VALUES (?, ?, 'arc_challenge',"
                " 'letter_likelihood', ?, ?, ?, ?, ?, 'A', ?, ?, 80)",
                [(run, cell, f"item{i}", CATEGORIES[i % 5], f"bench-p{i}", "P(A)=0.6", "A" if ok else "B", ok,
                  random.uniform(0.25, 1)) for i in range(20) for ok in [random.random() < 0.55]])
            start = 10_000_000_000
            device = lambda tick: json.dumps([{"device": "0000:03:00.0", "vramUsedBytes": 4 << 30,
                                                "powerWatts": 150 + tick % 50, "temperaturesCelsius": {}}])
            db.executemany(
                "INSERT INTO telemetry_sample (serverId, monoNanos, rssBytes, cpuSeconds, threads, devicesJSON)"
                " VALUES (?, ?, ?, ?, 9, ?)",
                [(server, start + tick * 100_000_000, (300 << 20) + tick * 1000, tick * 0.19,
                  device(tick) if gpu else "[]") for tick in range(per_server)])
    db.commit()
    counts = {table: db.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
              for table in ("cell", "server", "telemetry_sample", "task_result")}
    print(json.dumps(counts))


if __name__ == "__main__":
    main()
