"""The quantize-after-reload check: quantizing the reload gives the original's kernels."""

import numpy as np
import pytest

from keras_gate import get_format, prepare_model
from keras_gate.engine.checks.quantize_after_reload import quantize_differences
from keras_gate.engine.quantization import available_modes
from keras_gate.engine.roundtrip import check_round_trip
from keras_gate.engine.tolerances import Tolerance

keras = pytest.importorskip("keras")


def _model():
    inputs = keras.Input((6,), name="features")
    hidden = keras.layers.Dense(8, activation="relu", name="hidden")(inputs)
    return keras.Model(inputs, keras.layers.Dense(3, name="out")(hidden))


def test_a_faithful_reload_quantizes_to_the_same_kernels_in_every_mode(tmp_path):
    model = _model()
    revived = get_format("keras_v3").round_trip(model, tmp_path)
    assert quantize_differences(model, revived, available_modes()) == []
    assert all(layer.quantization_mode is None for layer in model.layers[1:])  # untouched


def test_a_pair_equal_in_class_config_build_config_and_weights_is_not_quantized(
    tmp_path, monkeypatch
):
    # The copies are made from those four only: equal inputs, equal copies. A .keras
    # reload's build config holds lists where the original's holds tuples; the same.
    from keras_gate.engine.checks import quantize_after_reload

    model = _model()
    revived = get_format("keras_v3").round_trip(model, tmp_path)
    assert model.get_layer("out").get_build_config() != revived.get_layer("out").get_build_config()
    copies = []
    real = quantize_after_reload.quantized_copy
    monkeypatch.setattr(
        quantize_after_reload, "quantized_copy", lambda *a: copies.append(a) or real(*a)
    )
    assert quantize_differences(model, revived, available_modes()) == []
    assert copies == []


def test_equal_weights_and_config_that_quantize_differently_are_named(tmp_path):
    # A reload that gives another class with the same config and weights (a name
    # registered twice, say): only quantizing shows it. Keras quantizes a Dense, and
    # refuses a subclass of it that does not implement quantize itself.
    class LookAlike(keras.layers.Dense):
        pass

    model = _model()
    revived = get_format("keras_v3").round_trip(model, tmp_path)
    revived.get_layer("out").__class__ = LookAlike
    lines = quantize_differences(model, revived, ("int8",))
    assert [(line.where, line.what) for line in lines] == [("out", "quantized in int8")]
    assert lines[0] == "out quantized in int8: quantizes -> raises NotImplementedError"


def test_layers_whose_weights_differ_are_left_to_the_variables_check(tmp_path):
    model = _model()
    revived = get_format("keras_v3").round_trip(model, tmp_path)
    kernel = revived.get_layer("out").kernel
    kernel.assign(np.asarray(kernel) * 2)
    assert quantize_differences(model, revived, available_modes()) == []


def test_the_check_runs_on_every_model_format_case(tmp_path):
    built = prepare_model("tiny", _model(), inputs=np.ones((2, 6), "float32"))
    fmt = get_format("keras_v3")
    assert "quantize after reload" in fmt.checks
    check_round_trip(built, fmt, tmp_path, Tolerance(0.0, 0.0))


def test_the_reproducers_code_finds_the_same_look_alike(tmp_path):
    import textwrap
    import types

    from keras_gate.engine.checks.quantize_after_reload import QuantizeAfterReload

    class LookAlike(keras.layers.Dense):
        pass

    def layers(model):  # the reproducer's helper, for a plain graph model
        return [(layer.name, layer) for layer in model.layers]

    namespace = {"np": np, "keras": keras, "layers": layers}
    exec(textwrap.dedent(QuantizeAfterReload.repro), namespace)
    model = _model()
    revived = get_format("keras_v3").round_trip(model, tmp_path)
    ctx = types.SimpleNamespace(model=model, revived=revived)
    assert namespace["reproduce"](ctx) == []
    revived.get_layer("out").__class__ = LookAlike
    assert namespace["reproduce"](ctx) == ["out quantized in int8 differs"] + [
        f"out quantized in {mode} differs"
        for mode in ("float8", "int4")
        if mode in available_modes()
    ]
