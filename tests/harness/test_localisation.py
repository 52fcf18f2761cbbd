"""Each localisation step names the right variable or layer when a fault is injected.

A changed variable and a changed hyper-parameter are found the same way in any graph: a
small nested model shows them (0.3 s a case, not 2-5 s of EfficientNetB0). Stale derived
state, keras#20147's mechanism, is shown on EfficientNetB0 itself."""

import dataclasses
import re

import numpy as np
import pytest

from keras_gate.engine.checks.failures import PredictionMismatch
from keras_gate.engine.formats import get_format
from keras_gate.engine.roundtrip import check_round_trip


def _faulty_keras_v3(name, fault):
    """The keras_v3 format with ``fault(revived_model)`` applied after loading."""
    keras_v3 = get_format("keras_v3")

    def load(path, **options):
        revived = keras_v3.load(path, **options)
        fault(revived)
        return revived

    return dataclasses.replace(keras_v3, name=name, load=load)


def _base(model):
    return model.get_layer("efficientnetb0")


def _nested():
    """A functional model inside a functional model: a stem (Normalization, convolution,
    batch norm) and an expand / project block, as an application's base is."""
    import keras

    keras.utils.set_random_seed(11)
    inputs = keras.Input((8, 8, 3))
    norm = keras.layers.Normalization(name="normalization")
    # Two pixels per channel: adapt_mean exactly [0.5, 0.25, 0.125] in float32.
    norm.adapt(np.array([[[[0.25, 0.0, 0.0]]], [[[0.75, 0.5, 0.25]]]], dtype="float32"))
    x = norm(inputs)
    for name, filters, kernel in (("stem", 4, 3), ("expand", 8, 1), ("project", 4, 1)):
        x = keras.layers.Conv2D(filters, kernel, padding="same", name=f"{name}_conv")(x)
        x = keras.layers.BatchNormalization(name=f"{name}_bn")(x)
    base = keras.Model(inputs, keras.layers.GlobalAveragePooling2D(name="pool")(x), name="base")
    outer_inputs = keras.Input((8, 8, 3))
    head = keras.layers.Dense(3, name="head")(base(outer_inputs))
    return keras.Model(outer_inputs, head, name="localised")


@pytest.fixture(scope="module")
def nested():
    from keras_gate import prepare_model

    return prepare_model("localised", _nested())


def _localisation(b0_reference, fmt, tmp_path, tolerance) -> str:
    with pytest.raises(PredictionMismatch) as failure:
        check_round_trip(b0_reference, fmt, tmp_path, tolerance)
    message = str(failure.value)
    assert "localisation:" in message
    return message


def test_a_changed_variable_is_named(nested, tmp_path, tolerance):
    def change_variable(model):
        kernel = model.get_layer("base").get_layer("expand_conv").kernel
        kernel.assign(kernel.numpy() + np.float32(1e-3))

    message = _localisation(
        nested, _faulty_keras_v3("changed_variable", change_variable), tmp_path, tolerance
    )
    assert "1. variables: first differing variable: " in message
    line = next(x for x in message.splitlines() if "1. variables" in x)
    assert "expand_conv/kernel" in line
    assert "first diverging layer: base/expand_conv " in message


def test_stale_derived_state_is_named_with_both_values(b0_reference, tmp_path, tolerance):
    def stale_normalization(model):
        [layer] = [x for x in _base(model).layers if type(x).__name__ == "Normalization"]
        layer.mean = layer.mean * 0.0  # as if finalize_state() never ran

    message = _localisation(
        b0_reference, _faulty_keras_v3("stale_state", stale_normalization), tmp_path, tolerance
    )
    assert "1. variables: all 314 variables equal by path" in message
    assert re.search(
        r"revived model: layer efficientnetb0/normalization(_\d+)? \(Normalization\): "
        r"runtime mean \[0\., 0\., 0\.\] != stored adapt_mean \[0\.485, 0\.456, 0\.406\]",
        message,
    )
    assert re.search(
        r"first diverging layer: efficientnetb0/normalization(_\d+)? \(Normalization\)", message
    )


def test_a_perturbed_layer_is_found_by_probing_outputs(nested, tmp_path, tolerance):
    def perturb_layer(model):
        # A changed hyper-parameter: no variable and no derived state moves.
        model.get_layer("base").get_layer("project_bn").epsilon = 0.5

    message = _localisation(
        nested, _faulty_keras_v3("perturbed_layer", perturb_layer), tmp_path, tolerance
    )
    count = len(nested.model.weights)
    assert f"1. variables: all {count} variables equal by path" in message
    assert "original model: 2 derived-state checks consistent" in message  # mean, variance
    assert "first diverging layer: base/project_bn (BatchNormalization)" in message
    assert "last agreeing: base/project_conv" in message
