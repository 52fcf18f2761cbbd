#!/bin/bash
# Three cold runs of README's test command: fresh synthetic cache, no .pytest_cache, CPU probe before each.
cd /work/main
for i in 1 2 3; do
  rm -rf /tmp/s17/cold$i .pytest_cache; mkdir -p /tmp/s17/cold$i/cache
  python3 -c "import time; t=time.time(); sum(i*i for i in range(3*10**7)); print('probe', round(time.time()-t, 2))" > /tmp/s17/cold$i/log
  ( /usr/bin/time -v env KERAS_GATE_CACHE=/tmp/s17/cold$i/cache .venv/bin/python -m pytest -n 2 -m "harness or quick" ) >> /tmp/s17/cold$i/log 2>&1
done
echo done > /tmp/s17/cold.done
