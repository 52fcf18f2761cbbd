"""Progress under ``-n``: one line per model as its last case finishes.

pytest's ``[ 42%]`` counts tests; a gate run's time goes into building models, so
the unit a user can follow is the model: ``keras gate: 3/19 models done
(EfficientNetB4: 12 cases, 95 s), 6 min 10 s elapsed, about 14 min left``. The
estimate covers every test left (other tests too): each test's stored duration
(pytest-split's ``--durations-path``; else the seconds per test of its kind so far),
scaled by its kind's speed here (gate cases and other tests apart: a cold weight cache
slows a model's cases, not the unit tests), then turned into wall-clock time at the rate
this run has turned test seconds into wall-clock seconds (elapsed over the seconds the
tests took, the running tests' share included): that rate carries the workers, worker
start, fixtures and two workers sharing two cores. Runs in the xdist controller, from
the node ids the workers collected (each grouped case ends in ``@<group>``) and the
reports.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from keras_gate.distribute.scheduling import group_of, plain_nodeid


class ModelProgress:
    """Counts each model's cases down and says when one is done."""

    def __init__(self, config, durations: dict[str, float]):
        self.config = config
        self.durations = durations
        self.group_of: dict[str, str] = {}
        """Plain node id -> its model's xdist group (gate cases only)."""
        self.left: dict[str, int] = {}
        """Group -> cases not finished yet."""
        self.labels: dict[str, str] = {}
        """Group -> the built model's name (``EfficientNetB0-sequential``), from its reports."""
        self.seconds: dict[str, float] = {}
        """Group -> seconds its finished cases took (setup + call + teardown)."""
        self.pending: set[str] = set()
        """Every test not finished yet (gate cases and other tests): what is left."""
        self.finished_s = {True: 0.0, False: 0.0}
        self.finished_n = {True: 0, False: 0}
        self.measured_s = {True: 0.0, False: 0.0}
        self.stored_s = {True: 0.0, False: 0.0}
        """Seconds the finished tests with a stored duration took here, and their stored
        durations, per kind: each kind's speed against the run that stored them."""
        """Seconds the finished tests took, and how many finished: gate cases (True) and
        other tests apart, whose paces differ by a hundred times (a model's case against
        a unit test)."""
        self.running: dict[str, float] = {}
        """Node id -> when a worker started it (the controller's clock)."""
        self.finished = 0
        self.done = 0
        self.clock = time.monotonic
        self.started = self.clock()

    @pytest.hookimpl(optionalhook=True)
    def pytest_xdist_node_collection_finished(self, node, ids):
        if self.group_of:
            return  # every worker collects the same tests
        self.pending = {plain_nodeid(nodeid) for nodeid in ids}
        for nodeid in ids:
            group = group_of(nodeid)
            if group is not None:
                self.group_of[plain_nodeid(nodeid)] = group
                self.left[group] = self.left.get(group, 0) + 1
        self.started = self.clock()

    @pytest.hookimpl(optionalhook=True)
    def pytest_runtest_logstart(self, nodeid, location):
        self.running.setdefault(plain_nodeid(nodeid), self.clock())

    @pytest.hookimpl(trylast=True)
    def pytest_runtest_logreport(self, report):
        nodeid = plain_nodeid(report.nodeid)
        self.finished_s[nodeid in self.group_of] += report.duration
        if nodeid in self.durations and nodeid in self.pending:
            self.measured_s[nodeid in self.group_of] += report.duration
        if report.when == "teardown" and nodeid in self.pending:
            self.pending.discard(nodeid)
            self.running.pop(nodeid, None)
            self.finished += 1
            self.finished_n[nodeid in self.group_of] += 1
            if nodeid in self.durations:
                self.stored_s[nodeid in self.group_of] += self.durations[nodeid]
        group = self.group_of.get(nodeid)
        if group is None:
            return
        self.seconds[group] = self.seconds.get(group, 0.0) + report.duration
        if group not in self.labels:
            found = dict(report.user_properties or ())
            if "model" in found:
                scenario = found.get("scenario", "default")
                suffix = "" if scenario == "default" else f"-{scenario}"
                self.labels[group] = found["model"] + suffix
        if report.when != "teardown":
            return
        self.left[group] -= 1
        if self.left[group] == 0:
            self.done += 1
            self._say(group)

    def _say(self, group: str) -> None:
        cases = sum(1 for g in self.group_of.values() if g == group)
        elapsed = self.clock() - self.started
        line = (
            f"keras gate: {self.done}/{len(self.left)} models done "
            f"({self.labels.get(group, group)}: {cases} "
            f"case{'s' * (cases != 1)}, {self.seconds[group]:.0f} s), "
            f"{_minutes(elapsed)} elapsed"
        )
        if self.pending:
            left, source = self.estimate()
            others = sum(1 for nodeid in self.pending if nodeid not in self.group_of)
            also = f", {others} other test{'s' * (others != 1)}" if others else ""
            line += f", about {_minutes(left)} left ({source}{also})"
        reporter = self.config.pluginmanager.get_plugin("terminalreporter")
        if reporter is not None:
            if reporter._tw.width_of_current_line:  # after pytest's progress dots
                reporter.write("\n")
            reporter.write_line(line)

    def speed(self, kind: bool | None = None) -> float:
        """How much longer than stored the finished tests took here (1: as stored), of
        the gate cases (True), the other tests (False), or all (None). A kind none of
        whose tests finished goes as stored: the other kind's speed says nothing of it
        (cold models first, unit tests after, made every unit test 1.4 times slower)."""
        kinds = (True, False) if kind is None else (kind,)
        measured = sum(self.measured_s[k] for k in kinds)
        stored = sum(self.stored_s[k] for k in kinds)
        if stored <= 0 or measured <= 0:
            return 1.0
        return measured / stored

    def estimate(self) -> tuple[float, str]:
        """Seconds left, and where the figure comes from: the test seconds left (stored
        durations times their kind's speed, else the kind's pace so far) at the wall-clock
        rate of the test seconds so far; before any test finished, over the workers."""
        overall = sum(self.finished_s.values()) / max(self.finished, 1)
        pace = {
            kind: self.finished_s[kind] / self.finished_n[kind]
            if self.finished_n[kind]
            else overall
            for kind in (True, False)
        }
        now = self.clock()
        # The running tests' share: the time they have run so far.
        under_way = sum(now - started for n, started in self.running.items() if n in self.pending)
        left = sum(
            self.durations[n] * self.speed(n in self.group_of)
            if n in self.durations
            else pace[n in self.group_of]
            for n in self.pending
        )
        left = max(left - under_way, 0.0)
        stored = sum(1 for n in self.pending if n in self.durations)
        source = "pace so far"
        if stored >= len(self.pending) / 2:
            speed = self.speed()
            source = "stored durations" + (f" x {speed:.2f}" if abs(speed - 1) >= 0.05 else "")
        spent = sum(self.finished_s.values()) + under_way
        elapsed = now - self.started
        if spent > 0 and elapsed > 0:
            return left * elapsed / spent, source
        return left / self._workers(), source

    def _workers(self) -> int:
        try:
            return max(int(self.config.option.numprocesses), 1)
        except (TypeError, ValueError):
            return 1


def _minutes(seconds: float) -> str:
    minutes, rest = divmod(int(round(seconds)), 60)
    return f"{minutes} min {rest} s" if minutes else f"{rest} s"


def stored_durations(config) -> dict[str, float]:
    """pytest-split's stored durations (``--durations-path``), or none."""
    path = getattr(config.option, "durations_path", None)
    if not path or not Path(path).is_file():
        return {}
    try:
        data = json.loads(Path(path).read_text())
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict):
        return {}
    # Stored under --dist=loadgroup, ids carry their xdist group: the reports' do not.
    return {plain_nodeid(str(k)): float(v) for k, v in data.items()}


def report_progress(config) -> None:
    """Register :class:`ModelProgress` in the xdist controller."""
    if getattr(config, "workerinput", None) is None and getattr(
        config.option, "numprocesses", None
    ):
        progress = ModelProgress(config, stored_durations(config))
        config.pluginmanager.register(progress, "keras_gate_progress")
