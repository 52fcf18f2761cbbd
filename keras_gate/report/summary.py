"""Outcomes of a run's gate cases and the end-of-run summary, from structured reports.

Runs in the process that owns the terminal (under xdist: the controller, on
the reports workers send), so counts, tables, files and the exit status are
the same with or without ``-n``.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from keras_gate.engine.runtime.versions import stack_versions
from keras_gate.report.files import RoundTripReport
from keras_gate.report.html import summary_fragment
from keras_gate.report.record import CaseRecord
from keras_gate.report.verdicts import (
    FAILING_CLASSES,
    Baseline,
    ComparisonTable,
    VerdictsFileError,
    classify_change,
    compare,
    counts,
    load_verdicts,
    no_longer_reproducing,
    save_verdicts,
)


@dataclass
class GateOutcomes:
    """How many gate cases reported, how many ran, and which weights they used."""

    reported: int = 0
    ran: int = 0
    weight_sources: dict[str, str] = field(default_factory=dict)

    def add(self, report, record: CaseRecord) -> None:
        """Count one report of a gate case (``record``: the case's record so far)."""
        if report.when == "call" or (report.when == "setup" and not report.passed):
            self.reported += 1
            self.ran += int(not report.skipped or hasattr(report, "wasxfail"))
        if record.weight_source != "?":
            self.weight_sources[record.model] = record.weight_source

    @property
    def nothing_ran(self) -> bool:
        return bool(self.reported) and not self.ran


@dataclass(frozen=True)
class SummaryOptions:
    report_path: str | None = None
    save_verdicts: str | None = None
    baseline: Baseline | None = None
    fail_on: str = "any"
    """``new``: only a new failure against the baseline fails the run; ``any``: any;
    ``none``: no gate case's verdict does (recording a baseline)."""

    @classmethod
    def from_config(cls, config) -> SummaryOptions:
        """The report, verdict and exit-status options, resolved (the baseline read
        where the run is summarised, never in an xdist worker)."""
        compare_path = config.getoption("compare_verdicts")
        baseline = None
        if compare_path and not hasattr(config, "workerinput"):
            try:
                baseline = load_verdicts(Path(compare_path).expanduser())
            except VerdictsFileError as error:
                raise pytest.UsageError(str(error)) from None
        report_path, save_path = (
            config.getoption("roundtrip_report"),
            config.getoption("save_verdicts"),
        )
        if report_path and save_path:
            if Path(save_path) in RoundTripReport.paths(Path(report_path)):
                raise pytest.UsageError(
                    f"--save-verdicts={save_path} is a file --roundtrip-report={report_path} "
                    "writes too: give them different names"
                )
        return cls(
            report_path=report_path,
            save_verdicts=save_path,
            baseline=baseline,
            fail_on=config.getoption("fail_on") or ("new" if baseline is not None else "any"),
        )


class SummaryCollector:
    """Feeds every test report to the run's records and outcome count; at the end,
    writes the files, compares with the baseline and sets the exit status."""

    def __init__(self, options: SummaryOptions):
        self.options = options
        self.report = RoundTripReport()
        self.outcomes = GateOutcomes()
        self.comparison: ComparisonTable | None = None
        self.written: list[Path] = []
        self.started = time.monotonic()
        self.outside: dict[str, str] = {}
        """Failures the comparison does not judge (node id -> phase): plain tests,
        collection errors, gate cases without a baseline entry. pytest's rule decides them."""
        self.not_verdicts: dict[str, str] = {}
        """Failures that are no gate case's verdict (node id -> phase): plain tests,
        collection errors, a gate case's setup or teardown error."""
        self.decision = ""
        """How the exit status was decided, for the summary (set under a comparison and
        with ``--fail-on=none``)."""

    @pytest.hookimpl(tryfirst=True)
    def pytest_collectreport(self, report):
        if report.failed:
            self.outside.setdefault(report.nodeid or ".", "collection")
            self.not_verdicts.setdefault(report.nodeid or ".", "collection")

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_logreport(self, report):
        record = self.report.add(report)
        baseline = self.options.baseline
        if report.failed and (
            record is None or baseline is None or record.key not in baseline.records
        ):
            self.outside.setdefault(report.nodeid, report.when)
        if report.failed and (record is None or report.when != "call"):
            self.not_verdicts.setdefault(report.nodeid, report.when)
        if record is None:
            return
        self.outcomes.add(report, record)
        if baseline is not None and report.when == "teardown":
            # Before junitxml reads this report: the JUnit case carries its class too.
            change, _ = classify_change(
                baseline.records.get(record.key), record, baseline.by_findings
            )
            report.user_properties.append(("baseline_change", change))

    @pytest.hookimpl(tryfirst=True)
    def pytest_sessionstart(self, session):
        self.started = time.monotonic()

    @pytest.hookimpl(optionalhook=True)
    def pytest_html_results_summary(self, prefix, summary, postfix, session):
        """With pytest-html installed: the gate's counts and grid in its report too."""
        records = self.report.rows(None)
        if records:
            prefix.append(summary_fragment(records, self.comparison))

    def finish(self, session, plan=None) -> None:
        """Compare, write the files, and set the exit status (``--fail-on``); ``plan``:
        this run's shard (``distribute.sharding.ShardPlan``), if it is one."""
        stack = stack_versions()
        records = self.report.rows(None)
        if self.options.baseline is not None:
            # A shard answers for its own built models only.
            built = {(r.model, r.scenario) for r in records} if plan is not None else None
            self.comparison = ComparisonTable(
                self.options.baseline, compare(self.options.baseline, records, built)
            )
        if self.options.save_verdicts:
            self.written.append(save_verdicts(Path(self.options.save_verdicts), records, stack))
        if self.options.report_path and self.report.records:
            shard = None
            if plan is not None:
                shard = {
                    **plan.as_json(),
                    "measured_s": round(time.monotonic() - self.started, 1),
                    "tests_s": round(sum(record.seconds for record in records), 1),
                }
            self.written += self.report.write(
                Path(self.options.report_path),
                stack,
                comparison=self.comparison,
                shard=shard,
            )
        if self.outcomes.nothing_ran and session.exitstatus == 0:
            # A gate whose every case was skipped proved nothing: it must not pass.
            session.exitstatus = pytest.ExitCode.TESTS_FAILED
        elif session.exitstatus in (pytest.ExitCode.OK, pytest.ExitCode.TESTS_FAILED):
            if self.options.fail_on == "none":
                session.exitstatus = self._decide_recording()
            elif self.comparison is not None and self.options.fail_on == "new":
                session.exitstatus = self._decide_against_baseline()

    def _decide_recording(self) -> pytest.ExitCode:
        """``--fail-on=none``: no gate case's verdict fails the run (a baseline recorded
        on a release with known defects); plain tests, collection errors and a gate case
        that errored outside its round trip still do, as pytest's rule would."""
        failing = sum(1 for r in self.report.rows(None) if r.failing)
        status = pytest.ExitCode.TESTS_FAILED if self.not_verdicts else pytest.ExitCode.OK
        parts = [f"--fail-on=none: {failing} failing gate case(s) recorded, not deciding"]
        if self.not_verdicts:
            shown = ", ".join(list(self.not_verdicts)[:5])
            more = f" (+{len(self.not_verdicts) - 5} more)" if len(self.not_verdicts) > 5 else ""
            parts.insert(
                0,
                f"{len(self.not_verdicts)} failure(s) that are no gate verdict (plain tests, "
                f"errors): {shown}{more}",
            )
        self.decision = f"exit status {int(status)}: " + "; ".join(parts)
        return status

    def _decide_against_baseline(self) -> pytest.ExitCode:
        """``--fail-on=new``: the comparison decides for the gate cases with a baseline
        entry, both ways (a known defect that appears with this release is a new failure
        though its case is an xfail here); any other failure fails the run, as pytest's
        own rule would."""
        changes = self.comparison.changes
        judged = sum(1 for c in changes if c.baseline is not None and c.current is not None)
        new = [c for c in changes if c.change in FAILING_CLASSES]
        status = pytest.ExitCode.TESTS_FAILED if new or self.outside else pytest.ExitCode.OK
        parts = [
            f"--fail-on=new decided {judged} gate case(s) with a baseline entry: "
            f"{len(new)} new failure(s)"
        ]
        if self.outside:
            shown = ", ".join(list(self.outside)[:5])
            more = f" (+{len(self.outside) - 5} more)" if len(self.outside) > 5 else ""
            parts.append(
                f"{len(self.outside)} failure(s) outside the comparison (pytest's rule: "
                f"plain tests, errors, cases new since the baseline): {shown}{more}"
            )
        else:
            parts.append("nothing failed outside the comparison")
        if self.outside:
            parts.reverse()  # what decided first
        self.decision = f"exit status {int(status)}: " + "; ".join(parts)
        return status

    def write_summary(self, terminal) -> None:
        """The end-of-run sections: nothing ran, baseline, round trips, weight sources."""
        if self.outcomes.nothing_ran:
            terminal.section("keras gate: NOTHING RAN", red=True)
            terminal.write_line(
                f"all {self.outcomes.reported} gate cases were skipped: a gate that ran "
                "nothing did not pass (exit status 1)."
            )
        if self.comparison is not None:
            new = counts(self.comparison.changes).get("new failure", 0)
            terminal.section("keras gate: against the baseline", red=bool(new), green=not new)
            for line in self.comparison.text_lines():
                terminal.write_line(line)
            if self.decision:
                terminal.write_line(f"keras gate: {self.decision}", bold=True)
        elif self.decision:
            terminal.write_line(f"keras gate: {self.decision}", bold=True)
        stale = no_longer_reproducing(
            self.report.rows(None), stack_versions(), self.options.baseline
        )
        for line in stale:
            terminal.write_line(f"keras gate: {line}", yellow=True)
        if self.report.rows():
            terminal.section("keras gate: round trips")
            changes = self.comparison.by_key() if self.comparison is not None else None
            for line in self.report.text_lines(changes, width=terminal._tw.fullwidth):
                terminal.write_line(line)
        for path in self.written:
            terminal.write_line(f"written: {path}")
        if self.outcomes.weight_sources:
            terminal.section("keras gate: weight sources used")
            by_source: dict[str, list[str]] = {}
            for model, source in self.outcomes.weight_sources.items():
                by_source.setdefault(source, []).append(model)
            for source, models in sorted(by_source.items()):
                terminal.write_line(f"{source}: {', '.join(models)}")
