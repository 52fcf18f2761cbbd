#!/bin/bash
# usage: partial.sh K MODEL -- run shard K of the new split until every worker that built MODEL
# has built something after it (its ru_maxrss then covers MODEL's tests), then stop it.
cd /work/main
export TF_ENABLE_ONEDNN_OPTS=0 KERAS_GATE_CACHE=/tmp/suite/cache
K=$1; M=$2
D=/tmp/s14/partial$K; rm -rf $D; mkdir -p $D
cp .ci/durations/all.json $D/durations.json
( while true; do
    echo "$(date +%s) disk=$(du -sm $D/bt 2>/dev/null | cut -f1) rss=$(ps -eo rss,args | grep 'exec(eval(sys.stdin' | grep -v grep | awk '{printf "%d ", $1/1024}')"
    sleep 15; done ) > $D/sample.log &
SAMP=$!
start=$(date +%s)
setsid .venv/bin/pytest -n 2 tests/regression --scenarios=all --splits=4 --group=$K \
  --durations-path=$D/durations.json --store-durations \
  --roundtrip-report=$D/gate --save-verdicts=$D/verdicts.json --basetemp=$D/bt > $D/out.log 2>&1 &
PY=$!
while kill -0 $PY 2>/dev/null; do
  sleep 20
  python3 - "$D/out.log" "$M" <<'PYEOF' && break
import re, sys
lines = [l for l in open(sys.argv[1], errors="replace") if "keras gate: buil" in l]
model = sys.argv[2]
last = {}
for i, l in enumerate(lines):
    m = re.search(r"\[(gw\d+)\] keras gate: built (\S+) ", l)
    if m:
        last.setdefault(m.group(1), []).append(m.group(2))
workers = [w for w, built in last.items() if model in built]
done = workers and all(last[w][-1] != model for w in workers)
sys.exit(0 if done else 1)
PYEOF
done
end=$(date +%s)
kill -- -$PY 2>/dev/null; sleep 3; pkill -9 -f "exec\(eval\(sys.stdin"; kill $SAMP
echo "partial $K ($M) wall=$((end-start))" >> /tmp/s14/walls.log
grep "keras gate: buil" $D/out.log > $D/builds.log
