import Testing

@testable import StrataConfig

/// One invalid input and the error it must produce.
struct BadInput: Sendable, CustomTestStringConvertible {
  var label: String
  var kind: ConfigKind
  var file: String?
  var yaml: String
  var message: String
  var line: Int
  var column: Int
  var hint: String = ""

  var testDescription: String { label }
}

@Suite("bad inputs report a message and a position")
struct BadInputTests {
  static let cases: [BadInput] = [
    BadInput(
      label: "unknown key with did-you-mean", kind: .models,
      yaml: "models:\n  - name: qwen\n    repo_id: unsloth/Qwen3-0.6B-GGUF\n    quant_tag: [Q4_K_M]\n",
      message:
        "unknown key 'quant_tag' in model 'qwen'; known keys: name, thinking, thinking_budget, files, path, quant, repo_id, quant_tags, revision, provider, base_url, api_key_env, model",
      line: 4, column: 5, hint: "did you mean 'quant_tags'?"),
    BadInput(
      label: "unknown top-level matrix key", kind: .matrix,
      yaml: "axes: {engine: cpu, model: m}\nscenario: [pp512-tg128]\n",
      message:
        "unknown key 'scenario' in matrix.yaml; known keys: design, budget, repeats, axes, exclude, overrides, scenarios, tasks",
      line: 2, column: 1, hint: "did you mean 'scenarios'?"),
    BadInput(
      label: "unknown args flag lists the known ones", kind: .matrix,
      yaml: "axes:\n  engine: cpu\n  model: m\n  args:\n    thread: [2]\n",
      message: "unknown key 'thread' in axes.args; known keys: batch, ubatch, threads, ctk, flash_attn, ngl, ctx",
      line: 5, column: 5, hint: "did you mean 'threads'?"),
    BadInput(
      label: "wrong type: string for an integer", kind: .task, file: "tasks/t.yaml",
      yaml: "name: t\nkind: multiple_choice\nitems: /t.jsonl\nmax_tokens: many\n",
      message: "expected an integer for max_tokens, found the string 'many'", line: 4, column: 13),
    BadInput(
      label: "wrong type: mapping for a list", kind: .engine,
      yaml: "name: cpu\nbackend: cpu\nbinary: /b\nargs: {a: b}\n",
      message: "expected a list for args, found a mapping", line: 4, column: 7),
    BadInput(
      label: "wrong type: list for the models mapping entry", kind: .models,
      yaml: "models:\n  - [a, b]\n", message: "expected a mapping for models entry 1, found a list", line: 2, column: 5),
    BadInput(
      label: "empty axis list", kind: .matrix,
      yaml: "axes:\n  engine: []\n  model: [m]\n", message: "axes.engine is empty; list at least one value", line: 2,
      column: 11),
    BadInput(
      label: "duplicate axis value", kind: .matrix,
      yaml: "axes:\n  engine: [cpu, vulkan, cpu]\n  model: [m]\n",
      message: "duplicate value 'cpu' in axes.engine; first listed at line 2", line: 2, column: 25),
    BadInput(
      label: "duplicate model name names the first line", kind: .models,
      yaml: "models:\n  - name: tiny\n    path: /a.Q8_0.gguf\n  - name: tiny\n    path: /b.Q8_0.gguf\n",
      message: "duplicate model name 'tiny'; first defined at line 2", line: 4, column: 11),
    BadInput(
      label: "bad scenario name", kind: .matrix,
      yaml: "axes: {engine: cpu, model: m}\nscenarios: [pp512-tg128, pp512tg128]\n",
      message: "invalid scenario name 'pp512tg128'", line: 2, column: 26),
    BadInput(
      label: "bad flash_attn value", kind: .matrix,
      yaml: "axes:\n  engine: cpu\n  model: m\n  args:\n    flash_attn: [on, yes]\n",
      message: "invalid flash_attn value 'yes' in axes.args.flash_attn; expected on, off or auto", line: 5, column: 22),
    BadInput(
      label: "bad ctk value", kind: .matrix,
      yaml: "axes:\n  engine: cpu\n  model: m\n  args:\n    ctk: [q8]\n",
      message: "invalid ctk value 'q8' in axes.args.ctk; expected one of f32, f16, bf16, q8_0", line: 5, column: 11,
      hint: "did you mean 'q8_0'?"),
    BadInput(
      label: "temperature out of range", kind: .matrix,
      yaml: "axes:\n  engine: cpu\n  model: m\n  sampling:\n    temperature: [0.5, 2.5]\n",
      message: "axes.sampling.temperature must be between 0.0 and 2.0, found 2.5", line: 5, column: 24),
    BadInput(
      label: "zero threads", kind: .matrix,
      yaml: "axes:\n  engine: cpu\n  model: m\n  args: {threads: 0}\n",
      message: "axes.args.threads must be at least 1, found 0", line: 4, column: 19),
    BadInput(
      label: "exclude value not in the axis", kind: .matrix,
      yaml: "axes:\n  engine: [cpu, vulkan]\n  model: m\nexclude:\n  - {engine: rocm}\n",
      message: "exclude value 'rocm' for engine is not in axes.engine", line: 5, column: 14,
      hint: "axes.engine lists: cpu, vulkan"),
    BadInput(
      label: "override on an axis the matrix lacks", kind: .matrix,
      yaml: "axes: {engine: cpu, model: m}\noverrides:\n  - when: {threads: 2}\n    repeats: 1\n",
      message: "override value '2' for threads is not in axes.args.threads", line: 3, column: 21),
    BadInput(
      label: "unknown axis in an exclude rule", kind: .matrix,
      yaml: "axes: {engine: cpu, model: m}\nexclude:\n  - {engnie: cpu}\n",
      message: "unknown key 'engnie' in an exclude rule", line: 3, column: 6, hint: "did you mean 'engine'?"),
    BadInput(
      label: "unsupported design", kind: .matrix,
      yaml: "design: pairwise\naxes: {engine: cpu, model: m}\n",
      message: "design 'pairwise' is not supported yet; use full", line: 1, column: 9),
    BadInput(
      label: "repeats out of range", kind: .matrix,
      yaml: "repeats: 101\naxes: {engine: cpu, model: m}\n", message: "repeats must be between 1 and 100, found 101",
      line: 1, column: 10),
    BadInput(
      label: "mixing path and repo_id", kind: .models,
      yaml: "models:\n  - name: mixed\n    path: /m.Q8_0.gguf\n    repo_id: a/b\n",
      message: "model 'mixed' mixes `path` (local file) and `repo_id` (Hugging Face)", line: 4, column: 5),
    BadInput(
      label: "no source form", kind: .models,
      yaml: "models:\n  - name: lonely\n", message: "model 'lonely' has no source", line: 2, column: 5),
    BadInput(
      label: "quant cannot be inferred", kind: .models,
      yaml: "models:\n  - name: m\n    path: /models/weights.gguf\n",
      message: "cannot infer the quant of '/models/weights.gguf' from its file name, add `quant: Q4_K_M`", line: 3,
      column: 11),
    BadInput(
      label: "api_key_env holding a secret", kind: .models,
      yaml:
        "models:\n  - name: gpt\n    provider: openai\n    base_url: https://x/v1\n    api_key_env: sk-proj-abc123\n",
      message: "api_key_env must name an environment variable, but its value looks like an API key", line: 5, column: 18
    ),
    BadInput(
      label: "base_url without a scheme", kind: .models,
      yaml: "models:\n  - name: gpt\n    provider: openai\n    base_url: api.example.com\n    api_key_env: KEY\n",
      message: "base_url 'api.example.com' must start with http:// or https://", line: 4, column: 15),
    BadInput(
      label: "unknown ${VAR}", kind: .models,
      yaml: "models:\n  - name: m\n    path: ${NOPE}/m.Q8_0.gguf\n",
      message: "unknown variable ${NOPE} in '${NOPE}/m.Q8_0.gguf'", line: 3, column: 11,
      hint: "set NOPE in the environment"),
    BadInput(
      label: "YAML syntax error", kind: .matrix,
      yaml: "axes:\n  engine: [cpu\n  model: m\n",
      message:
        "YAML syntax error: did not find expected ',' or ']' (while parsing a flow sequence at line 2, column 11)",
      line: 3, column: 8),
    BadInput(
      label: "tab indentation", kind: .engine,
      yaml: "name: cpu\n\tbackend: cpu\n",
      message: "YAML syntax error: found a tab character that violates indentation",
      line: 2, column: 1, hint: "indent with spaces"),
    BadInput(
      label: "a character that cannot start a token", kind: .engine,
      yaml: "name: cpu\nbackend: @cpu\n", message: "YAML syntax error: found character that cannot start any token",
      line: 2, column: 10, hint: "quote values that start with @"),
    BadInput(
      label: "duplicate YAML key", kind: .engine,
      yaml: "name: cpu\nbackend: cpu\nbackend: vulkan\n", message: "duplicate key 'backend' in a mapping", line: 2,
      column: 1),
    BadInput(
      label: "root not a mapping", kind: .matrix,
      yaml: "- engine\n- model\n", message: "the top level must be a mapping, found a list", line: 1, column: 1),
    BadInput(
      label: "scalar root", kind: .models,
      yaml: "just text\n", message: "the top level must be a mapping, found the string 'just text'", line: 1, column: 1),
    BadInput(
      label: "empty file", kind: .task, file: "tasks/t.yaml", yaml: "", message: "the file is empty", line: 1, column: 1
    ),
    BadInput(
      label: "comments only", kind: .models, yaml: "# nothing here\n", message: "the file is empty", line: 1, column: 1),
    BadInput(
      label: "engine name differs from the file name", kind: .engine,
      yaml: "name: gpu\nbackend: cpu\nbinary: /b\n",
      message: "engine name 'gpu' does not match the file name 'cpu'", line: 1, column: 7,
      hint: "write `name: cpu`, or rename the file to engines/gpu.yaml"),
    BadInput(
      label: "container engine without an image", kind: .engine,
      yaml: "name: cpu\nbackend: cpu\nmode: container\n", message: "missing required key 'image' in the engine file",
      line: 1, column: 1, hint: "add `image: ghcr.io/ggml-org/llama.cpp:server`"),
    BadInput(
      label: "container key on a process engine", kind: .engine,
      yaml: "name: cpu\nbackend: cpu\nbinary: /b\nimage: x\n", message: "image is only used with mode: container",
      line: 4, column: 1, hint: "add `mode: container`, or remove image"),
    BadInput(
      label: "unknown runtime", kind: .engine,
      yaml: "name: cpu\nbackend: cpu\nmode: container\nimage: i\nruntime: podmn\n",
      message: "unknown runtime 'podmn'; known values: auto, podman, docker", line: 5, column: 10,
      hint: "did you mean 'podman'?"),
    BadInput(
      label: "gpus on the cpu backend", kind: .engine,
      yaml: "name: cpu\nbackend: cpu\nbinary: /b\ngpus: [0]\n",
      message: "gpus selects GPUs, but the cpu backend uses none", line: 4, column: 7, hint: "remove gpus"),
    BadInput(
      label: "malformed HSA override", kind: .engine,
      yaml: "name: cpu\nbackend: rocm\nbinary: /b\nhsa_override_gfx_version: gfx1030\n",
      message: "hsa_override_gfx_version must look like 11.0.0, found 'gfx1030'", line: 4, column: 27,
      hint: "write the GFX version as major.minor.stepping, e.g. \"10.3.0\" for gfx1030"),
    BadInput(
      label: "missing required key", kind: .engine,
      yaml: "name: cpu\nbinary: /b\n", message: "missing required key 'backend' in the engine file", line: 1, column: 1),
    // Added with the trust review: alias bombs, expansion past the cell cap,
    // contradictions, path tricks and more wrong types.
    BadInput(
      label: "alias bomb as the model list", kind: .models,
      yaml:
        "a: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\ne: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\nmodels: *e\n",
      message: "unknown key 'a' in models.yaml", line: 1, column: 1),
    BadInput(
      label: "alias bomb as an axis", kind: .matrix, yaml: "axes:\n  engine: &e [cpu, &x [a, b]]\n  model: *e\n",
      message: "expected a string for axes.engine, found a list", line: 2, column: 20),
    BadInput(
      label: "a self-referencing alias", kind: .matrix,
      yaml: "axes: {engine: cpu, model: m}\ntasks: &t [arc, [*t, *t]]\n",
      message: "found undefined alias", line: 2, column: 18),
    BadInput(
      label: "a matrix past the cell cap", kind: .matrix,
      yaml:
        "axes:\n  engine: [a, b, c, d, e, f, g, h, i, j]\n  model: [a, b, c, d, e, f, g, h, i, j]\n  args:\n    threads: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]\n    ctx: [512, 1024, 2048, 4096, 8192, 16384, 32768, 65536, 131072, 262144]\n    batch: [1, 2]\n",
      message: "the axes multiply to 20000 cells, over the limit of 10000", line: 2, column: 3,
      hint: "narrow an axis"),
    BadInput(
      label: "repeats zero", kind: .matrix, yaml: "repeats: 0\naxes: {engine: cpu, model: m}\n",
      message: "repeats", line: 1, column: 10),
    BadInput(
      label: "repeats as a string", kind: .matrix, yaml: "repeats: many\naxes: {engine: cpu, model: m}\n",
      message: "expected an integer for repeats, found the string 'many'", line: 1, column: 10),
    BadInput(
      label: "axes as a list", kind: .matrix, yaml: "axes: [cpu, m]\n",
      message: "expected a mapping for axes, found a list",
      line: 1, column: 7),
    BadInput(
      label: "axes without a model axis", kind: .matrix, yaml: "axes:\n  engine: cpu\n",
      message: "missing required key 'model'", line: 2, column: 3),
    BadInput(
      label: "an exclude rule that is a string", kind: .matrix,
      yaml: "axes: {engine: cpu, model: m}\nexclude: [engine]\n", message: "expected a mapping", line: 2, column: 11),
    BadInput(
      label: "an override without when", kind: .matrix,
      yaml: "axes: {engine: cpu, model: m}\noverrides:\n  - repeats: 2\n", message: "missing required key 'when'",
      line: 3, column: 5),
    BadInput(
      label: "negative threads", kind: .matrix, yaml: "axes:\n  engine: cpu\n  model: m\n  args:\n    threads: [-2]\n",
      message: "threads", line: 5, column: 15),
    BadInput(
      label: "a task entry without a name", kind: .matrix,
      yaml: "axes: {engine: cpu, model: m}\ntasks: [{limit: 3}]\n", message: "missing required key 'name'", line: 2,
      column: 9),
    BadInput(
      label: "a task limit of zero", kind: .matrix,
      yaml: "axes: {engine: cpu, model: m}\ntasks: [{name: arc, limit: 0}]\n",
      message: "limit", line: 2, column: 28),
    BadInput(
      label: "models not a list", kind: .models, yaml: "models: {name: m}\n",
      message: "expected a list for models, found a mapping",
      line: 1, column: 9),
    BadInput(
      label: "a model without a name", kind: .models, yaml: "models:\n  - path: /m/x.Q4_0.gguf\n",
      message: "missing required key 'name'", line: 2, column: 5),
    BadInput(
      label: "a model name with a slash", kind: .models, yaml: "models:\n  - name: a/b\n    path: /m/x.Q4_0.gguf\n",
      message: "a/b", line: 2, column: 11),
    BadInput(
      label: "files as a list", kind: .models, yaml: "models:\n  - name: m\n    files: [/m/x.gguf]\n",
      message: "expected a mapping of quant tag to path for files, found a list", line: 3, column: 12),
    BadInput(
      label: "repo_id without owner", kind: .models,
      yaml: "models:\n  - name: q\n    repo_id: Qwen\n    quant_tags: [Q4_0]\n",
      message: "repo_id 'Qwen' is not of the form owner/name", line: 3, column: 14),
    BadInput(
      label: "unknown provider", kind: .models,
      yaml:
        "models:\n  - name: q\n    provider: openaj\n    base_url: https://x/v1\n    api_key_env: K\n    model: m\n",
      message: "unknown provider 'openaj'", line: 3, column: 15, hint: "did you mean 'openai'?"),
    BadInput(
      label: "unknown backend", kind: .engine, yaml: "name: cpu\nbackend: cuda12\nbinary: /b\n",
      message: "unknown backend 'cuda12'",
      line: 2, column: 10),
    BadInput(
      label: "unknown engine mode", kind: .engine, yaml: "name: cpu\nbackend: cpu\nmode: vm\nbinary: /b\n",
      message: "unknown mode 'vm'", line: 3, column: 7),
    BadInput(
      label: "env as a list", kind: .engine, yaml: "name: cpu\nbackend: cpu\nbinary: /b\nenv: [A=1]\n",
      message: "expected a mapping of variable name to value for env, found a list", line: 4, column: 6),
    BadInput(
      label: "args with a mapping entry", kind: .engine,
      yaml: "name: cpu\nbackend: cpu\nbinary: /b\nargs: [-t, {a: b}]\n",
      message: "expected a text value in args, found a mapping", line: 4, column: 12),
    BadInput(
      label: "unknown task kind", kind: .task, file: "tasks/t.yaml", yaml: "name: t\nkind: essay\nitems: /t.jsonl\n",
      message: "unknown kind 'essay'", line: 2, column: 7),
    BadInput(
      label: "task name differs from the file name", kind: .task, file: "tasks/t.yaml",
      yaml: "name: u\nkind: multiple_choice\nitems: /t.jsonl\n",
      message: "task name 'u' does not match the file name 't'",
      line: 1, column: 7),
    BadInput(
      label: "negative max_tokens", kind: .task, file: "tasks/t.yaml",
      yaml: "name: t\nkind: exact_answer\nitems: /t.jsonl\nmax_tokens: -1\n", message: "max_tokens", line: 4, column: 13
    ),
    BadInput(
      label: "a task without items", kind: .task, file: "tasks/t.yaml", yaml: "name: t\nkind: multiple_choice\n",
      message: "missing required key 'items'", line: 1, column: 1),
  ]

  @Test(arguments: cases)
  func badInputReportsMessageAndPosition(_ input: BadInput) throws {
    let file = input.file ?? input.kind.defaultFile
    let errors = input.kind.errors(yaml: input.yaml, file: file)
    let error = try #require(
      errors.first { $0.message.contains(input.message) },
      "no error contains '\(input.message)'; got:\n\(ConfigErrors(errors: errors))")
    #expect(error.location == SourceLocation(file: file, line: input.line, column: input.column), "\(error)")
    if !input.hint.isEmpty {
      #expect(error.hint.contains(input.hint), "\(error)")
    }
  }
}
