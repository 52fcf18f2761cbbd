"""Under -n every built model stays on one worker, and each build is announced."""

import re

from user_project import run_project

MODELS = """
import keras


def first():
    inputs = keras.Input((4,))
    return keras.Model(inputs, keras.layers.Dense(2)(inputs))


def second():
    inputs = keras.Input((3,))
    return keras.Model(inputs, keras.layers.Dense(2)(inputs))
"""


def test_each_model_is_built_once_under_xdist(tmp_path, capfd):
    # The workers' own lines go to the stderr they inherited, this process's file
    # descriptor 2: capfd reads them there (the controller runs in this process; under
    # KERAS_GATE_HARNESS_SUBPROCESS=1 they are in the run's own stderr).
    result = run_project(tmp_path, MODELS, ["first", "second"], "-n", "2", "-v")
    workers = result.stderr + capfd.readouterr().err
    assert result.returncode == 0, result.stdout[-2000:] + workers[-2000:]
    builds = re.findall(r"\[(gw\d)\] keras gate: building (\w+)", workers)
    assert sorted(model for _, model in builds) == ["first", "second"], workers[-2000:]
    built = re.findall(
        r"\[(gw\d)\] keras gate: built (\w+) in [\d.]+ s \(as built weights\), "
        r"peak RSS [\d.]+ GiB",
        workers,
    )
    assert sorted(built) == sorted(builds)
    # xdist groups by the node id's "@<group>" suffix (pytest 9 needs it applied by us).
    assert "test_round_trip[first-keras_v3]@first " in result.stdout, result.stdout[-2000:]
    # All of a model's cases ran on the worker that built it.
    for worker, model in builds:
        ran = re.findall(rf"\[(gw\d)\] .*test_round_trip\[{model}-", result.stdout)
        assert ran and set(ran) == {worker}, result.stdout[-2000:]


CRASHING = """
import os
import pathlib

import pytest

CASES = [
    pytest.param(g, i, marks=pytest.mark.xdist_group(g), id=f"{g}{i}")
    for g in "abcdef"
    for i in range(3)
]


@pytest.mark.parametrize(("group", "i"), CASES)
def test_unit(group, i):
    marker = pathlib.Path(os.environ["CRASH_MARKER"])
    if group == "f" and i == 0 and not marker.exists():
        marker.write_text("crashed once")
        os._exit(1)  # the worker dies, as under the OOM killer
"""


def test_a_run_whose_worker_crashed_ends_with_the_crash_as_its_one_failure(tmp_path):
    # pytest-xdist 3.8.0's loadgroup re-queues the dead worker's finished groups as empty
    # units and the run never ends (pytest-dev/pytest-xdist#1378): 60 s timeout here,
    # checked with `-p no:keras_gate`. The gate's scheduler ends it, without running the
    # test the worker died on again.
    import os
    import subprocess
    import sys

    (tmp_path / "test_crash.py").write_text(CRASHING)
    (tmp_path / "pytest.ini").write_text("[pytest]\n")
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-n", "2", "-q", "-p", "no:cacheprovider"],
        cwd=tmp_path,
        env={**os.environ, "CRASH_MARKER": str(tmp_path / "marker")},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 1, result.stdout[-2000:]
    assert "1 failed, 17 passed" in result.stdout, result.stdout[-2000:]
    assert "worker 'gw" in result.stdout and "crashed while running" in result.stdout
