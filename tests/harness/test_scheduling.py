"""Under -n every built model stays on one worker, and each build is announced."""

import os
import re
import subprocess
import sys

MODELS = """
import keras


def first():
    inputs = keras.Input((4,))
    return keras.Model(inputs, keras.layers.Dense(2)(inputs))


def second():
    inputs = keras.Input((3,))
    return keras.Model(inputs, keras.layers.Dense(2)(inputs))
"""


def test_each_model_is_built_once_under_xdist(tmp_path):
    (tmp_path / "user_models.py").write_text(MODELS)
    (tmp_path / "pytest.ini").write_text(
        "[pytest]\nkeras_gate_models =\n    user_models:first\n    user_models:second\n"
    )
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-n", "2", "-v"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"},
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    builds = re.findall(r"\[(gw\d)\] keras gate: building (\w+)", result.stderr)
    assert sorted(model for _, model in builds) == ["first", "second"], result.stderr[-2000:]
    built = re.findall(
        r"\[(gw\d)\] keras gate: built (\w+) in [\d.]+ s \(as built weights\), "
        r"peak RSS [\d.]+ GiB",
        result.stderr,
    )
    assert sorted(built) == sorted(builds)
    # All of a model's cases ran on the worker that built it.
    for worker, model in builds:
        ran = re.findall(rf"\[(gw\d)\] .*test_round_trip\[{model}-", result.stdout)
        assert ran and set(ran) == {worker}, result.stdout[-2000:]
