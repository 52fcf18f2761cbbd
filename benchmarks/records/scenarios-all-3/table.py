"""The 4-shard table of --scenarios=all from each shard's records (gate.json, sample.log,
builds.log): verdicts, predicted vs measured test seconds, wall, peak RSS per worker, disk."""

import collections
import gzip
import json
import re
import sys
from pathlib import Path


def read(base, name):
    """``<base>/<name>`` as a shard wrote it, or ``<base>-<name>.gz`` as kept here."""
    if Path(base, name).exists():
        return Path(base, name).read_text()
    return gzip.open(f"{base}-{name}.gz", "rt").read()


rows = []
for k, base in enumerate(sys.argv[1:], start=1):
    gate = json.loads(read(base, "gate.json"))
    shard = gate["shard"]
    verdicts = collections.Counter(c["verdict"] for c in gate["cases"])
    peaks = collections.defaultdict(float)
    for line in read(base, "builds.log").splitlines():
        m = re.match(r"\S*\[(gw\d+)\] keras gate: built .* peak RSS ([\d.]+) GiB", line)
        if m:
            peaks[m[1]] = max(peaks[m[1]], float(m[2]))
    disk, sampled = 0, collections.defaultdict(int)
    for line in read(base, "sample.log").splitlines():
        parts = line.split()
        disk = max(disk, int(parts[1].split("=")[1] or 0))  # no basetemp yet: empty
        for i, v in enumerate(parts[2:]):
            sampled[i] = max(sampled[i], int(v.removeprefix("rss=") or 0))
    rows.append((k, shard, verdicts, dict(peaks), dict(sampled), disk))

HEADER = (
    "shard",
    "cases",
    "pass",
    "xfail",
    "skip",
    "fail/error",
    "predicted test s",
    "measured test s",
    "wall",
    "peak RSS at builds (gw0, gw1)",
    "peak RSS sampled",
    "peak disk",
)
print("| " + " | ".join(HEADER) + " |")
print("|" + "---|" * len(HEADER))
for _, shard, v, peaks, sampled, disk in rows:
    red = sum(n for key, n in v.items() if key not in ("pass", "xfail", "skip"))
    wall = shard["measured_s"]
    print(
        f"| {shard['group']} | {shard['cases']} | {v['pass']} | {v['xfail']} | {v['skip']} | {red} "
        f"| {shard['predicted_s'][shard['group'] - 1]:.0f} | {shard['tests_s']:.0f} "
        f"| {int(wall // 60)}:{int(wall % 60):02d} "
        f"| {', '.join(f'{peaks[g]:.2f}' for g in sorted(peaks))} GiB "
        f"| {', '.join(f'{m / 1024:.2f}' for m in sampled.values())} GiB | {disk} MB |"
    )
measured = [r[1]["tests_s"] for r in rows]
walls = [r[1]["measured_s"] for r in rows]
print(
    f"\nmeasured test seconds: max/mean {max(measured) / (sum(measured) / len(measured)):.3f}; "
    f"wall: max/mean {max(walls) / (sum(walls) / len(walls)):.3f}; wall sum {sum(walls):.0f} s"
)
print("verdicts:", dict(sum((r[2] for r in rows), collections.Counter())))
