"""Resident memory per built model and scenario, in one process, as the gate runs them.

    python benchmarks/memory_profile.py -m "mobilenetv2"            # default scenarios
    python benchmarks/memory_profile.py -m "efficientnetb0" --scenarios=all

Runs ``pytest -n 0`` on ``tests/regression`` with ``benchmarks/rss_probe.py`` (any
further arguments go to pytest) and prints, per built model in run order: RSS
before its build, the most seen while its cases ran, after it was released,
what stayed (after - before), the Keras models still alive and the functions
TensorFlow's eager context holds once it was released. A model that leaves memory
behind shows as a growing "after"; one that only needs much shows as "during".
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def profile(pytest_args: list[str]) -> list[dict]:
    with tempfile.TemporaryDirectory() as scratch:
        lines = Path(scratch) / "rss.jsonl"
        env = {
            **os.environ,
            "PYTHONPATH": os.pathsep.join(
                filter(None, [str(ROOT / "benchmarks"), os.environ.get("PYTHONPATH")])
            ),
            "TF_CPP_MIN_LOG_LEVEL": "2",
        }
        command = [
            sys.executable, "-m", "pytest", "-n", "0", "-q", "-p", "no:cacheprovider",
            "-p", "rss_probe", f"--rss-probe={lines}", "tests/regression", *pytest_args,
        ]  # fmt: skip
        subprocess.run(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, check=False)
        return [json.loads(line) for line in lines.read_text().splitlines()]


def per_build(records: list[dict]) -> list[dict]:
    builds: list[dict] = []
    before = None
    for record in records:
        if not builds or builds[-1]["build"] != record["build"]:
            start = before if before is not None else record["rss_gib"]
            builds.append({"build": record["build"], "before": start, "during": 0.0})
        row = builds[-1]
        row["during"] = max(row["during"], record["rss_gib"])
        if record["step"] == "finish":
            row["after"] = before = record["rss_gib"]
            row["models"] = record["models_alive"]
            row["functions"] = record["tf_functions"]
    return builds


def main() -> None:
    rows = per_build(profile(sys.argv[1:]))
    print(f"{'built model':<36} {'before':>7} {'during':>7} {'after':>7} {'stayed':>7} models fns")
    for row in rows:
        print(
            f"{row['build']:<36} {row['before']:7.2f} {row['during']:7.2f} {row['after']:7.2f} "
            f"{row['after'] - row['before']:+7.2f} {row['models']:>6} {row['functions']:>3}"
        )
    print("GiB; 'after' is measured once the model's last case finished and it was released.")


if __name__ == "__main__":
    main()
