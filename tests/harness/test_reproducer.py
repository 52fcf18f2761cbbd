"""Standalone reproducers: written for failing cases, run with plain python, exit 1/0."""

import pytest
from batched_runs import run_script_batch
from user_project import FORGETFUL_LAYER, run_project

MODELS = (
    FORGETFUL_LAYER
    + """
import numpy as np


def forgets():
    inputs = keras.Input((4,))
    return keras.Model(inputs, Scale(3.0)(keras.layers.Dense(2)(inputs)))


def unregistered():
    # Neither registered nor at module level: no Keras release can find it on load.
    class Unregistered(keras.layers.Layer):
        def call(self, x):
            return x

    inputs = keras.Input((4,))
    return keras.Model(inputs, Unregistered()(keras.layers.Dense(2)(inputs)))


def trained():
    inputs = keras.Input((4,))
    model = keras.Model(inputs, keras.layers.Dense(2, activation="softmax")(inputs))
    model.compile(optimizer="adam", loss="categorical_crossentropy")
    model.train_on_batch(np.ones((2, 4), "float32"), np.eye(2, dtype="float32"))
    return model
"""
)


@pytest.fixture(scope="module")
def reproducers(tmp_path_factory):
    project = tmp_path_factory.mktemp("project")
    out = project / "repro"
    factories = ["forgets", "unregistered", "trained"]
    result = run_project(project, MODELS, factories, "-q", f"--repro-dir={out}")
    assert result.returncode == pytest.ExitCode.TESTS_FAILED, result.stdout[-3000:]
    (out / "absent").mkdir()
    _absent_defect(out / "absent" / "dense.py")
    return out


REPRODUCED = [
    ("forgets-keras_v3", "predictions", "reproduced predictions:\n  output 0: max|diff|"),
    ("unregistered-keras_v3", "load", "reproduced load:\n  TypeError"),
    ("trained-h5", "state", "reproduced state:\n  revived: optimizer variables"),
]
"""``(case, kind of finding, what its reproducer prints)``: one case per kind."""


@pytest.fixture(scope="module")
def ran(reproducers, tmp_path_factory):
    """``{script name: (exit status, stdout, stderr)}`` of the reproducers this module runs,
    in one plain interpreter (``batched_runs``: a new one per script pays the Keras import
    each time, ~5 s; tests/harness/test_first_hour.py runs one reproducer alone)."""
    scripts = [reproducers / f"{case}-roundtrip.py" for case, _, _ in REPRODUCED]
    scripts.append(reproducers / "absent" / "dense.py")
    each = run_script_batch(scripts, tmp_path_factory.mktemp("run"))
    return {name: (r.returncode, r.stdout, r.stderr) for name, r in each.items()}


@pytest.mark.parametrize(("case", "kind", "printed"), REPRODUCED)
def test_a_failing_case_gets_a_reproducer_that_reproduces(reproducers, ran, case, kind, printed):
    path = reproducers / f"{case}-roundtrip.py"
    source = path.read_text()
    assert f"# case: pytest.ini::test_round_trip[{case}]" in source
    found = next(line for line in source.splitlines() if line.startswith("# what the gate found"))
    assert kind in found
    assert "keras_gate" not in source.split("# needs:")[1]  # not this package
    needs = source.split("# needs:")[1].splitlines()[0]
    assert "the project's own code" in needs  # its factories' module is imported
    status, stdout, stderr = ran[path.name]
    assert status == 1, stdout[-2000:] + stderr[-2000:]
    assert printed in stdout


def test_the_needs_line_names_what_the_file_imports():
    from types import SimpleNamespace

    from keras_gate.report.repro import needs_line

    onnx = SimpleNamespace(requires=("onnxruntime", "onnx", "tf2onnx"))
    assert needs_line(onnx, "model = build()") == (
        "keras, numpy, the backend, onnxruntime, onnx, tf2onnx"
    )
    factory = "sys.path.insert(0, '/p')  # the project's own code\n"
    assert needs_line(None, factory) == (
        "keras, numpy, the backend, the project's own code (its path is below)"
    )


def test_only_failing_cases_get_one(reproducers):
    written = sorted(p.name for p in reproducers.glob("*.py"))  # not absent/
    assert "trained-keras_v3-roundtrip.py" not in written  # it passes
    assert len(written) == 5


def _absent_defect(path):
    """A reproducer for a defect the model does not have: a plain Dense through h5."""
    from keras_gate import (
        Finding,
        GateCase,
        GateModel,
        PredictionMismatch,
        Tolerance,
        prepare_model,
    )
    from keras_gate.report.repro import reproducer_source

    keras = pytest.importorskip("keras")
    inputs = keras.Input((4,))
    model = keras.Model(inputs, keras.layers.Dense(2)(inputs))
    built = prepare_model("dense", model)
    source_of_model = (
        "def build_model():\n"
        "    inputs = keras.Input((4,))\n"
        "    return keras.Model(inputs, keras.layers.Dense(2)(inputs))\n"
    )
    case = GateCase(GateModel("dense", build=None, reproducer=lambda v, b: source_of_model), "h5")
    error = PredictionMismatch(
        "dense via h5: revived model predicts differently",
        findings=[Finding("predictions", "dense: max|diff|=1 DIFFERS", "dense", "values")],
    )
    path.write_text(reproducer_source(case, built, error, Tolerance(1e-6, 1e-6), "x::y"))


def test_a_reproducer_exits_0_where_the_defect_is_absent(reproducers, ran):
    # `reproducers` first, as in this module's other tests: one xdist group (conftest.py).
    status, stdout, stderr = ran["dense.py"]
    assert status == 0, stdout[-2000:] + stderr[-2000:]
    assert "not reproduced predictions: the same here" in stdout
