"""GPU check, for the day a machine with a GPU is lent: one command, figures printed.

    python benchmarks/gpu_check.py                     # tier full, 1 and 2 workers per GPU
    python benchmarks/gpu_check.py --tier quick --workers-per-gpu 1
    python benchmarks/gpu_check.py --dry-run           # the plan, runnable anywhere

For each --workers-per-gpu N: the seed matrix (seed scenario, core formats) with
``pytest -n N --workers-per-gpu=N`` on GPU 0, while ``nvidia-smi`` is sampled for
the processes on the GPU; each case's device comes from the round-trip report and
must be ``gpu:0``, and every worker PID must have been seen on the GPU. Then the same
matrix on CPU (``CUDA_VISIBLE_DEVICES=""``) for the times, and
``benchmarks/gpu_vs_cpu.py`` for the GPU-vs-CPU prediction differences per model (the
measurement a GPU row of ``TOLERANCES`` needs). Exit status 1 if a worker ran
elsewhere than assigned, 2 if no GPU is visible.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from fixtures.model_registry import MODELS  # noqa: E402
from keras_gate import CORE_FORMATS  # noqa: E402
from keras_gate.distribute.devices import count_nvidia_gpus  # noqa: E402


def selection(tier: str) -> tuple[list[str], str]:
    models = [m for m in MODELS if tier == "full" or m.quick]
    expression = (
        "roundtrip and functional_head and fresh and float32 and unquantized"
        f" and ({' or '.join(CORE_FORMATS)})"
        f" and ({' or '.join(m.marker for m in models)})"
    )
    return [m.constructor for m in models], expression


def pytest_command(expression: str, workers: int, report: Path) -> list[str]:
    return [
        sys.executable,
        "-m",
        "pytest",
        "-q",
        "-p",
        "no:cacheprovider",
        "tests/regression",
        "-n",
        str(workers),
        f"--workers-per-gpu={workers}",
        "-m",
        expression,
        f"--roundtrip-report={report}",
    ]


def gpu_processes() -> set[int]:
    """PIDs nvidia-smi lists as compute processes right now."""
    out = subprocess.run(
        ["nvidia-smi", "--query-compute-apps=pid", "--format=csv,noheader"],
        capture_output=True,
        text=True,
        check=False,
    ).stdout
    return {int(line) for line in out.split() if line.strip().isdigit()}


def run_sampled(command: list[str], env: dict) -> tuple[float, set[int], int]:
    """Wall seconds, the GPU PIDs seen while ``command`` ran, its exit status."""
    seen: set[int] = set()
    done = threading.Event()

    def sample():
        while not done.is_set():
            seen.update(gpu_processes())
            time.sleep(1.0)

    sampler = threading.Thread(target=sample, daemon=True)
    start = time.monotonic()
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL)
    sampler.start()
    status = process.wait()
    done.set()
    sampler.join()
    return time.monotonic() - start, seen, status


def devices_in(report: Path) -> dict[str, str]:
    cases = json.loads(report.with_suffix(".json").read_text())["cases"]
    return {f"{c['model']}-{c['subject']}": c["device"] for c in cases}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tier", choices=("quick", "full"), default="full")
    parser.add_argument(
        "--workers-per-gpu", default="1,2", help="comma-separated values to run (default: 1,2)"
    )
    parser.add_argument("--dry-run", action="store_true", help="print the plan, run nothing")
    args = parser.parse_args(argv)
    try:
        counts = [int(n) for n in args.workers_per_gpu.split(",")]
    except ValueError:
        parser.error(f"--workers-per-gpu {args.workers_per_gpu!r}: expected e.g. 1,2")
    if any(n < 1 for n in counts):
        parser.error("--workers-per-gpu: every value must be >= 1")
    names, expression = selection(args.tier)
    scratch = Path(tempfile.mkdtemp(prefix="gpu-check-"))
    plan = [
        (
            f"gpu, {n} worker(s)",
            pytest_command(expression, n, scratch / f"gpu-{n}"),
            {"CUDA_VISIBLE_DEVICES": "0"},
        )
        for n in counts
    ]
    plan.append(
        (
            "cpu, 2 workers",
            pytest_command(expression, 2, scratch / "cpu"),
            {"CUDA_VISIBLE_DEVICES": ""},
        )
    )
    comparison = [sys.executable, str(ROOT / "benchmarks" / "gpu_vs_cpu.py"), *names]
    if args.dry_run:
        for label, command, env in plan:
            print(f"{label}: {' '.join(f'{k}={v}' for k, v in env.items())} {' '.join(command)}")
        print(f"differences: {' '.join(comparison)}")
        return 0
    if count_nvidia_gpus() == 0:
        print("no GPU visible (nvidia-smi lists none): nothing to check", file=sys.stderr)
        return 2
    wrong = 0
    print(f"{'run':22} {'seconds':>8}  devices")
    for label, command, extra in plan:
        seconds, pids, status = run_sampled(command, {**os.environ, **extra})
        devices = devices_in(Path(command[-1].split("=", 1)[1]))
        expected = "cpu" if extra["CUDA_VISIBLE_DEVICES"] == "" else "gpu:0"
        off = {case: d for case, d in devices.items() if d != expected}
        wrong += len(off)
        note = f"all {len(devices)} cases on {expected}" if not off else f"NOT on {expected}: {off}"
        if expected != "cpu":
            note += f"; {len(pids)} process(es) seen on the GPU"
        print(f"{label:22} {seconds:8.1f}  {note} (pytest exit {status})")
    subprocess.run(comparison, cwd=ROOT, check=False)
    return 1 if wrong else 0


if __name__ == "__main__":
    sys.exit(main())
