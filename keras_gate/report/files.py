"""The run's round-trip report: terminal table, JSON and Markdown files.

Every gate case (round trips and oracle checks) gets a record (``report.record``:
identity, verdict, symptom, known-failure entries, findings, figures). The
round-trip table shows the round trips; verdict baselines (``verdicts``) use them all.

Built in the process that owns the terminal from the test reports (under
xdist: the reports the workers send to the controller), so it is the same
with or without ``-n``.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

from keras_gate.engine.formats import all_formats
from keras_gate.report.html import html_report
from keras_gate.report.reasons import REASON_WIDTH, reason
from keras_gate.report.record import (
    CaseRecord,
    is_case_report,
    record_for,
    record_to_json,
    write_json,
)


class RoundTripReport:
    """Collects every gate case's reports; renders the round trips as a table."""

    def __init__(self):
        self.records: dict[str, CaseRecord] = {}

    def add(self, report) -> CaseRecord | None:
        """Fold a gate case's report into its record (its identity from
        ``user_properties``); None for a report of another test."""
        if not is_case_report(report):
            return None
        record = self.records.setdefault(report.nodeid, record_for(report))
        record.add(report)
        return record

    def rows(self, check: str | None = "roundtrip") -> list[CaseRecord]:
        """Records of ``check`` (None: all), by model, seed scenario first, format."""
        subjects = {fmt.name: i for i, fmt in enumerate(all_formats())}
        return sorted(
            (r for r in self.records.values() if check is None or r.check == check),
            key=lambda r: (
                r.model,
                r.check,
                r.scenario != "default",
                r.scenario,
                subjects.get(r.subject, -1),
            ),
        )

    def table(
        self, changes: dict | None = None, reason_width: int = REASON_WIDTH
    ) -> list[list[str]]:
        """Header and rows of the round trips; with ``changes`` (case key -> class
        against a baseline), a column marking each row's class. Reasons are cut at
        ``reason_width``."""
        header = ["model", "scenario", "format", "verdict", "max abs", "max rel", "weights"]
        header += ["device", "seconds"] + (["vs baseline"] if changes is not None else [])
        header.append("reason")
        rows = []
        for r in self.rows():
            row = [
                r.model,
                r.scenario,
                r.format_label,
                str(r.verdict),
                _num(r.max_abs),
                _num(r.max_rel),
                _weights_column(r),
                r.device,
                f"{r.seconds:.1f}",
            ]
            if changes is not None:
                row.append(changes.get(r.key, "-"))
            row.append(reason(r, reason_width))
            rows.append(row)
        return [header, *rows]

    def counts_line(self) -> str:
        """``N cases: n pass, n xfail, ...`` over the round trips."""
        found: dict[str, int] = {}
        for record in self.rows():
            verdict = str(record.verdict)
            found[verdict] = found.get(verdict, 0) + 1
        parts = ", ".join(f"{n} {verdict}" for verdict, n in sorted(found.items()))
        return f"{sum(found.values())} round trips: {parts}"

    def text_lines(self, changes: dict | None = None, width: int = 0) -> list[str]:
        """The table as text; the reason column (the last) wrapped to ``width`` columns
        in all (0: not wrapped), never cut."""
        table = self.table(changes, reason_width=0)
        widths = [max(len(row[i]) for row in table) for i in range(len(table[0]) - 1)]
        indent = sum(widths) + 2 * len(widths)
        room = max(width - indent, 30) if width else 0
        lines = []
        for row in table:
            start = "  ".join(cell.ljust(w) for cell, w in zip(row[:-1], widths))
            wrapped = textwrap.wrap(row[-1], room, break_on_hyphens=False) if room else [row[-1]]
            wrapped = wrapped or [""]
            lines.append(f"{start}  {wrapped[0]}".rstrip())
            lines += [" " * indent + more for more in wrapped[1:]]
        return [self.counts_line(), *lines]

    def markdown(self, stack: dict[str, str], comparison=None) -> str:
        changes = comparison.by_key() if comparison is not None else None
        table = self.table(changes, reason_width=0)  # a page wraps what a terminal would cut
        lines = ["## Keras serialization gate", "", ", ".join(f"{k} {v}" for k, v in stack.items())]
        lines += [""]
        if comparison is not None:  # what changed comes first
            lines += [comparison.markdown(), ""]
        lines += [
            "## Round trips",
            "",
            self.counts_line(),
            "",
            "| " + " | ".join(table[0]) + " |",
            "|" + "---|" * len(table[0]),
        ]
        for row in table[1:]:  # a finding's text has pipes of its own (max|diff|)
            lines.append("| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |")
        return "\n".join(lines) + "\n"

    @staticmethod
    def paths(base: Path) -> tuple[Path, Path, Path]:
        """The JSON, Markdown and HTML files of ``--roundtrip-report=base``."""
        base = Path(base)
        if base.suffix in (".json", ".md", ".html"):
            base = base.with_suffix("")
        # Appended, not swapped: a base like reports/keras-3.15.1 keeps its ".1".
        return tuple(base.with_name(base.name + suffix) for suffix in (".json", ".md", ".html"))

    def write(
        self, base: Path, stack: dict[str, str], comparison=None, shard=None, shards=None
    ) -> list[Path]:
        """Write ``base``.json, ``base``.md and ``base``.html (a suffix on ``base`` is
        replaced).

        ``shard``: this run's shard (``ShardPlan.as_json()`` plus ``measured_s``);
        ``shards``: every shard's, for a report merged from shards (``keras_gate.report.merge``).
        """
        json_path, md_path, html_path = self.paths(base)
        payload = {"stack": stack, "cases": [record_to_json(r) for r in self.rows(None)]}
        if comparison is not None:
            payload["comparison"] = comparison.as_json()
        if shard is not None:
            payload["shard"] = shard
        if shards is not None:
            payload["shards"] = shards
        write_json(json_path, payload, indent=2)
        markdown = self.markdown(stack, comparison)
        if shard is not None or shards is not None:
            markdown += "\n" + shards_markdown([shard] if shard is not None else shards)
        md_path.write_text(markdown)
        page = html_report(
            self.rows(None), stack, comparison, title=f"Keras serialization gate: {html_path.stem}"
        )
        html_path.write_text(page)
        return [json_path, md_path, html_path]


def shards_markdown(shards: list[dict]) -> str:
    """The shards' table: what each held, its predicted and measured seconds."""
    lines = [
        "## Shards",
        "",
        "Test time: the sum of the tests' setup + call + teardown seconds (what pytest-split",
        "stores and predicts from); wall: the shard's pytest session, all its workers.",
        "",
        "| shard | models/tests | tests | predicted test time s | test time s | wall s |",
        "|---|---|---|---|---|---|",
    ]

    def seconds(value) -> str:
        return "-" if value is None else f"{value:.0f}"

    for shard in shards:
        lines.append(
            f"| {shard['group']}/{shard['splits']} | {len(shard['units'])} | {shard['cases']} "
            f"| {shard['predicted_s'][shard['group'] - 1]:.0f} | {seconds(shard.get('tests_s'))} "
            f"| {seconds(shard.get('measured_s'))} |"
        )
    walls = [shard["measured_s"] for shard in shards if shard.get("measured_s") is not None]
    if len(walls) > 1:
        mean = sum(walls) / len(walls)
        lines += ["", f"slowest shard's wall: {max(walls) / mean:.2f} x the mean ({mean:.0f} s)"]
    return "\n".join(lines) + "\n"


def _num(value: float | None) -> str:
    return "-" if value is None else f"{value:.3g}"


def _weights_column(record: CaseRecord) -> str:
    """The weight source, and how the case ran where that is not the default."""
    notes = [] if record.safe_mode else ["safe_mode off"]
    if record.inference != "graph walk":
        notes.append(record.inference)
    return f"{record.weight_source} ({'; '.join(notes)})" if notes else record.weight_source
