"""This machine's single-core speed now: seconds for a fixed pure-Python loop (lower is
faster), printed as ``probe <seconds>``.

Wall-clock figures on this shared 2-core machine move with its host (the probe has read
1.6 s on one day and 3.6 s on another): every timing script, and ``.ci/run`` before the
test command, prints it beside its figures, so that a figure is read against the speed
it was measured at (``docs/results.md``)."""

import time

start = time.perf_counter()
sum(i * i for i in range(3 * 10**7))
print("probe", round(time.perf_counter() - start, 2))
