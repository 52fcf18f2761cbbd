"""Merge the shards of one gate run into one report (and one verdicts file).

    python -m keras_gate.merge shards/*/gate.json --report report/gate \\
        [--save-verdicts verdicts/pinned.json] [--compare-verdicts pinned.json]

Each input is a shard's ``--roundtrip-report`` JSON or ``--save-verdicts`` file
(both carry every case's record and the stack). The shards must come from one
stack and hold disjoint cases. Writes the merged JSON/Markdown (the round trips,
the comparison with a baseline over every shard's cases, and the shards' table:
predicted and measured seconds) and prints the same.

Exit status: 0; 1 if a case failed (``--fail-on=any``, the default without a
baseline) or a case is a new failure against the baseline (``--fail-on=new``,
the default with one); 2 for input that cannot be merged (the message names the file).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from keras_gate.report.files import RoundTripReport, shards_markdown
from keras_gate.report.record import CaseRecord, RecordsFileError, read_records
from keras_gate.report.verdicts import (
    FAILING_CLASSES,
    ComparisonTable,
    VerdictsFileError,
    compare,
    load_verdicts,
    save_verdicts,
)


class MergeError(ValueError):
    """Shard files that cannot be merged; the message names the file."""


def read_shard(path: Path) -> tuple[dict, list[CaseRecord], dict | None]:
    """``(stack, records, shard)`` of one shard's report or verdicts file."""
    try:
        payload, records = read_records(path)
    except RecordsFileError as error:
        raise MergeError(str(error)) from None
    return payload.get("stack", {}), records, payload.get("shard")


def merge(paths: list[Path]) -> tuple[dict, list[CaseRecord], list[dict]]:
    """The shards' common stack, all their records, and their shard entries."""
    if not paths:
        raise MergeError("no shard files given")
    stack, records, shards = None, {}, []
    first = None
    for path in paths:
        their_stack, their_records, shard = read_shard(path)
        if stack is None:
            stack, first = their_stack, path
        elif their_stack != stack:
            raise MergeError(f"{path}: ran on {their_stack}, but {first} on {stack}")
        for record in their_records:
            if record.key in records:
                other, _ = records[record.key]
                raise MergeError(f"{path}: case {tuple(record.key)} is also in {other}")
            records[record.key] = (path, record)
        if shard is not None:
            # Reports written before the field existed: the same sum, from their cases.
            shard.setdefault("tests_s", round(sum(r.seconds for r in their_records), 1))
            shards.append(shard)
    shards.sort(key=lambda shard: shard["group"])
    return stack, [record for _, record in records.values()], shards


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("shards", nargs="+", type=Path, help="the shards' report or verdicts JSON")
    parser.add_argument("--report", required=True, type=Path, help="merged report path (.json/.md)")
    parser.add_argument("--save-verdicts", type=Path, help="also write the merged verdicts here")
    parser.add_argument("--compare-verdicts", type=Path, help="baseline verdicts to compare with")
    parser.add_argument("--fail-on", choices=("new", "any"), help="as the plugin's option")
    args = parser.parse_args(argv)
    try:
        stack, records, shards = merge(args.shards)
        baseline = load_verdicts(args.compare_verdicts) if args.compare_verdicts else None
    except (MergeError, VerdictsFileError) as error:
        print(f"keras_gate.report.merge: {error}", file=sys.stderr)
        return 2
    report = RoundTripReport()
    report.records = {repr(record.key): record for record in records}
    comparison = None
    if baseline is not None:
        comparison = ComparisonTable(baseline, compare(baseline, report.rows(None)))
        for line in comparison.text_lines():
            print(line)
    for line in report.text_lines(comparison.by_key() if comparison else None):
        print(line)
    if shards:
        print(shards_markdown(shards), end="")
    written = report.write(args.report, stack, comparison, shards=shards or None)
    if args.save_verdicts:
        written.append(save_verdicts(args.save_verdicts, report.rows(None), stack))
    for path in written:
        print(f"written: {path}")
    fail_on = args.fail_on or ("new" if baseline is not None else "any")
    if fail_on == "new" and comparison is not None:
        return int(any(change.change in FAILING_CLASSES for change in comparison.changes))
    return int(any(record.verdict.fails_run for record in records))


if __name__ == "__main__":
    sys.exit(main())
