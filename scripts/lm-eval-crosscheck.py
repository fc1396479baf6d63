"""Helper of scripts/bench-vs-lm-eval: strata's answers against lm-evaluation-harness.

    export   DB PROJECT OUT   lm-eval task files for exactly the items strata asked,
                              with strata's prompts rebuilt here and checked against the
                              prompt hashes strata stored
    server   DB PORT          the argument list of the server strata started, one per
                              line, with PORT in place of strata's port
    lm-eval  ARGS…            lm-eval's command line, with its generate_until requests sent
                              in document order (strata's order) instead of longest first
                              (BENCH_LM_EVAL_ORDER=lm-eval keeps lm-eval's own order)
    compare  DB SAMPLES_DIR   per-item comparison and the report; exit 1 past the bounds

Run with the lm-eval virtualenv's python (PyYAML comes with lm-eval).
"""

import glob
import json
import os
import re
import sqlite3
import sys

import yaml

# The tasks compared: strata's task name → (the task_result method, the lm-eval task name).
TASKS = {"arc_easy": ("generative", "strata_xc_arc_easy"), "gsm8k": ("exact", "strata_xc_gsm8k")}
MAX_DELTA_POINTS = 2.0
MIN_AGREEMENT = 0.95

# lm-eval's own answer filters. ARC: the first capital option letter standing as a word
# (the replies are at most a few tokens after "Answer:"). GSM8K: lm-eval's gsm8k.yaml
# "flexible-extract" (the last number) and gsm8k-cot.yaml "strict-match" ("The answer
# is N.", made case-insensitive: OLMES's examples end "So the answer is N."), scored
# by its exact_match with gsm8k.yaml's normalisation.
ARC_FILTERS = [
    {"name": "letter", "filter": [
        {"function": "regex", "regex_pattern": r"\b([A-E])\b", "group_select": 0},
        {"function": "take_first"}]},
]
GSM8K_IGNORE = [",", r"\$", r"(?s).*#### ", r"\.$"]
GSM8K_FILTERS = [
    {"name": "flexible-extract", "filter": [
        {"function": "regex", "regex_pattern": r"(-?[$0-9.,]{2,})|(-?[0-9]+)", "group_select": -1},
        {"function": "take_first"}]},
    {"name": "strict-match", "filter": [
        {"function": "regex", "regex_pattern": r"(?i)the answer is (\-?[0-9\.\,]+)."},
        {"function": "take_first"}]},
]
PRIMARY_FILTER = {"arc_easy": "letter", "gsm8k": "flexible-extract"}


def fnv1a64(text):
    """strata's StableHash.hex: 64-bit FNV-1a over the UTF-8 bytes, 16 hex digits."""
    value = 0xCBF29CE484222325
    for byte in text.encode("utf-8"):
        value = ((value ^ byte) * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return f"{value:016x}"


def load_task(project, name):
    with open(os.path.join(project, "tasks", f"{name}.yaml")) as f:
        spec = yaml.safe_load(f)
    cache = os.environ.get("STRATA_CACHE") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "strata")
    path = os.path.expanduser(spec["items"].replace("${STRATA_CACHE}", cache))
    with open(path) as f:
        items = {item["id"]: item for item in map(json.loads, f)}
    return spec, items


def mc_prompt(item, few_shot):
    """MultipleChoicePrompt.completionText: few-shot text, then the query."""
    query = item.get("query")
    if query is None:
        options = "\n".join(f" {c['label']}. {c['text']}" for c in item["choices"])
        query = f"Question: {item['question']}\n{options}\nAnswer:"
    return ((item.get("fewshot") or "") if few_shot else "") + query


def exact_prompt(item, few_shot):
    """TaskExecution.runExactAnswers: few-shot text, then "Question: …\\nAnswer:"."""
    return ((item.get("fewshot") or "") if few_shot else "") + f"Question: {item['question']}\nAnswer:"


def continuation_hash(item, few_shot):
    rc = item["continuations"]
    context = ((rc.get("fewshot") or "") if few_shot else "") + rc["query"]
    return fnv1a64(context + "\x1f" + "\x1e".join(rc["texts"]))


def results(db, task, method):
    rows = db.execute(
        "SELECT itemId, promptHash, response, extracted, expected, correct FROM task_result"
        " WHERE task = ? AND method = ? ORDER BY rowid", (task, method)).fetchall()
    keys = ("itemId", "promptHash", "response", "extracted", "expected", "correct")
    return {row[0]: dict(zip(keys, row)) for row in rows}


def export(db_path, project, out):
    db = sqlite3.connect(db_path)
    os.makedirs(out, exist_ok=True)
    for name, (method, lm_task) in TASKS.items():
        spec, items = load_task(project, name)
        if spec.get("format") != "completion":
            sys.exit(f"{name}: format {spec.get('format')!r}; the cross-check sends raw text (format: completion)")
        few_shot = spec.get("prompt") == "few_shot"
        asked = results(db, name, method)
        if not asked:
            sys.exit(f"{name}: no {method} results in {db_path}")
        docs, mismatched = [], []
        for item_id, row in asked.items():
            item = items[item_id]
            if name == "arc_easy":
                context, target = mc_prompt(item, few_shot), item["answer"]
            else:
                context, target = exact_prompt(item, few_shot), item["answer"]
            if fnv1a64(context) != row["promptHash"]:
                mismatched.append(item_id)
            docs.append({"id": item_id, "context": context, "target": target, "prompt_hash": row["promptHash"]})
        if mismatched:
            sys.exit(f"{name}: rebuilt prompt differs from strata's for {len(mismatched)} items, e.g. {mismatched[:3]}")
        if name == "arc_easy":
            for other in ("letter_likelihood", "continuation_likelihood"):
                for item_id, row in results(db, name, other).items():
                    want = (fnv1a64(mc_prompt(items[item_id], few_shot)) if other == "letter_likelihood"
                            else continuation_hash(items[item_id], few_shot))
                    if want != row["promptHash"]:
                        sys.exit(f"{name}/{other}: prompt hash differs for {item_id}")
        data = os.path.join(out, f"{lm_task}.jsonl")
        with open(data, "w") as f:
            for doc in docs:
                f.write(json.dumps(doc, ensure_ascii=False) + "\n")
        # Generation as strata asks it: greedy, its stop texts and token limit. Multiple
        # choice stops at "\n" (TaskRunner); exact answers use the task's `stop`.
        if name == "arc_easy":
            until, max_tokens = ["\n"], spec.get("max_tokens", 8)
            filters = ARC_FILTERS
            metric = {"metric": "exact_match", "aggregation": "mean", "higher_is_better": True}
        else:
            until, max_tokens = spec.get("stop") or ["Question:", "\n\n"], spec.get("max_tokens", 256)
            filters = GSM8K_FILTERS
            metric = {"metric": "exact_match", "aggregation": "mean", "higher_is_better": True,
                      "ignore_case": True, "ignore_punctuation": False, "regexes_to_ignore": GSM8K_IGNORE}
        config = {
            "task": lm_task,
            "dataset_path": "json",
            "dataset_kwargs": {"data_files": {"test": os.path.abspath(data)}},
            "test_split": "test",
            "output_type": "generate_until",
            "doc_to_text": "context",
            "doc_to_target": "target",
            "num_fewshot": 0,
            "generation_kwargs": {"until": until, "max_gen_toks": max_tokens, "do_sample": False,
                                  "temperature": 0.0},
            "filter_list": filters,
            "metric_list": [metric],
            "metadata": {"version": 1.0},
        }
        with open(os.path.join(out, f"{lm_task}.yaml"), "w") as f:
            yaml.safe_dump(config, f, sort_keys=False, allow_unicode=True)
        print(f"{name}: {len(docs)} items, prompts match strata's hashes; stop {until!r}, max tokens {max_tokens}")


def server(db_path, port):
    db = sqlite3.connect(db_path)
    rows = db.execute("SELECT argumentsJSON FROM server ORDER BY id").fetchall()
    if len(rows) != 1:
        sys.exit(f"expected one server in {db_path}, found {len(rows)}")
    args = json.loads(rows[0][0])
    if "--port" not in args:
        sys.exit(f"no --port in strata's server arguments {args}")
    args[args.index("--port") + 1] = port
    print("\n".join(args))


def run_lm_eval(argv):
    """lm-eval's CLI; by default its generate_until requests keep the documents' order.

    llama-server reuses the KV cache of the longest prefix a prompt shares with the
    previous request (cache_prompt, on for strata's items and llama-server's default),
    and on the CPU backend the logits of the same prompt differ slightly with how much
    was reused. A near tie between two letters can flip with the request order, so the
    documents (strata's order) are sent as strata sent them: lm-eval's Collator is
    given a constant sort key (Python's sort is stable). Only the order changes; the
    requests, the filters and the metrics are lm-eval's own.
    """
    if os.environ.get("BENCH_LM_EVAL_ORDER", "strata") == "strata":
        import lm_eval.models.api_models as api_models

        class InDocumentOrder(api_models.Collator):
            def __init__(self, arr, sort_fn=None, **kwargs):
                super().__init__(arr, sort_fn=lambda _: 0, **kwargs)

        api_models.Collator = InDocumentOrder
    from lm_eval.__main__ import cli_evaluate

    sys.argv = ["lm_eval", *argv]
    cli_evaluate()


def samples(samples_dir, lm_task):
    found = sorted(glob.glob(os.path.join(samples_dir, "**", f"samples_{lm_task}_*.jsonl"), recursive=True))
    if not found:
        sys.exit(f"no lm-eval samples for {lm_task} under {samples_dir}")
    by_filter = {}
    with open(found[-1]) as f:
        for sample in map(json.loads, f):
            by_filter.setdefault(sample["filter"], {})[sample["doc"]["id"]] = sample
    return by_filter


def context_of(sample):
    args = sample["arguments"]
    first = args["gen_args_0"] if isinstance(args, dict) else args[0]
    return first["arg_0"] if isinstance(first, dict) else first[0]


def flat(value):
    while isinstance(value, list):
        value = value[0] if value else ""
    return value


def normalise_number(text):
    for pattern in GSM8K_IGNORE:
        text = re.sub(pattern, "", text)
    return text.strip().lower()


def pct(x):
    return f"{100 * x:5.1f}%"


def compare(db_path, samples_dir):
    db = sqlite3.connect(db_path)
    failures, lines = [], []
    for name, (method, lm_task) in TASKS.items():
        strata = results(db, name, method)
        by_filter = samples(samples_dir, lm_task)
        primary = by_filter[PRIMARY_FILTER[name]]
        ids = [i for i in strata if i in primary]
        if len(ids) != len(strata):
            failures.append(f"{name}: lm-eval answered {len(ids)} of strata's {len(strata)} items")
        n = len(ids)
        sent_same = sum(fnv1a64(context_of(primary[i])) == strata[i]["promptHash"] for i in ids)
        # strata stores exact answers trimmed (ThinkingSplit); lm-eval keeps the leading space.
        reply_same = sum(flat(primary[i]["resps"]).strip() == strata[i]["response"].strip() for i in ids)
        acc_s = sum(bool(strata[i]["correct"]) for i in ids) / n
        lines.append(f"{name} ({n} items; strata {method} vs lm-eval generate_until, filter {PRIMARY_FILTER[name]})")
        lines.append(f"  prompts lm-eval sent equal to strata's (FNV-1a): {sent_same}/{n}; identical raw replies: "
                     f"{reply_same}/{n} (surrounding whitespace ignored)")
        for filter_name, by_id in by_filter.items():
            acc_l = sum(float(by_id[i]["exact_match"]) for i in ids) / n
            verdict = sum(bool(strata[i]["correct"]) == (float(by_id[i]["exact_match"]) > 0) for i in ids) / n
            if name == "arc_easy":
                same = sum((strata[i]["extracted"] or "[invalid]") == flat(by_id[i]["filtered_resps"]) for i in ids)
            else:
                same = sum((strata[i]["extracted"] or "[invalid]") == normalise_number(flat(by_id[i]["filtered_resps"]))
                           for i in ids)
            delta = 100 * (acc_s - acc_l)
            tag = "" if filter_name == PRIMARY_FILTER[name] else "  (informational)"
            lines.append(f"  accuracy strata {pct(acc_s)}  lm-eval[{filter_name}] {pct(acc_l)}  Δ {delta:+5.1f} pts  "
                         f"verdict agreement {pct(verdict)}  same extracted answer {pct(same / n)}{tag}")
            if filter_name == PRIMARY_FILTER[name]:
                if abs(delta) > MAX_DELTA_POINTS:
                    failures.append(f"{name}: |Δ accuracy| {abs(delta):.1f} points > {MAX_DELTA_POINTS}")
                if verdict < MIN_AGREEMENT:
                    failures.append(f"{name}: verdict agreement {pct(verdict).strip()} < {pct(MIN_AGREEMENT).strip()}")
        # Items whose verdicts differ; for ARC with the letter probabilities strata's
        # letter_likelihood measured on the same prompt (a near tie flips on small changes).
        letters = {r[0]: json.loads(r[1]) for r in db.execute(
            "SELECT itemId, probabilitiesJSON FROM task_result WHERE task = ? AND method = 'letter_likelihood'"
            " AND probabilitiesJSON IS NOT NULL", (name,))}
        differing = [i for i in ids if bool(strata[i]["correct"]) != (float(primary[i]["exact_match"]) > 0)]
        for i in differing[:10]:
            probs = ""
            if i in letters:
                top = sorted(letters[i].items(), key=lambda kv: -kv[1])[:2]
                probs = "; P " + " ".join(f"{k}={v:.3f}" for k, v in top)
            lines.append(f"    differs {i}: strata {strata[i]['response']!r} → {strata[i]['extracted']} "
                         f"({'right' if strata[i]['correct'] else 'wrong'}); lm-eval {flat(primary[i]['resps'])!r} → "
                         f"{flat(primary[i]['filtered_resps'])!r}; answer {strata[i]['expected']}{probs}"[:300])
    # strata's three ways of asking ARC-Easy, on the same items.
    methods = {m: results(db, "arc_easy", m) for m in ("generative", "letter_likelihood", "continuation_likelihood")}
    common = [i for i in methods["generative"] if all(i in rows for rows in methods.values())]
    n = len(common)
    lines.append(f"arc_easy, strata's methods on the same {n} items")
    for m, rows in methods.items():
        lines.append(f"  {m:<24} accuracy {pct(sum(bool(rows[i]['correct']) for i in common) / n)}")
    pairs = [("generative", "letter_likelihood"), ("generative", "continuation_likelihood"),
             ("letter_likelihood", "continuation_likelihood")]
    for a, b in pairs:
        verdict = sum(bool(methods[a][i]["correct"]) == bool(methods[b][i]["correct"]) for i in common) / n
        extra = ""
        if b == "letter_likelihood":
            same = sum(methods[a][i]["extracted"] == methods[b][i]["extracted"] for i in common) / n
            extra = f", same letter {pct(same)}"
        lines.append(f"  {a} vs {b}: verdict agreement {pct(verdict)}{extra}")
    print("\n".join(lines))
    for failure in failures:
        print("FAIL " + failure)
    return 1 if failures else 0


if __name__ == "__main__":
    command, *rest = sys.argv[1:] or ["help"]
    if command == "export" and len(rest) == 3:
        export(*rest)
    elif command == "server" and len(rest) == 2:
        server(*rest)
    elif command == "lm-eval":
        run_lm_eval(rest)
    elif command == "compare" and len(rest) == 2:
        sys.exit(compare(*rest))
    else:
        sys.exit(__doc__)
