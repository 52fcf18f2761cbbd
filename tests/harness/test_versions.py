"""The stack a run's verdicts hold for, read from package metadata."""

import pytest

from keras_gate.engine.runtime import versions


@pytest.mark.parametrize(
    "installed, expected",
    [
        ({"keras": "3.15.1", "keras-hub": "0.32.0"}, "0.32.0"),
        ({"keras-nightly": "3.16.0.dev1", "keras-hub-nightly": "0.33.0.dev1"}, "0.33.0.dev1"),
        ({"keras": "3.15.1"}, None),
    ],
)
def test_the_stack_names_keras_hub_where_it_is_installed(monkeypatch, installed, expected):
    def version(*names):
        return next((installed[n] for n in names if n in installed), None)

    monkeypatch.setattr(versions, "distribution_version", version)
    stack = versions.stack_versions()
    assert stack["keras"] == (installed.get("keras") or installed.get("keras-nightly"))
    assert stack.get("keras-hub") == expected
