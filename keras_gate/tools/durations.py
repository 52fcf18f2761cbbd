"""Stored durations from sharded runs, corrected for each shard's machine speed.

    python -m keras_gate.tools.durations \\
        --run BASE.json shard1.json shard2.json ... [--run BASE2.json ...] --out all.json

Each ``--run`` is one sharded run: the durations file its shards started from (the
committed ``.ci/durations/*.json``), then each shard's ``--store-durations`` copy. A
shard's own measurements are the entries of its copy that differ from the base (or
are new). Shards run on different runners, or one after another on a machine whose
speed drifts, so their seconds are not in one unit: a split by naively merged
durations is balanced on paper and not in the wall clock. The fit models a measured
duration as ``true[test] * speed[shard]`` and alternates the two estimates until they
settle: a test's time is the geometric mean, over the shards that measured it, of its
durations divided by the shard's speed; a shard's speed is its measured total over
the fitted total of its tests. Speeds are normalised to a geometric mean of 1 and
the output is in the seconds of a shard of mean speed. A test measured by two shards
of one run is refused (their copies overlap: not one run); a test no shard measured
keeps its base value (the newest base that has it). The per-shard speeds go to
stderr: one runner far from 1 is the drift the split cannot fix.

Exit status: 0; 2 for input that cannot be read or does not form runs (the message
names the file).
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from dataclasses import dataclass
from pathlib import Path

FLOOR = 1e-3  # seconds: a 0.0 duration (a skipped test) has no logarithm


class DurationsError(Exception):
    """Input that cannot be merged; the message names the file at fault."""


@dataclass
class Shard:
    path: str
    measured: dict[str, float]  # test -> seconds, this shard's own measurements
    speed: float = 1.0


def read_durations(path: str) -> dict[str, float]:
    """A durations file (``{test id: seconds}``), or ``DurationsError`` naming it."""
    try:
        data = json.loads(Path(path).read_text())
    except (OSError, ValueError) as exc:
        raise DurationsError(f"{path}: cannot read durations: {exc}") from None
    if not isinstance(data, dict) or not all(
        isinstance(v, (int, float)) and not isinstance(v, bool) and v >= 0 for v in data.values()
    ):
        raise DurationsError(f"{path}: not a durations file ({{test id: seconds >= 0}})")
    return {k: float(v) for k, v in data.items()}


def shards_of_run(base_path: str, shard_paths: list[str]) -> tuple[dict, list[Shard]]:
    """The base of one run and its shards' own measurements."""
    base = read_durations(base_path)
    shards, by = [], {}
    for path in shard_paths:
        copy = read_durations(path)
        own = {t: s for t, s in copy.items() if base.get(t) != s}
        for test in own:
            if test in by:
                raise DurationsError(
                    f"{path}: {test} was also measured by {by[test]} in the same run "
                    f"(base {base_path}): two shards of one run never share a test"
                )
            by[test] = path
        shards.append(Shard(path, own))
    return base, shards


def fit(shards: list[Shard], iterations: int = 200, tol: float = 1e-13) -> dict[str, float]:
    """Fitted seconds per measured test (in a mean-speed shard's seconds); sets each
    shard's ``speed`` (geometric mean 1)."""
    logs: dict[str, list[tuple[Shard, float]]] = {}
    for shard in shards:
        for test, seconds in shard.measured.items():
            logs.setdefault(test, []).append((shard, math.log(max(seconds, FLOOR))))
    true: dict[str, float] = {}
    for _ in range(iterations):
        true = {
            t: math.exp(sum(lg - math.log(sh.speed) for sh, lg in pairs) / len(pairs))
            for t, pairs in logs.items()
        }
        speeds = []
        for shard in shards:
            fitted = sum(true[t] for t in shard.measured)
            measured = sum(max(s, FLOOR) for s in shard.measured.values())
            speeds.append(measured / fitted if fitted else 1.0)
        norm = math.exp(sum(math.log(s) for s in speeds) / len(speeds))
        change = max(abs(s / norm - sh.speed) for s, sh in zip(speeds, shards))
        for shard, speed in zip(shards, speeds):
            shard.speed = speed / norm
        if change < tol:
            break
    mean_speed = sum(sh.speed for sh in shards) / len(shards)
    return {t: seconds * mean_speed for t, seconds in true.items()}


def linked_groups(shards: list[Shard]) -> int:
    """How many groups of shards are linked by tests they both measured: speeds
    compare only within a group (one run's shards share no test: alone, a plain merge)."""
    parent = list(range(len(shards)))

    def root(i: int) -> int:
        while parent[i] != i:
            i = parent[i]
        return i

    first: dict[str, int] = {}
    for i, shard in enumerate(shards):
        for test in shard.measured:
            parent[root(i)] = root(first.setdefault(test, i))
    return len({root(i) for i in range(len(shards))})


def merge(runs: list[list[str]]) -> tuple[dict[str, float], list[Shard], int]:
    """``(durations, shards, kept)`` for runs given as ``[base, shard, ...]`` lists;
    ``kept`` counts tests no shard measured, carried from a base."""
    bases, shards = [], []
    for run in runs:
        if len(run) < 2:
            raise DurationsError(f"--run {' '.join(run)}: a base and at least one shard")
        base, run_shards = shards_of_run(run[0], run[1:])
        bases.append(base)
        shards.extend(run_shards)
    fitted = fit(shards)
    merged, kept = dict(fitted), 0
    for base in reversed(bases):  # the newest base wins
        for test, seconds in base.items():
            if test not in merged:
                merged[test], kept = seconds, kept + 1
    return merged, shards, kept


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m keras_gate.tools.durations",
        description="Merge sharded runs' stored durations, corrected for shard speed.",
    )
    parser.add_argument(
        "--run",
        nargs="+",
        action="append",
        required=True,
        metavar="FILE",
        help="one sharded run: the base durations file, then each shard's copy",
    )
    parser.add_argument("--out", required=True, help="the merged durations file to write")
    args = parser.parse_args(argv)
    try:
        merged, shards, kept = merge(args.run)
    except DurationsError as exc:
        print(f"durations: {exc}", file=sys.stderr)
        return 2
    for shard in shards:
        print(
            f"{shard.path}: {len(shard.measured)} tests, speed {shard.speed:.3f}",
            file=sys.stderr,
        )
    groups = linked_groups(shards)
    if groups > 1:
        print(
            f"{groups} groups of shards share no test: speeds are not fitted across "
            "them (a second run with another split links them)",
            file=sys.stderr,
        )
    print(
        f"{len(merged)} tests: {len(merged) - kept} fitted, {kept} kept from a base",
        file=sys.stderr,
    )
    out = Path(args.out)
    tmp = out.with_name(out.name + ".tmp")
    tmp.write_text(json.dumps(merged, sort_keys=True, indent=4) + "\n")
    tmp.replace(out)  # never a half-written durations file
    return 0


if __name__ == "__main__":
    sys.exit(main())
