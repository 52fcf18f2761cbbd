"""Merge the shards' --store-durations copies into the committed durations file: each
shard's copy started as the committed file, so a test's entry that differs (or is new)
is that shard's measurement. Refuses a test measured by two shards."""

import json
import sys

committed_path, *shards = sys.argv[1:]
committed = json.load(open(committed_path))
merged, by = dict(committed), {}
for path in shards:
    copy = json.load(open(path))
    for test, seconds in copy.items():
        if committed.get(test) != seconds:
            if test in by:
                sys.exit(f"{test}: measured by {by[test]} and {path}")
            by[test], merged[test] = path, seconds
print(
    f"{len(committed)} tests before, {len(merged)} after; measured: "
    + ", ".join(f"{p}: {sum(1 for v in by.values() if v == p)}" for p in shards),
    file=sys.stderr,
)
sys.stdout.write(json.dumps(merged, sort_keys=True, indent=4))
