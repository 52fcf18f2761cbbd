"""Shards over several runners: pytest-split's options, each built model whole on one
shard, and the shards' reports merged into one."""

import json
import re

from user_project import run, run_project

from keras_gate.api import DEFAULT_VARIANT, GateModel, Variant
from keras_gate.collect.cases import CASE_KEY, GateCase
from keras_gate.distribute.sharding import split_items
from keras_gate.report.merge import MergeError, merge
from keras_gate.report.record import CaseRecord
from keras_gate.report.verdicts import Baseline, compare

MODELS = """
import keras


def _dense(width):
    inputs = keras.Input((width,))
    return keras.Model(inputs, keras.layers.Dense(2)(inputs))


def first():
    return _dense(3)


def second():
    return _dense(4)


def third():
    return _dense(5)
"""
FACTORIES = ["first", "second", "third"]
CASE = "pytest.ini::test_round_trip[{}-{}]"


def _durations(path):
    # `first`'s keras_v3 case alone outweighs everything else: pytest-split's own
    # algorithms would then put its h5 case on another shard than its keras_v3 case.
    durations = {CASE.format("first", "keras_v3"): 100.0, CASE.format("first", "h5"): 1.0}
    for model in ("second", "third"):
        durations[CASE.format(model, "keras_v3")] = 30.0
        # Stored under -n: xdist's group suffix is part of the stored id.
        durations[CASE.format(model, "h5") + f"@{model}"] = 30.0
    path.write_text(json.dumps(durations))
    return path


def _collected(result) -> set[str]:
    return set(re.findall(r"test_round_trip\[(\w+)-(\w+)\]", result.stdout))


def test_each_model_stays_whole_on_one_shard(tmp_path):
    durations = _durations(tmp_path / "durations.json")
    shards = []
    for group in (1, 2):
        result = run_project(
            tmp_path,
            MODELS,
            FACTORIES,
            "--co",
            "-q",
            "--splits=2",
            f"--group={group}",
            f"--durations-path={durations}",
        )
        assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
        shards.append(_collected(result))
    models = [{model for model, _ in shard} for shard in shards]
    assert models[0].isdisjoint(models[1])
    every = {(model, fmt) for model in FACTORIES for fmt in ("keras_v3", "h5")}
    assert shards[0] | shards[1] == every
    # Balanced by model: `first` (101 s) alone against second + third (120 s).
    assert sorted(models, key=len) == [{"first"}, {"second", "third"}]


def test_shards_report_and_merge_under_xdist(tmp_path):
    durations = _durations(tmp_path / "durations.json")
    # Shard 1 under xdist (one worker is enough: the stored ids' group suffix, the
    # controller's report), shard 2 without: a runner's choice, and one worker fewer.
    for group, workers in ((1, ("-n", "1")), (2, ())):
        result = run_project(
            tmp_path,
            MODELS,
            FACTORIES,
            *workers,
            "--splits=2",
            f"--group={group}",
            f"--durations-path={durations}",
            f"--roundtrip-report=shard{group}/gate",
            f"--save-verdicts=shard{group}/verdicts.json",
        )
        assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
        line = rf"keras gate: shard {group}/2: \d tests of \d built models"
        assert re.search(line, result.stdout)
        shard = json.loads((tmp_path / f"shard{group}" / "gate.json").read_text())["shard"]
        assert shard["group"] == group and shard["measured_s"] > 0
        assert sorted(shard["predicted_s"]) == [101.0, 120.0]
    result = run(
        tmp_path,
        [
            "-m",
            "keras_gate.report.merge",
            "shard1/gate.json",
            "shard2/gate.json",
            "--report",
            "all",
        ],
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    merged = json.loads((tmp_path / "all.json").read_text())
    assert len(merged["cases"]) == 6 and [s["group"] for s in merged["shards"]] == [1, 2]
    assert "| 1/2 |" in (tmp_path / "all.md").read_text()
    # The verdicts files merge too, into one baseline; a shard given twice is refused.
    result = run(
        tmp_path,
        [
            "-m",
            "keras_gate.report.merge",
            "shard1/verdicts.json",
            "shard1/verdicts.json",
            "--report",
            "twice",
        ],
    )
    assert result.returncode == 2
    assert "shard1/verdicts.json: case ('roundtrip', " in result.stderr


class _Item:
    """What the split reads of a collected test: its node id and the case in its stash."""

    def __init__(self, case):
        self.nodeid = f"tests/regression/test_roundtrip.py::test_round_trip[{case.id}]"
        self.stash = {CASE_KEY: case}


def test_a_models_variants_are_units_of_their_own():
    # One model whose variants cost 100, 60 and 40 s: two shards get 100 and 60 + 40,
    # each variant with both its cases; as one unit the model would leave a shard empty.
    model = GateModel("big", build=None)
    costs = {"": 100.0, "trained": 60.0, "int8": 40.0}
    items, durations = [], {}
    for variant_id, cost in costs.items():
        variant = DEFAULT_VARIANT if not variant_id else Variant(variant_id, (variant_id,))
        for subject in ("keras_v3", "h5"):
            item = _Item(GateCase(model, subject, variant=variant))
            items.append(item)
            durations[item.nodeid] = cost / 2
    shards = [split_items(items, durations, 2, group) for group in (1, 2)]
    held = [sorted(plan.units) for _, _, plan in shards]
    assert held == [["big"], ["big-int8", "big-trained"]]
    assert shards[0][2].predicted_s == (100.0, 100.0)
    assert [len(selected) for selected, _, _ in shards] == [2, 4]


def _record(model, verdict="pass", **fields):
    return CaseRecord(model, "keras_v3", verdict=verdict, **fields)


def test_merge_refuses_shards_of_different_stacks(tmp_path):
    for name, keras in (("a.json", "3.15.1"), ("b.json", "3.5.0")):
        (tmp_path / name).write_text(json.dumps({"stack": {"keras": keras}, "cases": []}))
    try:
        merge([tmp_path / "a.json", tmp_path / "b.json"])
    except MergeError as error:
        assert str(error).startswith(f"{tmp_path / 'b.json'}: ran on {{'keras': '3.5.0'}}")
    else:
        raise AssertionError("merged shards of two stacks")


def test_merge_reads_an_infinite_figure_back(tmp_path):
    case = {"model": "m", "subject": "h5", "verdict": "FAIL", "max_rel": "inf"}
    (tmp_path / "a.json").write_text(json.dumps({"stack": {}, "cases": [case]}))
    _, records, _ = merge([tmp_path / "a.json"])
    assert records[0].max_rel == float("inf")


def test_a_shard_compares_only_its_own_models_with_the_baseline():
    baseline = Baseline({}, {r.key: r for r in (_record("a"), _record("b"))}, "base.json")
    here = [_record("a")]
    mine = compare(baseline, here, built={("a", "default")})
    assert [c.change for c in mine] == ["still passing"]
    assert [c.change for c in compare(baseline, here)] == ["still passing", "gone"]


def test_a_shard_compares_only_its_own_built_models_with_the_baseline():
    # The same model's other variant ran on another shard: not gone.
    ran = CaseRecord("a", "keras_v3", scenario="fine_tuned")
    records = (_record("a"), ran)
    baseline = Baseline({}, {r.key: r for r in records}, "base.json")
    changes = compare(baseline, [ran], built={("a", "fine_tuned")})
    assert [(c.change, c.key[2]) for c in changes] == [("still passing", "fine_tuned")]


class _Clock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


def _progress(stored, workers=1, gate=()):
    from types import SimpleNamespace

    from keras_gate.distribute.progress import ModelProgress

    progress = ModelProgress(SimpleNamespace(option=SimpleNamespace(numprocesses=workers)), stored)
    progress.clock = clock = _Clock()
    progress.started = 0.0
    progress.group_of = dict.fromkeys(gate, "m")
    progress.left = {"m": len(gate)} if gate else {}
    return progress, clock


def _ran(progress, clock, nodeid, start, seconds):
    from types import SimpleNamespace

    clock.now = start
    progress.pytest_runtest_logstart(nodeid, None)
    clock.now = start + seconds
    for when, share in (("setup", 0.25), ("call", 0.7), ("teardown", 0.05)):
        progress.pytest_runtest_logreport(
            SimpleNamespace(nodeid=nodeid, when=when, duration=seconds * share, user_properties=())
        )


def test_the_time_left_scales_stored_durations_by_the_speed_measured_here():
    stored = {f"t.py::test_{i}": 10.0 for i in range(4)}
    progress, clock = _progress(stored)
    progress.pending = set(stored)
    assert progress.estimate() == (40.0, "stored durations")
    # The first test took twice its stored time here: the three left will too.
    _ran(progress, clock, "t.py::test_0", 0.0, 20.0)
    assert progress.estimate() == (60.0, "stored durations x 2.00")


def test_without_stored_durations_other_tests_go_at_their_own_pace():
    # The test command without a durations file: a model's cases take seconds each, unit
    # tests a fraction of one. Every test left at the mean of all was x 25 here.
    gate = [f"pyproject.toml::test_round_trip[m-{i}]" for i in range(4)]
    others = [f"t.py::test_{i}" for i in range(100)]
    progress, clock = _progress({}, gate=gate)
    progress.pending = set(gate + others)
    _ran(progress, clock, gate[0], 0.0, 10.0)
    _ran(progress, clock, others[0], 10.0, 0.1)
    left, source = progress.estimate()
    assert (round(left, 6), source) == (3 * 10.0 + 99 * 0.1, "pace so far")


def test_the_rate_is_wall_clock_and_counts_the_tests_under_way():
    # Two workers each started a 10 s test at 0; at 10 s one is done and the other about
    # to be: two tests, 10 s, are left. Finished tests alone (10 s of work in 10 s, over
    # two workers) said 15 s.
    stored = {f"t.py::test_{i}": 10.0 for i in range(4)}
    progress, clock = _progress(stored, workers=2)
    progress.pending = set(stored)
    clock.now = 0.0
    progress.pytest_runtest_logstart("t.py::test_1", None)
    _ran(progress, clock, "t.py::test_0", 0.0, 10.0)
    assert progress.estimate() == (10.0, "stored durations")
    # What per-test durations leave out (worker start, fixtures) is in the rate: the same
    # work done by 20 s of wall clock says 20 s are left.
    progress.started = -10.0
    assert progress.estimate() == (20.0, "stored durations")


def test_a_cold_model_slows_its_own_kind_not_the_unit_tests():
    # A cold weight cache makes a model's cases slower than stored; the unit tests left
    # run as stored, also before any of them finished (the test command runs its models
    # first: one speed for all had every unit test 1.4 times slower, +44 % mid-run).
    gate = [f"pyproject.toml::test_round_trip[m-{i}]" for i in range(2)]
    others = [f"t.py::test_{i}" for i in range(100)]
    stored = {**dict.fromkeys(gate, 10.0), **dict.fromkeys(others, 0.1)}
    progress, clock = _progress(stored, gate=gate)
    progress.pending = set(stored)
    _ran(progress, clock, gate[0], 0.0, 20.0)
    assert progress.speed(True) == 2.0 and progress.speed(False) == 1.0
    left, _ = progress.estimate()
    assert round(left, 6) == 1 * 10.0 * 2 + 100 * 0.1
