"""Per-worker holder of the one model currently under test.

Cases are grouped by built model (xdist ``loadgroup``, and collection order
without xdist), so a model is built once for all its cases; holding only one
at a time keeps a worker's memory flat across the matrix.
"""

from __future__ import annotations

import ctypes
import gc
import sys
import time

from keras_gate.collect.cases import GateCase
from keras_gate.engine.built_model import BuiltModel
from keras_gate.engine.runtime import traced_graphs
from keras_gate.engine.runtime.seeds import build_seed, seed_build

COLLECT_ABOVE_BYTES = 16 * 2**20
"""Released variables worth a full garbage collection. A collection walks the whole heap
(0.1–0.3 s in a worker holding TensorFlow, Keras's ``clear_session`` and pytest each
asking for one); a small model's memory is left to Python's own collector instead."""


class CurrentModel:
    """Builds a model on first request and drops it when another is requested."""

    def __init__(self, announce=None, collect_above_bytes: int = COLLECT_ABOVE_BYTES):
        self.announce = announce
        """``announce(text)``: one line when a build starts and ends (None: silent)."""
        self.collect_above_bytes = collect_above_bytes
        """Collect garbage on reclaim once the released variables reach this size, or a
        failed build was released (its size is unknown)."""
        self._current: tuple | None = None
        self._failure: tuple[str, BaseException] | None = None
        self._dropped = False
        self._dropped_bytes = 0
        self._registrations: frozenset[str] = frozenset()
        """TensorFlow's per-trace gradient registrations before the current build."""

    def get(self, case: GateCase) -> BuiltModel:
        """The built model of ``case``: built by ``case.model.build(case.variant)`` once."""
        key = case.build_key
        if self._current is not None and self._current[0] == key:
            if self._current[1].tainted is None:
                return self._current[1]
        if self._failure is not None and self._failure[0] == key:
            raise self._failure[1]  # don't rebuild a model that already failed
        self.release()
        self.reclaim()
        # Also before a worker's first build: Keras names layers by counters since the
        # last clear, so layers other tests made would rename this model's
        # (``normalization_9``), and a known failure naming ``normalization`` would miss.
        clear_keras_session()
        self._registrations = traced_graphs.registrations()
        label = case.build_label
        self._say(f"building {label} (RSS now {rss_gib():.2f} GiB)")
        start = time.monotonic()
        seed = build_seed(case.model.name, case.variant.id)
        try:
            seed_build(seed)
            built = case.model.build(case.variant)
        except Exception as error:
            self._failure = (key, error)
            self._say(f"build of {label} failed after {time.monotonic() - start:.1f} s")
            raise
        self._say(
            f"built {label} in {time.monotonic() - start:.1f} s ({built.weight_source} "
            f"weights), peak RSS {peak_rss_gib():.2f} GiB"
        )
        built.build_seed = seed
        self._current = (key, built)
        return built

    def _say(self, text: str) -> None:
        if self.announce is not None:
            self.announce(text)

    def release(self) -> None:
        """Drop this holder's reference to the current model."""
        self._dropped |= self._current is not None or self._failure is not None
        if self._current is not None:
            self._dropped_bytes += _variable_bytes(self._current[1])
        elif self._failure is not None:
            self._dropped_bytes += self.collect_above_bytes
        self._current = None
        self._failure = None

    def reclaim(self) -> None:
        """Free what released models held; call once nothing else references them.

        (pytest drops a case's fixture values only after its teardown hooks.)
        """
        if not self._dropped:
            return
        collect = self._dropped_bytes >= self.collect_above_bytes
        self._dropped, self._dropped_bytes = False, 0
        # pytest keeps the last failing case's exception for post-mortem debugging
        # (sys.last_*) until the next case's call phase: its frames would hold the
        # released model (and what it revived) through the next model's build.
        for name in ("last_type", "last_value", "last_traceback", "last_exc"):
            if hasattr(sys, name):
                delattr(sys, name)
        clear_keras_session()
        # What the released model traced stays reachable from TensorFlow's gradient
        # registry until these go (``runtime.traced_graphs``).
        traced_graphs.drop_registrations_since(self._registrations)
        if collect:
            gc.collect()
            _return_freed_memory()


def clear_keras_session() -> None:
    """Keras's ``clear_session`` without the full collection it makes since 3.3 (the
    caller decides); older releases have no such choice."""
    import keras

    try:
        keras.backend.clear_session(free_memory=False)
    except TypeError:  # keras < 3.3: no free_memory argument
        keras.backend.clear_session()


def _variable_bytes(built: BuiltModel) -> int:
    """What ``built``'s model holds in variables, twice (its reload is as large)."""
    import numpy as np

    total = 0
    for variable in getattr(built.model, "variables", ()):
        try:
            total += int(np.prod(variable.shape)) * np.dtype(variable.dtype).itemsize
        except TypeError:  # a dtype numpy does not know (float8, int4): count it as 1 byte
            total += int(np.prod(variable.shape))
    return 2 * total  # the revived copy is as large


def rss_gib() -> float:
    """This process's resident memory now, in GiB (Linux ``/proc``; 0 elsewhere)."""
    import os

    try:
        with open("/proc/self/statm") as statm:
            pages = int(statm.read().split()[1])
    except OSError:
        return 0.0
    return pages * os.sysconf("SC_PAGE_SIZE") / 1024**3


def peak_rss_gib() -> float:
    """This process's peak resident memory so far, in GiB (Linux: ru_maxrss in KiB)."""
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2


def _return_freed_memory() -> None:
    """Hand freed heap pages back to the OS (glibc keeps them otherwise).

    Without it a worker's RSS grows model after model even though each model
    is dropped: its peak becomes the sum of the models, not the largest one.
    """
    try:
        libc = ctypes.CDLL("libc.so.6")
    except OSError:  # not glibc: nothing to trim
        return
    libc.malloc_trim(0)


class Reclaimer:
    """Frees a released model once pytest has dropped the case's fixture values too
    (registered as a plugin while ``current_model`` lives)."""

    def __init__(self, holder: CurrentModel):
        self.holder = holder

    def pytest_runtest_logfinish(self, nodeid, location):
        self.holder.reclaim()


def restore_global_policy() -> str | None:
    """Put Keras's global dtype policy back to float32; the policy found if it was not."""
    import keras

    policy = keras.mixed_precision.global_policy().name
    if policy == "float32":
        return None
    keras.mixed_precision.set_global_policy("float32")
    return policy


def worker_announcer(config):
    """``announce(text)`` for an xdist worker: a line on its stderr, which is the
    controller's terminal, written past pytest's capture so it shows as it happens."""
    worker = config.workerinput["workerid"]
    capture = config.pluginmanager.getplugin("capturemanager")

    def announce(text: str) -> None:
        with capture.global_and_fixture_disabled():
            sys.stderr.write(f"[{worker}] keras gate: {text}\n")
            sys.stderr.flush()

    return announce
