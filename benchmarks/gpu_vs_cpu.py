"""GPU-vs-CPU prediction differences per model, in one process (the measurement a GPU
row of ``TOLERANCES`` needs): each seed model built once, predicted under
``/CPU:0`` and ``/GPU:0``, max abs / rel difference per output printed.

    python benchmarks/gpu_vs_cpu.py EfficientNetB0 MobileNetV2 ...
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from fixtures.model_registry import get_model  # noqa: E402
from fixtures.seed_model import build_seed_model  # noqa: E402
from fixtures.synthetic_weights import SyntheticWeights  # noqa: E402
from keras_gate import Tolerance, WeightCache, default_cache_dir  # noqa: E402
from keras_gate.engine.checks.predictions import output_difference  # noqa: E402


def main(names: list[str]) -> None:
    import tensorflow as tf

    weights = SyntheticWeights(WeightCache(default_cache_dir()))
    print(f"{'model':20} {'output':28} {'max abs':>10} {'max rel':>10}")
    for name in names:
        built = build_seed_model(get_model(name), "auto", weights)
        with tf.device("/CPU:0"):
            cpu = built.predict(built.model)
        with tf.device("/GPU:0"):
            gpu = built.predict(built.model)
        for output, value in cpu.items():
            d = output_difference(output, value, gpu[output], Tolerance(0.0, 0.0))
            print(f"{name:20} {output:28} {d.max_abs:10.3g} {d.max_rel:10.3g}")


if __name__ == "__main__":
    main(sys.argv[1:])
