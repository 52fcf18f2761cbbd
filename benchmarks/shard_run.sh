#!/bin/bash
# usage: benchmarks/shard_run.sh OUT K [N]: shard K of N (4) of `--scenarios=all`, 2 workers,
# split by a copy of the committed .ci/durations/all.json, as one CI runner runs it; a CPU probe
# before it, RSS and disk sampled beside it. Records in OUT/shardK; benchmarks/records/scenarios-all/
# table.py OUT/shard1 ... prints the shard table. Run it from a worktree of the commit to
# measure, so that edits to the checkout cannot reach a running shard.
OUT=${1:?usage: shard_run.sh OUT K [N]}; K=${2:?usage: shard_run.sh OUT K [N]}; N=${3:-4}
cd "$(dirname "$0")/.."
PY=${GATE_PYTHON:-.venv/bin/python}
export TF_ENABLE_ONEDNN_OPTS=0 KERAS_GATE_CACHE=${KERAS_GATE_CACHE:-$OUT/cache}
D=$OUT/shard$K; rm -rf "$D"; mkdir -p "$D"
cp .ci/durations/all.json "$D/durations.json"
python3 benchmarks/cpu_probe.py > "$D/probe.log"
benchmarks/sample.sh "$D/bt" > "$D/sample.log" &
SAMP=$!
start=$(date +%s)
"$PY" -m pytest -n 2 tests/regression --scenarios=all --splits="$N" --group="$K" \
  --durations-path="$D/durations.json" --store-durations \
  --roundtrip-report="$D/gate" --save-verdicts="$D/verdicts.json" --basetemp="$D/bt" > "$D/out.log" 2>&1
rc=$?
end=$(date +%s)
kill $SAMP
echo "shard $K rc=$rc wall=$((end-start)) start=$start end=$end $(cat "$D/probe.log")" >> "$OUT/walls.log"
grep "keras gate: buil" "$D/out.log" > "$D/builds.log"
