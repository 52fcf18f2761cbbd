"""Each localisation step names the right variable or layer when a fault is injected."""

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


def _localisation(b0_reference, fmt, tmp_path, tolerance) -> str:
    with pytest.raises(PredictionMismatch) as failure:
        check_round_trip(b0_reference, fmt, tmp_path, tolerance)
    message = str(failure.value)
    assert "localisation:" in message
    return message


def test_a_changed_variable_is_named(b0_reference, tmp_path, tolerance):
    def change_variable(model):
        kernel = _base(model).get_layer("block2a_expand_conv").kernel
        kernel.assign(kernel.numpy() + np.float32(1e-3))

    message = _localisation(
        b0_reference, _faulty_keras_v3("changed_variable", change_variable), tmp_path, tolerance
    )
    assert "1. variables: first differing variable: " in message
    line = next(x for x in message.splitlines() if "1. variables" in x)
    assert "block2a_expand_conv/kernel" in line
    assert "first diverging layer: efficientnetb0/block2a_expand_conv " in message


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


def test_a_perturbed_layer_is_found_by_probing_outputs(b0_reference, tmp_path, tolerance):
    def perturb_layer(model):
        # A changed hyper-parameter: no variable and no derived state moves.
        _base(model).get_layer("block3a_project_bn").epsilon = 0.5

    message = _localisation(
        b0_reference, _faulty_keras_v3("perturbed_layer", perturb_layer), tmp_path, tolerance
    )
    assert "1. variables: all 314 variables equal by path" in message
    assert "original model: 2 derived-state checks consistent" in message
    assert (
        "first diverging layer: efficientnetb0/block3a_project_bn (BatchNormalization)"
    ) in message
    assert "last agreeing: efficientnetb0/block3a_project_conv" in message
