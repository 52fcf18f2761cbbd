"""The engine's extension points and the one record schema, each exercised end to end:
a check added as one class plus one registry line, a format added by a project's hook,
records that keep ids and findings as data, and test ids that do not depend on ``-n``."""

import json
import re
import textwrap

import numpy as np
import pytest
from layer_count import LayerCount
from user_project import run_project

from keras_gate import (
    FORMATS,
    RoundTripFormat,
    StateMismatch,
    Tolerance,
    get_format,
    prepare_model,
)
from keras_gate.engine import checks as registry
from keras_gate.engine.checks.protocol import Finding
from keras_gate.engine.roundtrip import check_round_trip
from keras_gate.report.record import CaseRecord, Verdict, read_records, record_to_json
from keras_gate.report.repro import check_sources
from keras_gate.report.verdicts import load_verdicts

keras = pytest.importorskip("keras")

EXACT = Tolerance(0.0, 0.0)


def _tiny(name="tiny"):
    inputs = keras.Input((3,))
    return keras.Model(inputs, keras.layers.Dense(2, name="head")(inputs), name=name)


class MiscountedLayerCount(LayerCount):
    """The documented check with a fault: it counts the reload one layer too many."""

    def findings(self, trip):
        before, after = trip.recorded[self.name], len(trip.revived.layers) + 1
        return [Finding(self.name, f"{before} layers -> {after}")] if before != after else []


def test_a_check_is_one_class_and_one_registry_line(monkeypatch, tmp_path):
    built = prepare_model("tiny", _tiny(), inputs=np.ones((2, 3), "float32"))
    check_round_trip(built, get_format("keras_v3"), tmp_path / "before", EXACT)  # clean
    monkeypatch.setattr(registry, "CHECKS", (*registry.CHECKS, LayerCount()))
    assert "layer count" in get_format("keras_v3").checks
    check_round_trip(built, get_format("clone"), tmp_path / "documented", EXACT)  # passes
    monkeypatch.setattr(registry, "CHECKS", (*registry.CHECKS[:-1], MiscountedLayerCount()))
    with pytest.raises(StateMismatch) as failure:
        check_round_trip(built, get_format("clone"), tmp_path / "after", EXACT)
    assert [str(f) for f in failure.value.findings] == ["layer count: 2 layers -> 3"]
    # Its reproducer code comes from the same registry: one without any is refused.
    assert "'layer count': check_layer_count," in check_sources(get_format("clone"))
    monkeypatch.setattr(MiscountedLayerCount, "repro", "")
    with pytest.raises(ValueError, match="'layer count' declares no reproducer code"):
        check_sources(get_format("clone"))


def test_what_a_format_runs_comes_from_what_it_promises():
    # Only an export that can read what it serves runs the signature check.
    names = tuple(n for n in registry.CHECK_NAMES if n != "signature")
    assert get_format("keras_v3").checks == names
    assert get_format("export").checks == ("load", "predictions", "signature", "original")
    # set_weights copies model weights only: no optimizer state, so no training steps;
    # a Task's preprocessor is not among its weights. A preset keeps no compile setup.
    assert get_format("clone").checks == tuple(
        n for n in names if n not in ("next step", "training step", "preprocessing")
    )
    assert get_format("preset").checks == tuple(
        n for n in names if n not in ("next step", "training step", "evaluate")
    )


PROJECT_FORMAT = """
from keras_gate import RoundTripFormat


def _save(model, path):
    model.save_weights(path)
    path.with_suffix(".json").write_text(model.to_json())


def _load(path, custom_objects=None, safe_mode=True):
    import keras  # in the worker: a conftest imports no framework (the device is pinned first)

    fresh = keras.models.model_from_json(path.with_suffix(".json").read_text())
    fresh.load_weights(path)
    return fresh


def _load_forgetting_a_bias(path, custom_objects=None, safe_mode=True):
    model = _load(path)
    bias = model.get_layer("head").bias
    bias.assign(bias + 1.0)
    return model


def pytest_keras_gate_formats(config):
    return [
        RoundTripFormat(
            "team_weights",
            ".weights.h5",
            "our deployment: weights beside the architecture JSON",
            save=_save,
            load=_load,
            carries_compile=False,
            carries_optimizer_state=False,
        ),
        RoundTripFormat(
            "team_broken",
            ".weights.h5",
            "a deployment path that shifts a bias",
            save=_save,
            load=_load_forgetting_a_bias,
            carries_compile=False,
            carries_optimizer_state=False,
        ),
    ]
"""

MODELS = """
import keras

import keras_gate


@keras_gate.model(formats=["team_weights", "team_broken"])
def tiny():
    inputs = keras.Input((3,))
    return keras.Model(inputs, keras.layers.Dense(2, name="head")(inputs))
"""


@pytest.fixture(scope="module")
def project_runs(tmp_path_factory):
    """The project (a conftest registering two formats) run serially and in an xdist worker."""
    runs = {}
    for name, args in {"serial": (), "xdist": ("-n", "1")}.items():  # hooks in a worker
        directory = tmp_path_factory.mktemp(name)
        (directory / "conftest.py").write_text(PROJECT_FORMAT)
        runs[name] = (
            directory,
            run_project(
                directory,
                MODELS,
                ["tiny"],
                *args,
                "-rA",
                "--junitxml=junit.xml",
                "--save-verdicts=verdicts.json",
            ),
        )
    return runs


def test_a_project_adds_a_format_through_the_hook(project_runs):
    directory, result = project_runs["serial"]
    out = result.stdout
    assert result.returncode == 1, out[-3000:] + result.stderr[-2000:]
    assert "PASSED pytest.ini::test_round_trip[tiny-team_weights]" in out
    assert "FAILED pytest.ini::test_round_trip[tiny-team_broken]" in out
    payload, records = read_records(directory / "verdicts.json")
    broken = next(r for r in records if r.subject == "team_broken")
    assert broken.verdict is Verdict.FAIL
    assert [f.check for f in broken.findings] == ["variables", "predictions", "predictions"]
    assert broken.findings[0].text.startswith("head/bias: values differ")


def test_test_ids_and_junit_names_are_the_same_with_and_without_xdist(project_runs):
    names = {}
    for name, (directory, result) in project_runs.items():
        assert result.returncode == 1, result.stdout[-3000:]
        junit = (directory / "junit.xml").read_text()
        names[name] = sorted(re.findall(r'<testcase classname="([^"]*)" name="([^"]*)"', junit))
        assert "@" not in result.stdout.split("short test summary info")[-1]
    assert names["serial"] == names["xdist"] and len(names["serial"]) == 2


def test_records_keep_ids_and_findings_as_data_and_old_baselines_load(tmp_path):
    finding = Finding("variables", "head/bias: values differ")
    record = CaseRecord(
        "tiny",
        "h5",
        verdict="xfail",
        known_failures=("a", "b,with comma"),
        shown=("b,with comma",),
        findings=(finding,),
        max_rel=float("inf"),
    )
    data = record_to_json(record)
    assert data["known_failures"] == ["a", "b,with comma"] and data["max_rel"] == "inf"
    path = tmp_path / "v2.json"
    path.write_text(json.dumps({"schema": "keras-gate-verdicts/2", "cases": [data]}))
    (again,) = load_verdicts(path).records.values()
    assert again == record
    # A baseline written before this schema: ids ","-joined, no findings.
    old = {**data, "known_failures": "a,b", "shown": "b"}
    del old["findings"]
    path.write_text(json.dumps({"schema": "keras-gate-verdicts/1", "cases": [old]}))
    (first,) = load_verdicts(path).records.values()
    assert (first.known_failures, first.shown, first.findings) == (("a", "b"), ("b",), ())
    with pytest.raises(TypeError, match="a tuple, not the string"):
        CaseRecord("tiny", "h5", known_failures="a,b")


def test_a_format_that_is_not_a_marker_name_is_refused():
    from keras_gate.engine.formats import FormatRegistrationError, register_format

    with pytest.raises(FormatRegistrationError, match="'Team-Weights'"):
        register_format(RoundTripFormat("Team-Weights", ".h5", "x"), origin="conftest.py")
    with pytest.raises(FormatRegistrationError, match="'h5' is already registered"):
        register_format(RoundTripFormat("h5", ".h5", "x"))


def test_the_strict_xpass_verdict_comes_from_the_report_not_its_text(tmp_path):
    (tmp_path / "known.toml").write_text(
        textwrap.dedent(
            """
            [[known_failure]]
            id = "fixed-upstream"
            models = "tiny"
            format = "team_weights"
            keras = ">=3.0"
            error = "PredictionMismatch"
            match = "."
            reason = "fixed long ago"
            """
        )
    )
    (tmp_path / "conftest.py").write_text(PROJECT_FORMAT)
    result = run_project(
        tmp_path,
        MODELS,
        ["tiny"],
        "-k",
        "team_weights",
        "--save-verdicts=v.json",
        extra_ini="keras_gate_known_failures = known.toml\n",
    )
    assert result.returncode == 1, result.stdout[-2000:]
    (record,) = read_records(tmp_path / "v.json")[1]
    assert record.verdict is Verdict.XPASS_STRICT
    assert record.known_failures == ("fixed-upstream",)
    assert "no longer reproduces" in result.stdout


LAYERS = {
    # package: what it may import from keras_gate (besides itself)
    "api": set(),
    "engine": {"api"},
    "report": {"api", "engine"},
    "collect": {"api", "engine", "report"},
    "distribute": {"api", "engine", "collect"},
    "tools": {"api", "engine", "report"},
}


def test_each_package_imports_only_the_layers_below_it():
    import ast
    from pathlib import Path

    import keras_gate

    root = Path(keras_gate.__file__).parent
    upward = []
    for package, allowed in LAYERS.items():
        files = [root / "api.py"] if package == "api" else (root / package).rglob("*.py")
        for path in files:
            for node in ast.walk(ast.parse(path.read_text())):
                if isinstance(node, ast.ImportFrom) and (node.module or "").startswith(
                    "keras_gate"
                ):
                    parts = node.module.split(".")
                    target = parts[1] if len(parts) > 1 else "keras_gate"
                    if target not in allowed | {package, "_version"}:  # a leaf
                        upward.append(f"{path.relative_to(root)} imports {node.module}")
    assert upward == []


@pytest.mark.parametrize("name", [fmt.name for fmt in FORMATS])
def test_every_check_a_format_runs_has_its_reproducer_code(name):
    source = check_sources(get_format(name))
    compile(source, f"<checks of {name}>", "exec")
    assert all(f"{check!r}: check_" in source for check in get_format(name).checks)


def test_every_difference_is_a_finding_and_the_message_shortens_each_kind():
    from keras_gate.engine.checks import findings_text
    from keras_gate.engine.checks.variables import variable_findings

    original = {f"dense_{i}/kernel": (np.zeros(2, "float32"), True) for i in range(7)}
    revived = {key: (value + 1, True) for key, (value, _) in original.items()}
    findings = variable_findings(original, revived)
    # All seven: a baseline where six differed must read this as a new one, not the same.
    assert [f.where for f in findings] == list(original)
    text = findings_text(findings)
    assert text.count("values differ") == 5 and "variables: ... 2 more values" in text
