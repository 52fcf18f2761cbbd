#!/bin/bash
# usage: shard.sh K -- shard K of 4 of --scenarios=all, 2 workers, from the committed durations.
# Shard 1 ran an earlier form of this file: `cd /work/main` and `.venv/bin/pytest` (the
# checkout, then at f9efa51's engine); shards 2-4 ran this one.
cd /tmp/s16/wt  # a worktree at f9efa51: edits in /work/main do not reach the shards
export TF_ENABLE_ONEDNN_OPTS=0 KERAS_GATE_CACHE=/tmp/suite/cache
K=$1
D=/tmp/s16/shard$K; rm -rf $D; mkdir -p $D
cp .ci/durations/all.json $D/durations.json
( while true; do
    echo "$(date +%s) disk=$(du -sm $D/bt 2>/dev/null | cut -f1) rss=$(ps -eo rss,args | grep 'exec(eval(sys.stdin' | grep -v grep | awk '{printf "%d ", $1/1024}')"
    sleep 15; done ) > $D/sample.log &
SAMP=$!
start=$(date +%s)
/work/main/.venv/bin/python -m pytest -n 2 tests/regression --scenarios=all --splits=4 --group=$K \
  --durations-path=$D/durations.json --store-durations \
  --roundtrip-report=$D/gate --save-verdicts=$D/verdicts.json --basetemp=$D/bt > $D/out.log 2>&1
rc=$?
end=$(date +%s)
kill $SAMP
echo "shard $K rc=$rc wall=$((end-start)) start=$start end=$end" >> /tmp/s16/walls.log
grep "keras gate: buil" $D/out.log > $D/builds.log
