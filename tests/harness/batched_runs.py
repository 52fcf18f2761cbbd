"""Many runs in one fresh interpreter: ``pytest`` runs of the suite's own tests (ids under
``-m``, usage errors) and reproducer scripts. Each new interpreter pays ~1 s for Python,
pytest and the plugin (a reproducer: ~5 s importing Keras), and a module of such runs paid
it up to 14 times.

The interpreter is fresh (not this worker, whose conftests and modules are loaded); the
runs share it as pytester's ``inline_run`` runs share one, each pytest run with its own
config, each script as ``__main__``. No gate module is imported for a script."""

import json
import os
import subprocess
import sys
from pathlib import Path

from user_project import Ran

ROOT = Path(__file__).resolve().parents[2]

_SCRIPT = """
import contextlib, io, json, runpy, sys

results = []
for kind, argument in json.load(sys.stdin):
    out, err, status = io.StringIO(), io.StringIO(), 0
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            if kind == "pytest":
                import pytest

                status = int(pytest.main(argument))
            else:
                runpy.run_path(argument, run_name="__main__")
        except SystemExit as exit:
            status = exit.code
    results.append([status, out.getvalue(), err.getvalue()])
print(json.dumps(results))  # the last line: native log lines may come before it
"""


def _run_batch(jobs: list, cwd, timeout) -> list:
    done = subprocess.run(
        [sys.executable, "-c", _SCRIPT],
        input=json.dumps(jobs),
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"},
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"the batched runs failed:\n{done.stdout[-2000:]}{done.stderr[-3000:]}")
    return json.loads(done.stdout.splitlines()[-1])


def run_pytest_batch(runs: dict[str, list[str]], timeout=300) -> dict[str, Ran]:
    """``pytest -p no:cacheprovider <args>`` in the project's root for each named argument
    list, one after another in one new interpreter; what each run gave back, by name."""
    arg_lists = [["-p", "no:cacheprovider", *args] for args in runs.values()]
    results = _run_batch([["pytest", args] for args in arg_lists], ROOT, timeout)
    return {
        name: Ran(["pytest", *args], code, out, err)
        for name, args, (code, out, err) in zip(runs, arg_lists, results, strict=True)
    }


def run_script_batch(scripts: list[Path], cwd, timeout=300) -> dict[str, Ran]:
    """Each script run as ``__main__`` in ``cwd``, one after another in one new
    interpreter; by file name (``returncode``: its exit status; stderr: what it wrote
    through Python, its traceback when it exits 2)."""
    results = _run_batch([["script", str(path)] for path in scripts], cwd, timeout)
    return {
        Path(path).name: Ran([str(path)], status, out, err)
        for path, (status, out, err) in zip(scripts, results, strict=True)
    }
