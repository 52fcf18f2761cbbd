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


def test_each_model_is_built_once_under_xdist(tmp_path):
    # The workers' own lines go to the stderr they inherited: a process of its own.
    result = run_project(tmp_path, MODELS, ["first", "second"], "-n", "2", "-v", subprocess=True)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    builds = re.findall(r"\[(gw\d)\] keras gate: building (\w+)", result.stderr)
    assert sorted(model for _, model in builds) == ["first", "second"], result.stderr[-2000:]
    built = re.findall(
        r"\[(gw\d)\] keras gate: built (\w+) in [\d.]+ s \(as built weights\), "
        r"peak RSS [\d.]+ GiB",
        result.stderr,
    )
    assert sorted(built) == sorted(builds)
    # xdist groups by the node id's "@<group>" suffix (pytest 9 needs it applied by us).
    assert "test_round_trip[first-keras_v3]@first " in result.stdout, result.stdout[-2000:]
    # All of a model's cases ran on the worker that built it.
    for worker, model in builds:
        ran = re.findall(rf"\[(gw\d)\] .*test_round_trip\[{model}-", result.stdout)
        assert ran and set(ran) == {worker}, result.stdout[-2000:]
