"""Shards for several CI runners: pytest-split's options and durations file, with
each built model's cases kept whole on one shard.

pytest-split (``--splits N --group K``, ``--store-durations``, ``--durations-path``)
balances single tests; a gate case's cost is mostly its model's build, paid once
per process that runs any of its cases. So where the selection holds gate cases,
the gate takes over pytest-split's selection: the unit is a built model (a model's
variant with every case of it, ``GateCase.build_label``: each variant is built on
its own, so a model's variants may run on different shards; any other test is a
unit of its own), each unit costs the sum of
its tests' stored durations, and pytest-split's own least-duration algorithm
assigns the units. Tests without a stored duration count the average of those
with one (pytest-split's rule).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import pytest

from keras_gate.collect.cases import case_of
from keras_gate.distribute.scheduling import plain_nodeid

SHARD_KEY = pytest.StashKey["ShardPlan"]()
WORKER_OUTPUT = "keras_gate_shard"
"""Key of the plan in an xdist worker's ``workeroutput`` (the controller reports it)."""


@dataclass(frozen=True)
class ShardPlan:
    """This run's shard: which units it holds and what the durations predict."""

    group: int
    splits: int
    units: tuple[str, ...]
    """Built models' labels, ``<model>[-<variant>]`` (and the node ids of tests that
    are no gate case)."""
    cases: int
    """Tests selected on this shard."""
    predicted_s: tuple[float, ...]
    """Predicted test time of every shard, by group (this one: ``predicted_s[group - 1]``):
    the sum of its tests' stored durations (setup + call + teardown), as pytest-split
    stores them; under ``-n`` the wall time is about this over the workers."""
    timed_tests: int
    """Tests of the whole selection that had a stored duration."""
    tests: int
    """Tests of the whole selection."""

    def line(self) -> str:
        """One line for the terminal."""
        shards = ", ".join(f"{s:.0f}" for s in self.predicted_s)
        return (
            f"shard {self.group}/{self.splits}: {self.cases} tests of {len(self.units)} "
            f"built models/tests, predicted {self.predicted_s[self.group - 1]:.0f} s of test time "
            f"(every shard: {shards} s; {self.timed_tests}/{self.tests} tests timed)"
        )

    def as_json(self) -> dict:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict) -> ShardPlan:
        data = dict(data)
        data["units"] = tuple(data["units"])
        data["predicted_s"] = tuple(data["predicted_s"])
        return cls(**data)


def unit_of(item) -> str:
    """The unit a shard holds whole: a gate case's built model, else the test itself."""
    case = case_of(item)
    return case.build_label if case is not None else plain_nodeid(item.nodeid)


@dataclass(frozen=True)
class _Unit:
    """A stand-in test for pytest-split's algorithm: one unit, one duration."""

    nodeid: str


def split_items(items: list, durations: dict[str, float], splits: int, group: int):
    """``(selected, deselected, plan)`` for shard ``group`` of ``splits``."""
    from pytest_split.algorithms import LeastDurationAlgorithm

    known = {plain_nodeid(k): v for k, v in durations.items()}
    ids = [plain_nodeid(item.nodeid) for item in items]
    timed = [known[nodeid] for nodeid in ids if nodeid in known]
    average = sum(timed) / len(timed) if timed else 1.0
    units: dict[str, float] = {}
    for item, nodeid in zip(items, ids):
        unit = unit_of(item)
        units[unit] = units.get(unit, 0.0) + known.get(nodeid, average)
    stand_ins = [_Unit(name) for name in units]
    shards = LeastDurationAlgorithm()(splits, stand_ins, units)
    mine = {stand_in.nodeid for stand_in in shards[group - 1].selected}
    selected = [item for item in items if unit_of(item) in mine]
    deselected = [item for item in items if unit_of(item) not in mine]
    plan = ShardPlan(
        group=group,
        splits=splits,
        units=tuple(stand_in.nodeid for stand_in in shards[group - 1].selected),
        cases=len(selected),
        predicted_s=tuple(round(shard.duration, 1) for shard in shards),
        timed_tests=len(timed),
        tests=len(items),
    )
    return selected, deselected, plan


class ModelShards:
    """Stands in for pytest-split's selection plugin (registered under its name's
    place): built models whole per shard where there are gate cases, pytest-split's own
    selection where there are none."""

    def __init__(self, upstream, announce=None):
        self.upstream = upstream
        self.announce = announce

    @pytest.hookimpl(trylast=True)
    def pytest_collection_modifyitems(self, config, items):
        if not any(case_of(item) is not None for item in items):
            return self.upstream.pytest_collection_modifyitems(config, items)
        selected, deselected, plan = split_items(
            items, self.upstream.cached_durations, config.option.splits, config.option.group
        )
        items[:] = selected
        config.hook.pytest_deselected(items=deselected)
        config.stash[SHARD_KEY] = plan
        if self.announce is not None:
            self.announce(plan.line())
        return None


UPSTREAM = "pytestsplitplugin"
"""pytest-split's name for its selection plugin (registered with ``--splits``)."""


def take_over_split(config, announce=None) -> None:
    """With ``--splits``/``--group``: replace pytest-split's selection by ``ModelShards``."""
    upstream = config.pluginmanager.get_plugin(UPSTREAM)
    if upstream is None:
        return
    config.pluginmanager.unregister(upstream)
    config.pluginmanager.register(ModelShards(upstream, announce), "keras_gate_shards")


def send_plan(config) -> None:
    """In an xdist worker: hand the plan to the controller (its first worker's is kept)."""
    output = getattr(config, "workeroutput", None)
    if output is not None and SHARD_KEY in config.stash:
        output[WORKER_OUTPUT] = config.stash[SHARD_KEY].as_json()


def receive_plan(config, node) -> None:
    """In the xdist controller: the plan a worker computed (every worker's is the same)."""
    data = getattr(node, "workeroutput", {}).get(WORKER_OUTPUT)
    if data is not None and SHARD_KEY not in config.stash:
        config.stash[SHARD_KEY] = ShardPlan.from_json(data)
