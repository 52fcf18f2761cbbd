"""Synthetic weight files: official layout, determinism, calibration."""

import h5py
import numpy as np
import pytest

from fixtures.synthetic_weights import (
    FEATURE_STD_RANGE,
    IMAGENET_MEAN,
    IMAGENET_STDDEV,
    SyntheticWeightsError,
    initial_value,
    write_synthetic_weights,
)


def _text(value):
    return value.decode() if isinstance(value, bytes) else str(value)


def _file_layout(path):
    """[(layer, [(weight, shape, dtype)])] of the weight-bearing layers, in load order."""
    with h5py.File(path, "r") as f:
        layout = []
        for layer in map(_text, f.attrs["layer_names"]):
            names = [_text(n) for n in f[layer].attrs["weight_names"]]
            if names:
                layout.append(
                    (
                        layer,
                        [
                            (
                                n.split("/")[-1].removesuffix(":0"),
                                f[layer][n].shape,
                                f[layer][n].dtype.str,
                            )
                            for n in names
                        ],
                    )
                )
        return layout


def _normalise_auto_names(layout):
    import re

    return [
        (re.sub(r"_\d+$", "", layer) if layer.startswith("normalization") else layer, weights)
        for layer, weights in layout
    ]


def test_layout_equals_the_one_keras_builds(b0_seed_model, tmp_path):
    """Same weighted layers, weight names, shapes, dtypes and order as Keras writes."""
    from keras.src.legacy.saving import legacy_h5_format

    base = b0_seed_model.model.get_layer("efficientnetb0")
    keras_file = tmp_path / "keras-written.h5"
    with h5py.File(keras_file, "w") as f:
        legacy_h5_format.save_weights_to_hdf5_group(f, base)
    ours = _file_layout(b0_seed_model.weights_file)
    theirs = _file_layout(keras_file)
    assert len(ours) == len(theirs) > 100
    assert _normalise_auto_names(ours) == _normalise_auto_names(theirs)


def test_weight_names_follow_the_tf_keras_2_convention(b0_seed_model):
    with h5py.File(b0_seed_model.weights_file, "r") as f:
        assert _text(f.attrs["backend"]) == "tensorflow"
        names = [_text(n) for n in f["normalization"].attrs["weight_names"]]
        assert names == [
            "normalization/mean:0",
            "normalization/variance:0",
            "normalization/count:0",
        ]
        np.testing.assert_allclose(f["normalization/normalization/mean:0"][()], IMAGENET_MEAN)
        np.testing.assert_allclose(f["normalization/normalization/variance:0"][()], IMAGENET_STDDEV)


def _next_auto_name(name: str) -> str:
    base, _, number = name.rpartition("_")
    return f"{base}_{int(number) + 1}" if number.isdigit() else f"{name}_1"


def test_same_bytes_every_time_and_later_names_unshifted(b0_spec, b0_seed_model, tmp_path):
    """A second generation writes the same bytes, and the models it builds leave
    Keras's auto-names alone: a cold cache names the model under test as a warm one."""
    import keras

    before = keras.layers.Normalization().name
    again = tmp_path / "again.h5"
    write_synthetic_weights(b0_spec, again)
    assert keras.layers.Normalization().name == _next_auto_name(before)
    with open(b0_seed_model.weights_file, "rb") as first:
        assert first.read() == again.read_bytes()


def test_values_come_from_the_weight_identity(b0_spec):
    one = initial_value(b0_spec, "stem_conv", "kernel", (3, 3, 3, 32), "float32")
    two = initial_value(b0_spec, "stem_conv", "kernel", (3, 3, 3, 32), "float32")
    other = initial_value(b0_spec, "top_conv", "kernel", (3, 3, 3, 32), "float32")
    np.testing.assert_array_equal(one, two)
    assert not np.array_equal(one, other)
    with pytest.raises(SyntheticWeightsError, match="no synthetic value rule"):
        initial_value(b0_spec, "x", "mystery", (1,), "float32")


def test_features_are_order_one_at_native_resolution(b0_seed_model):
    """Calibration keeps the signal: the bug under test stays visible."""
    low, high = FEATURE_STD_RANGE
    assert low <= float(np.std(b0_seed_model.outputs["features"])) <= high
    head = b0_seed_model.outputs["head"]
    assert head.max() < 0.99, "saturated softmax would hide differences"


def test_uncalibrated_weights_lose_the_signal(b0_spec, b0_seed_model, tmp_path):
    """Why calibration exists: seeded values alone make the features vanish."""
    import keras

    model = b0_seed_model.model
    saved = [v.numpy() for v in model.non_trainable_variables]
    try:
        for v in model.non_trainable_variables:
            if v.path.endswith("moving_mean"):
                v.assign(np.zeros(v.shape, "float32"))
            elif v.path.endswith("moving_variance"):
                v.assign(np.ones(v.shape, "float32"))
        probe = keras.Model(model.inputs, model.get_layer("head").input)
        features = probe.predict(b0_seed_model.inputs, verbose=0)
    finally:
        for v, value in zip(model.non_trainable_variables, saved):
            v.assign(value)
    assert float(np.std(features)) < FEATURE_STD_RANGE[0]
