"""Peak memory of one trained heavy-model build and what a round trip adds, step by step.

    python benchmarks/heavy_training.py EfficientNetB7 fine_tuned 224
    TF_ENABLE_ONEDNN_OPTS=0 python benchmarks/heavy_training.py EfficientNetV2L fine_tuned 224
    python benchmarks/heavy_training.py EfficientNetV2L fine_tuned 224 --keep v2l.keras

Builds the suite's seed model as the scenario says (synthetic weights from
``KERAS_GATE_CACHE``), at the given training resolution (default: the registry's), then
saves it as ``.keras``, loads it, and takes the next-step check's step on both; prints
seconds, RSS now and the process's peak RSS after each step. One model per process: the
peak is this model's alone. ``--keep PATH``: the saved ``.keras`` is copied there (for
``benchmarks/load_peak.py``).
"""

from __future__ import annotations

import dataclasses
import os
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def _rss_gib() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**30


def _peak_gib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20


def main(argv: list[str]) -> None:
    from fixtures.model_registry import get_model
    from fixtures.scenarios import TRAINING_STATES, Scenario
    from fixtures.seed_model import build_seed_model
    from fixtures.synthetic_weights import SyntheticWeights
    from keras_gate.engine.runtime.weight_cache import WeightCache, default_cache_dir

    keep = None
    if "--keep" in argv:
        at = argv.index("--keep")
        keep, argv = argv[at + 1], argv[:at] + argv[at + 2 :]
    name, state = argv[0], argv[1] if len(argv) > 1 else "fine_tuned"
    spec = get_model(name)
    if len(argv) > 2:
        spec = dataclasses.replace(spec, reduced_resolution=int(argv[2]))
    scenario = Scenario(training=next(t for t in TRAINING_STATES if t.name == state))
    start = time.monotonic()

    def step(what: str) -> None:
        print(
            f"{what:<22} {time.monotonic() - start:7.1f} s   RSS {_rss_gib():5.2f} GiB   "
            f"peak {_peak_gib():5.2f} GiB",
            flush=True,
        )

    cache = WeightCache(default_cache_dir())
    resolution = spec.built_at(scenario).resolution
    print(
        f"{name} {state} at {resolution} x {resolution}, "
        f"TF_ENABLE_ONEDNN_OPTS={os.environ.get('TF_ENABLE_ONEDNN_OPTS', 'default')}"
    )
    built = build_seed_model(spec, "synthetic", SyntheticWeights(cache), scenario)
    step("built and trained")
    import keras

    with tempfile.TemporaryDirectory() as scratch:
        path = os.path.join(scratch, "model.keras")
        built.model.save(path)
        step("saved .keras")
        if keep:
            shutil.copy(path, keep)
        revived = keras.saving.load_model(path)
        step("loaded")
        if built.next_step is not None:
            built.next_step(built.model)
            step("next step, original")
            built.next_step(revived)
            step("next step, revived")


if __name__ == "__main__":
    main(sys.argv[1:])
