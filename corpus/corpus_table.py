"""The corpus table for docs/corpus.md, from the gate's own round-trip reports.

    python corpus_table.py LABEL=report.json [LABEL=report.json ...] > table.md

Each report is one ``--roundtrip-report`` JSON of a corpus run (one Keras, one
backend); LABEL names its column. A cell is the case's verdict: ``pass``, the
known-failure entry it reproduced (``known: <id>``), ``limitation`` (a format's
documented limitation, with its way out in the run's output), or the red verdict.
"""

from __future__ import annotations

import json
import sys
from collections import Counter

RED = ("FAIL", "ERROR", "XPASS(strict)")


def cell(case: dict) -> str:
    verdict = case["verdict"]
    if verdict == "xfail":
        shown = case.get("shown") or case.get("known_failures")
        return f"known: {shown}" if shown else "limitation"
    return verdict


def summary(cases: list[dict]) -> Counter:
    found = Counter()
    for case in cases:
        text = cell(case)
        found["known failure" if text.startswith("known: ") else text] += 1
    return found


def main(arguments: list[str]) -> None:
    columns = []
    for argument in arguments:
        label, _, path = argument.partition("=")
        with open(path) as handle:
            report = json.load(handle)
        cases = [c for c in report["cases"] if c["check"] == "roundtrip"]
        columns.append((label, report.get("stack", {}), cases))
    print(
        "| run | stack | cases | "
        + " | ".join(("pass", "known failure", "limitation", "skip", *RED))
        + " |"
    )
    print("|---|---|---|" + "---|" * (4 + len(RED)))
    for label, stack, cases in columns:
        counts = summary(cases)
        versions = ", ".join(f"{k} {v}" for k, v in sorted(stack.items()) if v)
        row = [str(counts.get(k, 0)) for k in ("pass", "known failure", "limitation", "skip", *RED)]
        print(f"| {label} | {versions} | {len(cases)} | " + " | ".join(row) + " |")
    print()
    keys = sorted({(c["model"], c["subject"]) for _, _, cases in columns for c in cases})
    by_label = {
        label: {(c["model"], c["subject"]): c for c in cases} for label, _, cases in columns
    }
    print("| model | format | " + " | ".join(label for label, _, _ in columns) + " |")
    print("|---|---|" + "---|" * len(columns))
    for model, subject in keys:
        cells = []
        for label, _, _ in columns:
            case = by_label[label].get((model, subject))
            cells.append("-" if case is None else cell(case))
        print(f"| {model} | {subject} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main(sys.argv[1:])
