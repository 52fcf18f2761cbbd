"""A user's project in a temporary directory, run with plain ``pytest``: the plugin as a
project that installed it sees it (entry point, no conftest)."""

import os
import subprocess
import sys

FORGETFUL_LAYER = """
import keras


@keras.saving.register_keras_serializable(package="user")
class Scale(keras.layers.Layer):
    def __init__(self, factor=1.0, **kwargs):
        super().__init__(**kwargs)
        self.factor = factor

    def call(self, x):
        return x * self.factor

    def get_config(self):
        return super().get_config()  # forgets `factor`: a reload scales by 1.0
"""
"""A custom layer whose ``get_config()`` forgets a constructor argument."""

ENV = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"}


def run_project(
    directory, models: str, factories, *args, extra_ini: str = "", command=None, env=None
):
    """Write ``user_models.py`` and a ``pytest.ini`` naming ``factories``; run pytest there
    (``env``: variables to set, or to unset where the value is None)."""
    (directory / "user_models.py").write_text(models)
    entries = "".join(f"    user_models:{name}\n" for name in factories)
    (directory / "pytest.ini").write_text(f"[pytest]\nkeras_gate_models =\n{entries}{extra_ini}")
    return run(directory, command or ["-m", "pytest", "-p", "no:cacheprovider", *args], env)


def run(directory, args, env=None):
    """``python <args>`` in ``directory`` (an empty one: the script needs nothing beside it)."""
    changed = {**ENV, **(env or {})}
    return subprocess.run(
        [sys.executable, *args],
        cwd=directory,
        capture_output=True,
        text=True,
        env={name: value for name, value in changed.items() if value is not None},
        timeout=300,
        check=False,
    )
