"""Outcomes of a run's gate cases and the end-of-run summary, from structured reports.

Runs in the process that owns the terminal (under xdist: the controller, on
the reports workers send), so counts and tables are the same with or without ``-n``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from keras_gate.report import RoundTripReport
from keras_gate.versions import stack_versions


@dataclass
class GateOutcomes:
    """How many gate cases reported, how many ran, and which weights they used."""

    reported: int = 0
    ran: int = 0
    weight_sources: dict[str, str] = field(default_factory=dict)

    def add(self, report) -> None:
        props = dict(report.user_properties or ())
        if "check" not in props:
            return
        if report.when == "call" or (report.when == "setup" and not report.passed):
            self.reported += 1
            self.ran += int(not report.skipped or hasattr(report, "wasxfail"))
        if "weight_source" in props:
            self.weight_sources[props["model"]] = props["weight_source"]

    @property
    def nothing_ran(self) -> bool:
        return bool(self.reported) and not self.ran


class SummaryCollector:
    """Feeds every test report to the run's round-trip report and outcome count."""

    def __init__(self):
        self.report = RoundTripReport()
        self.outcomes = GateOutcomes()

    def pytest_runtest_logreport(self, report):
        self.report.add(report)
        self.outcomes.add(report)

    def write_summary(self, terminal, report_path: str | None) -> None:
        """The end-of-run sections: nothing ran, round trips, weight sources."""
        if self.outcomes.nothing_ran:
            terminal.section("keras gate: NOTHING RAN", red=True)
            terminal.write_line(
                f"all {self.outcomes.reported} gate cases were skipped: a gate that ran "
                "nothing did not pass (exit status 1)."
            )
        if self.report.records:
            terminal.section("keras gate: round trips")
            for line in self.report.text_lines():
                terminal.write_line(line)
            if report_path:
                for path in self.report.write(Path(report_path), stack_versions()):
                    terminal.write_line(f"report written: {path}")
        if self.outcomes.weight_sources:
            terminal.section("keras gate: weight sources used")
            by_source: dict[str, list[str]] = {}
            for model, source in self.outcomes.weight_sources.items():
                by_source.setdefault(source, []).append(model)
            for source, models in sorted(by_source.items()):
                terminal.write_line(f"{source}: {', '.join(models)}")
