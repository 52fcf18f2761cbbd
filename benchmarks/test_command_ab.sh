#!/bin/bash
# usage: benchmarks/test_command_ab.sh OUT BASE_REV [N]: README's test command on BASE_REV
# (a git worktree) and on this tree, alternately N times each (2), each cold (a fresh
# synthetic cache): this machine's speed moves by a quarter within a day, so a change is
# measured against its base in the same hour. Prints one line per run; logs in OUT.
OUT=${1:?usage: test_command_ab.sh OUT BASE_REV [N]}; BASE=${2:?base revision}; N=${3:-2}
cd "$(dirname "$0")/.."
HERE=$PWD
mkdir -p "$OUT"
git worktree add -f --detach "$OUT/base" "$BASE" >/dev/null
trap 'git worktree remove --force "$OUT/base"' EXIT
for i in $(seq 1 "$N"); do
  for side in base head; do
    dir=$HERE; [ "$side" = base ] && dir="$OUT/base"
    rm -rf "$OUT/cache" "$dir/.pytest_cache"
    probe=$(python3 benchmarks/cpu_probe.py)
    start=$(date +%s.%N)
    (cd "$dir" && KERAS_GATE_CACHE="$OUT/cache" "$HERE/.venv/bin/python" -m pytest -n 2 \
      -m "harness or quick" -p no:cacheprovider) > "$OUT/$side$i.log" 2>&1
    status=$?
    end=$(date +%s.%N)
    echo "$side $i: exit $status, $(echo "$end - $start" | bc) s wall ($probe); $(tail -1 "$OUT/$side$i.log")"
  done
done
