"""Many ``python -m pytest`` runs in one fresh interpreter, for tests that read what pytest
prints for the suite's own tests (ids under ``-m``, usage errors): each new interpreter pays
~1 s for Python, pytest and the plugin, and a module of such runs paid it 14 times.

The interpreter is fresh (not this worker, whose conftests and modules are loaded); the
runs share it as pytester's ``inline_run`` runs share one, each with its own config."""

import json
import os
import subprocess
import sys
from pathlib import Path

from user_project import Ran

ROOT = Path(__file__).resolve().parents[2]

_SCRIPT = """
import contextlib, io, json, sys
import pytest

results = []
for args in json.load(sys.stdin):
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = pytest.main(args)
    results.append([int(code), out.getvalue(), err.getvalue()])
sys.__stdout__.write(json.dumps(results))
"""


def run_pytest_batch(runs: dict[str, list[str]], timeout=300) -> dict[str, Ran]:
    """``pytest -p no:cacheprovider <args>`` in the project's root for each named argument
    list, one after another in one new interpreter; what each run gave back, by name."""
    arg_lists = [["-p", "no:cacheprovider", *args] for args in runs.values()]
    done = subprocess.run(
        [sys.executable, "-c", _SCRIPT],
        input=json.dumps(arg_lists),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"},
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"the batched runs failed:\n{done.stdout[-2000:]}{done.stderr[-3000:]}")
    results = json.loads(done.stdout)
    return {
        name: Ran(["pytest", *args], code, out, err)
        for name, args, (code, out, err) in zip(runs, arg_lists, results, strict=True)
    }
