"""``--dist=loadgroup`` that ends after a worker crash (pytest-xdist 3.8.0 hangs there).

A worker that dies (the kernel's OOM killer on a heavy model, pytest-timeout's thread
method ending a stuck case) is replaced, and xdist's ``LoadScopeScheduling.remove_node``
puts the dead worker's *whole* workload back on the queue: the groups it had finished
too. Each is later sent as an empty unit that never completes, so at the end of the run
every worker waits for a next test or a shutdown that never comes
(pytest-dev/pytest-xdist#1378, open; #1323 and #1327 are the same hang by other paths).
Seen here: the corpus's applications on keras-nightly, one worker OOM-killed in
TensorFlow's LiteRT converter, both survivors idle for 8 minutes until killed.

The gate makes ``loadgroup`` its default, so it schedules with this subclass: only the
groups with tests left go back, without the test the worker died on (xdist has already
reported it failed; run again it would take the next worker down too), and once the
queue is empty every worker is told to finish.
"""

from __future__ import annotations

from xdist.scheduler import LoadGroupScheduling


class CrashSafeLoadGroupScheduling(LoadGroupScheduling):
    """``LoadGroupScheduling`` whose ``remove_node`` re-queues only unfinished groups."""

    def remove_node(self, node):
        workload = self.assigned_work.pop(node)
        if not self._pending_of(workload):
            return None
        crashitem = next(
            nodeid for unit in workload.values() for nodeid, done in unit.items() if not done
        )
        for scope, unit in workload.items():
            if crashitem in unit:
                unit[crashitem] = True  # reported failed by xdist: not run again
            if not all(unit.values()):
                self.workqueue[scope] = unit
        for other in list(self.assigned_work):
            self._reschedule(other)
        return crashitem

    def _reschedule(self, node):
        super()._reschedule(node)
        if not self.workqueue:
            # Nothing left to hand out: a worker holding its last test runs it only once
            # told that no more will come (a replacement may hold one test and nothing else).
            for other in self.assigned_work:
                if not other.shutting_down:
                    other.shutdown()
