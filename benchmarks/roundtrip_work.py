"""The work a benchmark mode does in one process (run as a script by bench_matrix.py).

python benchmarks/roundtrip_work.py naive MODEL FORMAT CACHE_DIR
    the seed's standalone script for one case: build (making weights in an
    empty cache), predict, save, load, predict, compare.
python benchmarks/roundtrip_work.py floor CACHE_DIR MODEL [MODEL ...]
    only the unavoidable work: each model built once (weights cached) and
    predicted once, then per format saved, loaded and predicted once.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from fixtures.model_registry import get_model  # noqa: E402
from fixtures.seed_model import build_seed_model  # noqa: E402
from fixtures.synthetic_weights import SyntheticWeights  # noqa: E402
from keras_gate import FORMATS, RoundTripError, WeightCache, get_format, tolerance_for  # noqa: E402
from keras_gate.engine.checks.predictions import assert_same_outputs  # noqa: E402

CORE_FORMATS = [fmt for fmt in FORMATS if fmt.core]
"""What the benchmark times: the seed scenario's core formats on every model."""


def _round_trip(subject, fmt, directory):
    return subject.predict(fmt.round_trip(subject.model, directory))


def naive(model: str, fmt: str, cache: str) -> None:
    # The seed's script: build, model.predict, save, load, model.predict, compare.
    subject = build_seed_model(get_model(model), "synthetic", SyntheticWeights(WeightCache(cache)))
    inputs = subject.inputs
    with tempfile.TemporaryDirectory() as directory:
        revived = get_format(fmt).round_trip(subject.model, directory)
        before = {"head": subject.model.predict(inputs, verbose=0)}
        after = {"head": revived.predict(inputs, verbose=0)}
    try:
        assert_same_outputs(before, after, tolerance_for("float32", "cpu"), model)
    except AssertionError as error:  # a verdict is not the benchmark's business
        print(f"{model} {fmt}: {str(error).splitlines()[0]}")


def floor(cache: str, models: list[str]) -> None:
    import keras

    weights = SyntheticWeights(WeightCache(cache))
    for model in models:
        subject = build_seed_model(get_model(model), "synthetic", weights)
        for fmt in CORE_FORMATS:
            with tempfile.TemporaryDirectory() as directory:
                try:
                    _round_trip(subject, fmt, directory)
                except RoundTripError as error:  # MobileNetV3 .h5 cannot reload
                    print(f"{model} {fmt.name}: {type(error).__name__}")
        del subject
        keras.backend.clear_session()


if __name__ == "__main__":
    mode, *args = sys.argv[1:]
    naive(*args) if mode == "naive" else floor(args[0], args[1:])
