"""A user's project in a temporary directory, run with plain ``pytest``: the plugin as a
project that installed it sees it (entry point, no conftest)."""

import contextlib
import io
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

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

TWO_MODELS = (
    FORGETFUL_LAYER
    + """

def dense():
    inputs = keras.Input((4,))
    return keras.Model(inputs, keras.layers.Dense(2)(inputs))


def forgets():
    inputs = keras.Input((4,))
    return keras.Model(inputs, Scale(3.0)(keras.layers.Dense(2)(inputs)))
"""
)
"""A project module with two factories: ``dense`` round-trips; ``forgets`` does not."""

ENV = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"}


IN_PROCESS = not os.environ.get("KERAS_GATE_HARNESS_SUBPROCESS")
"""Run a project's pytest inside this worker (``pytest.main``), not as a new interpreter:
a new one pays ~6 s importing TensorFlow and Keras, which most of these tests do not test.
Tests of what only a fresh process shows (native log lines, a hang, the import cost
itself) ask for a subprocess; ``KERAS_GATE_HARNESS_SUBPROCESS=1`` runs
every one in a subprocess."""


def run_project(
    directory,
    models: str,
    factories,
    *args,
    extra_ini: str = "",
    command=None,
    env=None,
    subprocess: bool = False,
):
    """Write ``user_models.py`` and a ``pytest.ini`` naming ``factories``; run pytest there,
    in this process unless ``subprocess`` (or a ``command`` is given). ``env`` sets
    variables, or unsets those whose value is None (in this process: for the run only, so
    only variables read while it runs, like pytest's ``CI``; others need a subprocess)."""
    (directory / "user_models.py").write_text(models)
    entries = "".join(f"    user_models:{name}\n" for name in factories)
    (directory / "pytest.ini").write_text(f"[pytest]\nkeras_gate_models =\n{entries}{extra_ini}")
    pytest_args = ["-p", "no:cacheprovider", *args]
    if IN_PROCESS and not (subprocess or command):
        # pytest's unraisable-exception plugin collects garbage at exit, a walk of this
        # whole worker's heap per run; it reports nothing the gate's tests read.
        return run_in_process(directory, ["-p", "no:unraisableexception", *pytest_args], env)
    return run(directory, command or ["-m", "pytest", *pytest_args], env)


@dataclass
class Ran:
    """What a run gave back (the fields of ``subprocess.CompletedProcess`` the tests read)."""

    args: list
    returncode: int
    stdout: str
    stderr: str


def run_in_process(directory, args, env=None) -> Ran:
    """``python -m pytest <args>`` in ``directory``, as ``pytest.main`` in this process: the
    directory first on ``sys.path`` (as ``-m`` puts it) and the working directory, both
    restored after; the project's own modules forgotten after, so the next project's
    ``user_models`` is its own. Keras's name counters start afresh, as in a new process."""
    from keras_gate.collect.lifecycle import clear_keras_session

    directory = Path(directory).resolve()
    # A module of the same name another project (or test) left: this project's is its own.
    own = {p.stem for p in directory.iterdir() if p.suffix == ".py" or (p / "__init__.py").exists()}
    for name in [n for n in sys.modules if n.split(".")[0] in own]:
        del sys.modules[name]
    cwd, path, before = os.getcwd(), list(sys.path), set(sys.modules)
    out, err = io.StringIO(), io.StringIO()
    clear_keras_session()
    os.chdir(directory)
    sys.path.insert(0, str(directory))
    try:
        with pytest.MonkeyPatch.context() as patch:  # the run's variables, undone after
            for name, value in (env or {}).items():
                if value is None:
                    patch.delenv(name, raising=False)
                else:
                    patch.setenv(name, value)
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
                code = pytest.main(list(args))
    finally:
        os.chdir(cwd)
        sys.path[:] = path
        for name in set(sys.modules) - before:
            file = getattr(sys.modules[name], "__file__", None)
            if file and Path(file).resolve().is_relative_to(directory):
                del sys.modules[name]
    return Ran(["pytest", *args], int(code), out.getvalue(), err.getvalue())


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
