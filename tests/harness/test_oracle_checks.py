"""The ground-truth oracle: derived-state rules and the stem computed in NumPy."""

import numpy as np
import pytest

from fixtures.stem_oracle import check_stem, stored_normalization_statistics
from keras_gate import GroundTruthViolation, check_against_weights
from keras_gate.engine.checks.derived_state import check_derived_state


def _adapted_normalization():
    import keras

    inputs = keras.Input((4, 4, 3))
    layer = keras.layers.Normalization(name="norm")
    model = keras.Model(inputs, layer(inputs))
    layer.adapt_mean.assign(np.array([1.0, 2.0, 3.0], "float32"))
    layer.adapt_variance.assign(np.array([4.0, 5.0, 6.0], "float32"))
    return model, layer


def test_stale_normalization_state_is_reported():
    model, _ = _adapted_normalization()
    checked, mismatches = check_derived_state(model)
    assert checked == 2
    assert [m.rule.runtime for m in mismatches] == ["mean", "variance"]
    assert "runtime mean [0., 0., 0.] != stored adapt_mean [1., 2., 3.]" in str(mismatches[0])


def test_finalized_normalization_state_is_consistent():
    model, layer = _adapted_normalization()
    layer.finalize_state()
    assert check_derived_state(model) == (2, [])


def test_weight_file_statistics_are_read_from_the_file(b0_seed_model):
    mean, variance = stored_normalization_statistics(b0_seed_model.weights_file)
    np.testing.assert_allclose(mean, [0.485, 0.456, 0.406])
    np.testing.assert_allclose(variance, [0.229, 0.224, 0.225])


def test_correct_model_passes_the_oracle(b0_reference):
    verdict = check_against_weights(
        b0_reference.model, b0_reference.weights_file, b0_reference.inputs
    )
    assert verdict.derived_checks == 2 and verdict.oracles == ("stem",)


def test_stem_computed_wrongly_is_caught_even_with_consistent_state(b0_reference):
    layers = b0_reference.model.get_layer("efficientnetb0").layers
    # Auto-named layers are numbered per session: find the stem by position.
    position = [type(x).__name__ for x in layers].index("Normalization")
    rescaling = layers[position + 1]
    assert type(rescaling).__name__ == "Rescaling"
    original = rescaling.scale
    rescaling.scale = 1.0  # drop the 1/sqrt(std) correction of tensorflow#49930
    try:
        with pytest.raises(
            GroundTruthViolation, match=f"stem output at efficientnetb0/{rescaling.name}"
        ):
            check_stem(b0_reference.model, b0_reference.weights_file, b0_reference.inputs)
    finally:
        rescaling.scale = original
