"""Benchmark the gate against a naive script per case and the unavoidable floor.

    python benchmarks/bench_matrix.py --tier quick
    python benchmarks/bench_matrix.py --tier full

Prints one table: wall seconds and peak RSS of the largest process, for

- naive: each (model, format) case as the seed's standalone script in a fresh
  process, no caches (weights made every time);
- floor: one process doing only the unavoidable work (weights already cached);
- suite cold: ``pytest -n auto -m roundtrip`` on an empty weight cache;
- suite warm: the same again, the cache now full (and whether it made weights).

Targets (printed, never asserted): suite warm <= 1.15 x floor; naive >= 3 x
suite warm; warm makes no weights; peak RSS of any worker <= 4 GiB.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from fixtures.model_registry import MODELS  # noqa: E402
from keras_gate import FORMATS  # noqa: E402

GIB = 1024**3


def timed(command: list[str]) -> tuple[float, int]:
    """Wall seconds and peak RSS (bytes) of ``command`` and every process it waited for."""
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"}
    start = time.monotonic()
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.monotonic() - start
    if os.waitstatus_to_exitcode(status) not in (0, 1):  # 1: the gate's verdicts
        raise SystemExit(f"{command} exited with {os.waitstatus_to_exitcode(status)}")
    return seconds, usage.ru_maxrss * 1024


def cache_state(cache: Path) -> set:
    return {(p.name, p.stat().st_mtime_ns) for p in cache.glob("*.h5")}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tier", choices=("quick", "full"), default="quick")
    parser.add_argument("--workers", default="auto", help="pytest -n value (default: auto)")
    parser.add_argument(
        "--modes",
        default="naive,cold,warm,floor",
        help="which measurements, comma-separated (default: naive,cold,warm,floor)",
    )
    parser.add_argument(
        "--weights-cache",
        type=Path,
        default=None,
        help="an existing, filled weight cache for the suite and the floor (default: a new "
        "empty one, filled by the cold run)",
    )
    parser.add_argument(
        "--repeat", type=int, default=1, help="run the suite warm this many times (the least wins)"
    )
    args = parser.parse_args()
    modes = set(args.modes.split(","))
    models = [m for m in MODELS if args.tier == "full" or m.quick]
    names = [m.constructor for m in models]
    formats = [fmt for fmt in FORMATS if fmt.core]
    # The seed scenario, core formats: the cases naive and floor do too.
    selection = (
        "roundtrip and functional_head and fresh and float32 and unquantized and ("
        + " or ".join(fmt.name for fmt in formats)
        + ") and ("
        + " or ".join(m.marker for m in models)
        + ")"
    )
    python = sys.executable
    work = str(ROOT / "benchmarks" / "roundtrip_work.py")
    rows = []
    with tempfile.TemporaryDirectory() as scratch:
        scratch = Path(scratch)
        naive_s, naive_rss = 0.0, 0
        for model in names if "naive" in modes else ():
            for fmt in formats:
                empty = scratch / f"naive-{model}-{fmt.name}"
                seconds, rss = timed([python, work, "naive", model, fmt.name, str(empty)])
                naive_s, naive_rss = naive_s + seconds, max(naive_rss, rss)
        if "naive" in modes:
            rows.append(("naive (a fresh script per case)", naive_s, naive_rss, ""))

        cache = args.weights_cache or scratch / "cache"
        suite = [
            python,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "-n",
            args.workers,
            "tests/regression",
            "-m",
            selection,
            f"--weights-cache={cache}",
        ]
        cold_s = cold_rss = warm_s = warm_rss = floor_s = made = 0
        if "cold" in modes:
            cold_s, cold_rss = timed(suite)
            rows.append(("suite cold (empty weight cache)", cold_s, cold_rss, ""))
        if "warm" in modes:
            before = cache_state(cache)
            runs = [timed(suite) for _ in range(max(1, args.repeat))]
            warm_s, warm_rss = min(runs)
            made = len(cache_state(cache) - before)
            every = ", ".join(f"{seconds:.1f}" for seconds, _ in runs)
            rows.append(
                ("suite warm", warm_s, warm_rss, f"weight files made: {made}; runs: {every}")
            )
        if "floor" in modes:
            floor_s, floor_rss = timed([python, work, "floor", str(cache), *names])
            rows.append(("floor (one process, cached weights)", floor_s, floor_rss, ""))

    print(
        f"\ntier {args.tier}: {len(names)} models x {len(formats)} formats = "
        f"{len(names) * len(formats)} round trips, pytest -n {args.workers}, "
        f"{os.cpu_count()} CPUs"
    )
    print(f"{'mode':38} {'seconds':>8} {'peak RSS':>10}  note")
    for mode, seconds, rss, note in rows:
        print(f"{mode:38} {seconds:8.1f} {rss / GIB:8.2f} GiB  {note}")
    print("targets:")
    if warm_s and floor_s:
        print(f"  suite warm / floor = {warm_s / floor_s:.2f} (target <= 1.15)")
    if warm_s and naive_s:
        print(f"  naive / suite warm = {naive_s / warm_s:.2f} (target >= 3)")
    if warm_s:
        print(f"  weight files made by the warm run = {made} (target 0)")
    print(
        f"  peak RSS of the largest suite process = {max(cold_rss, warm_rss) / GIB:.2f} GiB "
        "(target <= 4)"
    )


if __name__ == "__main__":
    main()
