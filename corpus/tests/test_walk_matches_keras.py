"""The gate's predictions are Keras's: for every corpus model, what the gate computes
(node by node where it can) equals ``model(x, training=False)`` bit for bit, on the
batch the gate derives and on its constant example."""

import keras
import pytest
from corpus_models.zoo import MODELS

import keras_gate
from keras_gate.engine.built_model import both_families


@pytest.mark.parametrize("name", sorted(MODELS))
def test_walk_matches_keras(name):
    factory = MODELS[name]
    settings = getattr(factory, "__keras_gate__", None)
    if settings and settings.backends and keras.backend.backend() not in settings.backends:
        pytest.skip(f"{name} runs on {'/'.join(settings.backends)} only")
    try:
        model = factory()
    except ImportError as error:  # the gate's own case reports it as an error, in one line
        pytest.skip(
            f"a library {name} needs does not import with keras {keras.__version__}: {error}"
        )
    given = settings.inputs if settings else None
    batch = given(keras_gate.stable_seed("inputs", name)) if callable(given) else None
    if batch is None:
        batch = keras_gate.derive_inputs(model, name)
    # Both families as the gate runs them: the batch plus its constant example.
    mismatches = keras_gate.inference_mismatches(model, both_families(batch))
    assert not mismatches, f"{name} ({keras_gate.inference_path(model)}): {mismatches}"
