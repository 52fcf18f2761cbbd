"""Verdict baselines: save a run's verdicts, compare a later run against them.

``--save-verdicts=PATH`` writes every gate case's verdict, symptom, known-failure
entries and figures with the stack versions; ``--compare-verdicts=PATH`` classifies
each case of this run against it (``CHANGES``). The question it answers before an
upgrade: what does the candidate release break that the release we run does not?
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from keras_gate.report.record import (
    CaseKey,
    CaseRecord,
    RecordsFileError,
    Verdict,
    read_records,
    record_to_json,
    write_json,
)

SCHEMA = "keras-gate-verdicts/2"
"""Version 2 keeps known-failure ids as lists and the findings; version 1 files
(ids ``,``-joined, no findings) still load."""
READABLE = ("keras-gate-verdicts/1", SCHEMA)

CHANGES = {
    "new failure": "a finding the baseline's case did not have, whatever either verdict "
    "(a known defect that appears with this release included), or a new case that fails",
    "partly fixed": "fails on both; some of the baseline's findings are gone, none is new",
    "fixed": "failed on the baseline, passes here",
    "changed": "fails on both with the same findings, but another verdict or known-failure "
    "entry; against a baseline without findings (schema 1): another symptom",
    "known failure": "against a baseline without findings (schema 1): fails here as a "
    "known-failure entry says, passed there",
    "still failing": "fails on both, with the same findings",
    "still passing": "passes on both",
    "skipped": "skipped here, or skipped in the baseline and not failing here: judged in "
    "neither run, so never passing",
    "new case": "not in the baseline",
    "gone": "in the baseline, not run here",
}
"""Each case's class against the baseline, in the order the summary shows them."""

FAILING_CLASSES = ("new failure",)
"""Classes that fail a run under ``--fail-on=new``."""


class VerdictsFileError(ValueError):
    """A baseline that cannot be read; the message names the file."""


@dataclass(frozen=True)
class Baseline:
    stack: dict
    records: dict[tuple, CaseRecord]
    path: Path
    schema: str = SCHEMA

    @property
    def by_findings(self) -> bool:
        """Whether its records hold their findings (schema 2 on): compared finding by
        finding; a schema-1 baseline by verdict and symptom."""
        return self.schema != READABLE[0]


def save_verdicts(path: Path, records: list[CaseRecord], stack: dict) -> Path:
    """Write ``records`` and ``stack`` as JSON to ``path`` (written whole, then renamed)."""
    payload = {
        "schema": SCHEMA,
        "stack": stack,
        "cases": [record_to_json(record) for record in records],
    }
    return write_json(path, payload, indent=1, sort_keys=True)


def load_verdicts(path: Path) -> Baseline:
    path = Path(path)
    try:
        payload, records = read_records(path)
    except RecordsFileError as error:
        raise VerdictsFileError(f"--compare-verdicts={error}") from None
    if payload.get("schema") not in READABLE:
        raise VerdictsFileError(
            f"--compare-verdicts={path}: schema {payload.get('schema')!r}, expected "
            f"{SCHEMA!r} (write one with --save-verdicts)"
        )
    records = {r.key: r for r in records}
    return Baseline(payload.get("stack", {}), records, path, payload["schema"])


@dataclass
class Change:
    """One case's class against the baseline, with both verdicts and symptoms."""

    change: str
    key: tuple
    baseline: CaseRecord | None
    current: CaseRecord | None
    note: str = ""

    @property
    def case(self) -> str:
        return CaseKey(*self.key).label


def _symptom(record: CaseRecord) -> str:
    """What a failure looked like: the known-failure entries it showed, else its
    exception class (the message carries figures that may move)."""
    if record.verdict == Verdict.XFAIL and record.shown:
        return f"known failure {','.join(record.shown)}"
    return record.symptom.split(":", 1)[0] or str(record.verdict)


def finding_keys(record: CaseRecord) -> dict[tuple, str]:
    """A failing case's findings by identity (``Finding.key``: figures left out) with
    their text; a failure that carries none (a ground-truth violation) by its class."""
    if not record.failing:
        return {}
    if record.findings:
        return {finding.key: str(finding) for finding in record.findings}
    kind = record.symptom.split(":", 1)[0] or str(record.verdict)
    return {("failure", "", kind): record.symptom}


def classify_change(
    base: CaseRecord | None, now: CaseRecord | None, by_findings: bool = True
) -> tuple[str, str]:
    """``(class, note)`` of one case (``CHANGES``); ``by_findings=False`` for a baseline
    whose records hold no findings (schema 1)."""
    if base is None:
        unexpected = now.verdict.unexpected
        return ("new failure", "a new case that fails") if unexpected else ("new case", "")
    if now is None:
        return "gone", ""
    if now.verdict == Verdict.SKIP or (base.verdict == Verdict.SKIP and not now.failing):
        return "skipped", now.symptom if now.verdict == Verdict.SKIP else base.symptom
    if not now.failing:
        if base.failing:
            return "fixed", ""
        return "still passing", ""
    if not by_findings:
        return _classify_by_symptom(base, now)
    before, after = finding_keys(base), finding_keys(now)
    new = [text for key, text in after.items() if key not in before]
    if new:
        known = f" (known failure {','.join(now.shown)})" if now.shown else ""
        more = f" (+{len(new) - 3} more)" if len(new) > 3 else ""
        return "new failure", f"new: {'; '.join(new[:3])}{more}{known}"
    gone = [text for key, text in before.items() if key not in after]
    if gone:
        more = f" (+{len(gone) - 3} more)" if len(gone) > 3 else ""
        return "partly fixed", f"gone: {'; '.join(gone[:3])}{more}"
    was, now_shows = _symptom(base), _symptom(now)
    if (base.verdict, was) != (now.verdict, now_shows):
        return "changed", f"same findings; {base.verdict} {was} -> {now.verdict} {now_shows}"
    return "still failing", ""


def _classify_by_symptom(base: CaseRecord, now: CaseRecord) -> tuple[str, str]:
    """The comparison against a schema-1 baseline: verdicts and symptoms only."""
    if now.verdict == Verdict.XFAIL and not base.failing:
        return "known failure", f"shows {','.join(now.shown)}"
    if not base.failing:
        return "new failure", now.symptom
    if now.verdict != Verdict.XFAIL and base.verdict == Verdict.XFAIL:
        # The cell's known cause no longer explains what it does now.
        return "new failure", f"was {_symptom(base)}; now unexpected: {now.symptom}"
    before, after = _symptom(base), _symptom(now)
    if before != after:
        return "changed", f"{before} -> {after}"
    return "still failing", ""


def compare(baseline: Baseline, records: list[CaseRecord], built=None) -> list[Change]:
    """Every case of this run and of the baseline, classified; in ``CHANGES`` order.

    ``built``: only the baseline's cases of these ``(model, scenario)`` pairs (a
    shard's built models: the other shards' cases are not gone, they run
    elsewhere); None: all of them.
    """
    current = {record.key: record for record in records}
    theirs = [key for key in baseline.records if built is None or key[1:3] in built]
    keys = list(dict.fromkeys([*current, *theirs]))
    changes = []
    for key in keys:
        base, now = baseline.records.get(key), current.get(key)
        change, note = classify_change(base, now, baseline.by_findings)
        if change == "new failure" and now is not None and now.reproducer:
            # What to attach upstream: the file written for this very failure.
            note += f"; reproducer: {Path(now.reproducer).name}"
        changes.append(Change(change, key, base, now, note))
    order = list(CHANGES)
    return sorted(changes, key=lambda c: (order.index(c.change), c.key))


def counts(changes: list[Change]) -> dict[str, int]:
    found = {name: 0 for name in CHANGES}
    for change in changes:
        found[change.change] += 1
    return {name: n for name, n in found.items() if n}


def no_longer_reproducing(records: list[CaseRecord], stack: dict, baseline: Baseline | None):
    """One line per known-failure entry that no longer shows here: its cases pass
    (``XPASS(strict)``), or, against a baseline, it showed there and shows in none of
    the cases it still covers here (another entry fails them: a partial fix)."""
    gone: dict[str, list[str]] = {}

    def note(name, record):
        gone.setdefault(name, []).append(Change("", record.key, None, record).case)

    for record in records:
        if record.verdict == Verdict.XPASS_STRICT:
            for name in record.known_failures:
                note(name, record)
    if baseline is not None:
        shown_here = {name for record in records for name in record.shown}
        for record in records:
            base = baseline.records.get(record.key)
            if base is None or record.verdict == Verdict.XPASS_STRICT:
                continue
            for name in [n for n in base.shown if n not in shown_here]:
                if name in record.known_failures:
                    note(name, record)
    here = f"keras {stack.get('keras')}"
    before = f" (reproduced on keras {baseline.stack.get('keras')})" if baseline else ""
    return [
        f"known failure {name!r} no longer reproduces since {here}{before}: "
        f"{len(cases)} case(s), e.g. {', '.join(cases[:3])}"
        for name, cases in gone.items()
    ]


@dataclass
class ComparisonTable:
    """The comparison as rows for the terminal, Markdown and JSON."""

    baseline: Baseline
    changes: list[Change] = field(default_factory=list)

    HEADER = ("change", "case", "baseline", "here", "note")

    def rows(self, everything: bool = False) -> list[tuple[str, ...]]:
        quiet = () if everything else ("still passing",)
        return [
            (
                c.change,
                c.case,
                str(c.baseline.verdict) if c.baseline else "-",
                str(c.current.verdict) if c.current else "-",
                c.note,
            )
            for c in self.changes
            if c.change not in quiet
        ]

    def by_key(self) -> dict[tuple, str]:
        return {c.key: c.change for c in self.changes}

    def heading(self) -> str:
        found = ", ".join(f"{n} {name}" for name, n in counts(self.changes).items())
        base = self.baseline.stack
        return (
            f"against {self.baseline.path} (keras {base.get('keras')}, "
            f"{base.get('backend')}): {found or 'no cases'}"
        )

    def text_lines(self) -> list[str]:
        rows = [self.HEADER, *self.rows()]
        widths = [max(len(row[i]) for row in rows) for i in range(len(self.HEADER) - 1)]
        return [self.heading()] + [
            "  ".join(cell.ljust(w) for cell, w in zip(row[:-1], widths)) + f"  {row[-1]}"
            for row in rows
        ]

    def markdown(self) -> str:
        lines = ["## Against the baseline", "", self.heading(), ""]
        lines += ["| " + " | ".join(self.HEADER) + " |", "|" + "---|" * len(self.HEADER)]
        lines += [
            "| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |"
            for row in self.rows()
        ]
        return "\n".join(lines) + "\n"

    def as_json(self) -> dict:
        return {
            "baseline": {"path": str(self.baseline.path), "stack": self.baseline.stack},
            "counts": counts(self.changes),
            "cases": [dict(zip(self.HEADER, row)) for row in self.rows(everything=True)],
        }
