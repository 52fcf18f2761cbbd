"""The gate bites: a Keras that skips Normalization.finalize_state() fails the case."""

import dataclasses

import pytest
from packaging.version import Version

from keras_gate.engine.checks.failures import PredictionMismatch
from keras_gate.engine.formats import get_format
from keras_gate.engine.roundtrip import check_round_trip
from keras_gate.engine.runtime.versions import keras_version


@pytest.mark.skipif(
    Version(keras_version()) < Version("3.6.0"),
    reason="this Keras already has keras#20147: the unpatched B0 keras_v3 case fails "
    "in the matrix, which is the proof on this release",
)
def test_skipping_finalize_state_after_keras_v3_load_fails_the_case(
    b0_seed_model, tmp_path, tolerance, monkeypatch
):
    import keras

    keras_v3 = get_format("keras_v3")
    check_round_trip(b0_seed_model, keras_v3, tmp_path / "unpatched", tolerance)

    # The .keras loader restores adapt_mean/adapt_variance, then calls
    # finalize_state() (Normalization.load_own_variables); skip only that call.
    def load_without_finalize(layer, store):
        keras.layers.Layer.load_own_variables(layer, store)

    monkeypatch.setattr(keras.layers.Normalization, "load_own_variables", load_without_finalize)
    # A distinct format object: SeedModel reuses one reload per format.
    skipped_finalize = dataclasses.replace(keras_v3, name="keras_v3_without_finalize")
    with pytest.raises(PredictionMismatch, match=r"(?s)head: .*DIFFERS.*features: .*DIFFERS"):
        check_round_trip(b0_seed_model, skipped_finalize, tmp_path / "patched", tolerance)
