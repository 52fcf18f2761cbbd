#!/bin/bash
# usage: benchmarks/cold_runs.sh OUT [N]: README's test command N times (3), each cold: a fresh
# synthetic cache, no .pytest_cache, a CPU probe before it. Logs: OUT/coldI/log.
OUT=${1:?usage: cold_runs.sh OUT [N]}; N=${2:-3}
cd "$(dirname "$0")/.."
for i in $(seq 1 "$N"); do
  rm -rf "$OUT/cold$i" .pytest_cache; mkdir -p "$OUT/cold$i/cache"
  python3 benchmarks/cpu_probe.py > "$OUT/cold$i/log"
  ( /usr/bin/time -v env KERAS_GATE_CACHE="$OUT/cold$i/cache" .venv/bin/python -m pytest -n 2 -m "harness or quick" ) >> "$OUT/cold$i/log" 2>&1
done
echo done > "$OUT/cold.done"
