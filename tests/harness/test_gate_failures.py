"""The gate fails loudly: bad selections, empty or all-skipped runs, hangs, unsafe loads."""

import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from batched_runs import run_pytest_batch
from user_project import run_project

ROOT = Path(__file__).resolve().parents[2]


def _pytest(*args, timeout=300):
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"}
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
        check=False,
    )


USAGE = {
    # The suite alone: collecting the harness too would import TensorFlow for nothing.
    "unregistered marker": ["--co", "-q", "tests/regression", "-m", "efficientnetb9 and keras_v3"],
    "unknown weights": ["--co", "-q", "--weights=imagenette"],
    "empty selection": ["-q", "tests/regression", "-m", "efficientnetb0 and not efficientnetb0"],
}
"""The runs of the suite the usage-error tests read, made in one interpreter."""


@pytest.fixture(scope="module")
def usage_runs():
    return run_pytest_batch(USAGE)


def test_an_unregistered_marker_in_m_is_a_usage_error_listing_the_markers(usage_runs):
    result = usage_runs["unregistered marker"]
    assert result.returncode == pytest.ExitCode.USAGE_ERROR
    assert "unknown marker(s) efficientnetb9" in result.stderr
    assert "efficientnetb0" in result.stderr and "keras_v3" in result.stderr


def test_an_unknown_weights_value_is_a_usage_error_listing_the_choices(usage_runs):
    result = usage_runs["unknown weights"]
    assert result.returncode == pytest.ExitCode.USAGE_ERROR
    assert "'auto', 'imagenet', 'synthetic'" in result.stderr


def test_a_selection_with_no_tests_exits_non_zero(usage_runs):
    assert usage_runs["empty selection"].returncode == pytest.ExitCode.NO_TESTS_COLLECTED


def test_a_gate_whose_every_case_skipped_did_not_pass(tmp_path):
    # Every case of this project skips: its one model runs on another backend only.
    models = (
        "import keras\nimport keras_gate\n\n\n"
        "@keras_gate.model(backends=['jax'] if keras.backend.backend() != 'jax' else ['torch'])\n"
        "def elsewhere():\n    inputs = keras.Input((3,))\n"
        "    return keras.Model(inputs, keras.layers.Dense(2)(inputs))\n"
    )
    result = run_project(tmp_path, models, ["elsewhere"], "-q")
    summary = result.stdout.strip().splitlines()[-1]
    assert re.fullmatch(r"2 skipped in .*", summary), result.stdout[-2000:]
    assert "a gate that ran nothing did not pass" in result.stdout
    assert result.returncode == pytest.ExitCode.TESTS_FAILED


HANG = textwrap.dedent(
    """
    import signal, threading

    def test_stuck_in_native_code():
        # SIGALRM blocked: like a deadlock inside TensorFlow's C++ code, no
        # Python signal handler can run.
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGALRM})
        threading.Event().wait()
    """
)


@pytest.mark.parametrize(
    "workers", [[], ["-n", "1", "--max-worker-restart=0"]], ids=["no-xdist", "xdist"]
)
def test_a_hang_in_native_code_ends_by_timeout_and_fails_the_run(tmp_path, workers):
    (tmp_path / "test_hang.py").write_text(HANG)
    result = _pytest(
        "-c",
        str(ROOT / "pyproject.toml"),
        "--rootdir",
        str(tmp_path),
        "--timeout=1",
        *workers,
        str(tmp_path / "test_hang.py"),
        timeout=120,
    )
    assert result.returncode == pytest.ExitCode.TESTS_FAILED
    output = result.stdout + result.stderr
    if workers:  # the worker's stack dump goes to its own stderr; the controller says:
        assert "crashed while running 'test_hang.py::test_stuck_in_native_code'" in output
    else:
        assert "Timeout" in output


def test_the_suite_loads_with_safe_mode_on(tmp_path):
    import keras

    from keras_gate.engine.formats import get_format

    inputs = keras.Input((2,))
    model = keras.Model(inputs, keras.layers.Lambda(lambda x: x * 2)(inputs))
    path = tmp_path / "lambda.keras"
    model.save(path)
    with pytest.raises(ValueError, match="safe_mode"):
        get_format("keras_v3").load(path)
    assert "safe_mode=False" not in "".join(p.read_text() for p in (ROOT / "fixtures").glob("*.py"))
