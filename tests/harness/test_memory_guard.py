"""A format measured to need more memory than is free skips with both figures, where the
kernel would kill the worker (a red "worker crashed" that says nothing about Keras);
``--memory-guard=off`` runs it anyway. The onnx row's need on ConvNeXtLarge is more than
a 23 GiB machine has, as its OOM kill showed."""

from types import SimpleNamespace

import pytest
from user_project import run_project

from keras_gate import get_format
from keras_gate.engine.runtime.memory import GIB, available_bytes, parameter_bytes, shortfall

pytestmark = pytest.mark.harness


def _meminfo(tmp_path, kib):
    path = tmp_path / "meminfo"
    path.write_text(f"MemTotal:       24000000 kB\nMemAvailable:   {kib} kB\n")
    return str(path)


def test_free_memory_is_memavailable_lowered_to_a_cgroup_limit(tmp_path):
    meminfo = _meminfo(tmp_path, 8 * 2**20)  # 8 GiB
    assert available_bytes(meminfo, cgroups=()) == 8 * GIB
    (tmp_path / "max").write_text(f"{6 * GIB}\n")
    (tmp_path / "current").write_text(f"{2 * GIB}\n")
    limited = ((str(tmp_path / "max"), str(tmp_path / "current")),)
    assert available_bytes(meminfo, cgroups=limited) == 4 * GIB
    (tmp_path / "max").write_text("max\n")  # cgroup v2 without a limit
    assert available_bytes(meminfo, cgroups=limited) == 8 * GIB
    assert available_bytes(str(tmp_path / "absent"), cgroups=()) is None


def _model(parameters, name="big"):
    weight = SimpleNamespace(shape=(parameters,), dtype="float32")
    return SimpleNamespace(name=name, weights=[weight])


def test_the_onnx_rows_need_skips_convnextlarge_on_a_23_gib_machine():
    onnx = get_format("onnx")
    large = _model(197_767_336, "convnext_large")  # keras.applications.ConvNeXtLarge
    assert parameter_bytes(large) == 4 * 197_767_336
    why = shortfall(onnx, large, available=20 * GIB)
    assert why.startswith("not run: onnx is measured to need about 24.8 GiB for convnext_large")
    assert "20.0 GiB free" in why and "--memory-guard=off" in why
    # ConvNeXtBase: measured 8.92 GiB above the built model, 11.8 by the row.
    base = _model(88_591_464, "convnext_base")
    assert shortfall(onnx, base, available=20 * GIB) is None
    assert shortfall(onnx, large, available=None) is None  # unknown: not guessed
    assert shortfall(get_format("keras_v3"), large, available=1) is None  # no measured need


PROJECT = """
import keras
from keras_gate import RoundTripFormat


def _save(model, path):
    model.save(path)


def pytest_keras_gate_formats(config):
    return [
        RoundTripFormat(
            "greedy",
            ".keras",
            "a path measured to need more memory than any machine has",
            save=_save,
            memory=lambda model: 2**62,
        )
    ]
"""

MODELS = """
import keras
import keras_gate


@keras_gate.model(formats=["greedy", "keras_v3"])
def tiny():
    inputs = keras.Input((3,))
    return keras.Model(inputs, keras.layers.Dense(2)(inputs))
"""


OWN_TEST = """
import keras


def test_mine(keras_roundtrip):
    inputs = keras.Input((3,))
    keras_roundtrip(keras.Model(inputs, keras.layers.Dense(2)(inputs)), formats=["greedy"])
"""


@pytest.mark.parametrize("guard", ["on", "off"])
def test_a_case_the_machine_cannot_hold_skips_unless_the_guard_is_off(tmp_path, guard):
    """The gate's case and a project's own test through ``keras_roundtrip`` alike."""
    (tmp_path / "conftest.py").write_text(PROJECT)
    (tmp_path / "test_mine.py").write_text(OWN_TEST)
    result = run_project(tmp_path, MODELS, ["tiny"], "-rA", f"--memory-guard={guard}")
    out = result.stdout
    assert result.returncode == 0, out[-3000:] + result.stderr[-2000:]
    if guard == "on":
        skipped = [line for line in out.splitlines() if line.startswith("SKIPPED [1]")]
        assert len(skipped) == 2, out[-3000:]  # the gate's case and test_mine
        assert all("not run: greedy is measured to need about" in line for line in skipped)
        assert "1 passed, 2 skipped" in out  # the rest of the run goes on
    else:
        assert "PASSED pytest.ini::test_round_trip[tiny-greedy]" in out
        assert "PASSED test_mine.py::test_mine" in out
