#!/bin/bash
# V2L's capped trained states: each state's 7 tests in one process (what one worker does),
# its ru_maxrss at the end
cd /work/main
export TF_ENABLE_ONEDNN_OPTS=0 KERAS_GATE_CACHE=/tmp/suite/cache
for st in fine_tuned partially_frozen; do
  ( .venv/bin/python - "$st" > /tmp/s13/v2l/peak-$st.log 2>&1 <<'PY'
import resource, subprocess, sys, time
st = sys.argv[1]
t = time.time()
rc = subprocess.call([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", "tests/regression",
  "--scenarios=all", "-m", f"efficientnetv2l and {st}", f"--basetemp=/tmp/s13/v2l/bt-{st}"])
print(st, "rc", rc, "wall", round(time.time() - t), "s, peak RSS",
      round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024**2, 2), "GiB")
PY
  ) &
done
wait
