"""Outputs as a user receives them: the kind of tensor, the dtype and the values, and a
comparison that never raises on any dtype."""

import numpy as np
import pytest

from keras_gate import PredictionMismatch, Tolerance, get_format, prepare_model
from keras_gate.engine.checks.predictions import output_difference
from keras_gate.engine.roundtrip import check_round_trip
from keras_gate.engine.runtime.outputs import Output

keras = pytest.importorskip("keras")
TOL = Tolerance(1e-6, 1e-6)


def _kind(values, kind):
    array = np.asarray(values).view(Output)
    array.kind = kind
    return array


@pytest.mark.parametrize(
    ("before", "after", "within", "what"),
    [
        (np.array([b"cat", b"dog"]), np.array([b"cat", b"dog"]), True, ""),
        (np.array([b"cat", b"dog"]), np.array([b"cat", b"cow"]), False, "values differ exactly"),
        (np.array(["cat", "dog"]), np.array(["cat", "dog"]), True, ""),
        (np.array([True, False]), np.array([True, True]), False, "values differ exactly"),
        (np.array([3, 4], "int64"), np.array([3, 4], "int64"), True, ""),
        (np.array([3, 4], "int64"), np.array([3, 5], "int64"), False, "values differ exactly"),
        (np.ones(2, "float32"), np.ones(2, "float16"), False, "dtype float32 -> float16"),
        (np.array([b"a"], object), np.array([b"a"], object), True, ""),
        (_kind(np.ones((2, 5)), "sparse"), _kind(np.ones((2, 5)), "dense"), False, "kind"),
    ],
)
def test_every_dtype_and_kind_is_compared_without_raising(before, after, within, what):
    difference = output_difference("out", before, after, TOL, exact_type=True)
    assert difference.within is within
    assert difference.detail.startswith(what), difference.detail


@keras.saving.register_keras_serializable(package="gate_tests")
class ForgetfulEncoding(keras.layers.CategoryEncoding):
    """A registered layer whose get_config() omits ``sparse``: it comes back dense."""

    def get_config(self):
        config = super().get_config()
        config.pop("sparse", None)
        return config


def test_an_output_that_comes_back_as_another_kind_of_tensor_fails(tmp_path):
    if keras.backend.backend() != "tensorflow":
        pytest.skip("sparse outputs of CategoryEncoding: tensorflow")
    inputs = keras.Input((3,), dtype="int32")
    layer = ForgetfulEncoding(num_tokens=5, output_mode="multi_hot", sparse=True)
    model = keras.Model(inputs, layer(inputs))
    batch = np.array([[0, 1, 4], [2, 2, 3]], "int32")
    built = prepare_model("sparse", model, inputs=batch)
    with pytest.raises(PredictionMismatch) as failure:
        check_round_trip(built, get_format("keras_v3"), tmp_path, TOL)
    assert "kind sparse -> dense" in str(failure.value)


@keras.saving.register_keras_serializable(package="gate_tests")
class Argmax(keras.layers.Layer):
    def call(self, x):
        return keras.ops.argmax(x, axis=-1)


def test_a_string_output_round_trips_without_a_gate_error(tmp_path):
    if keras.backend.backend() != "tensorflow":
        pytest.skip("string tensors: tensorflow")
    inputs = keras.Input((4,))
    scores = keras.layers.Dense(3)(inputs)
    index = Argmax()(scores)
    words = keras.layers.StringLookup(vocabulary=["a", "b", "c"], invert=True)(index)
    model = keras.Model(inputs, [scores, words])
    batch = np.random.default_rng(0).normal(size=(4, 4)).astype("float32")
    built = prepare_model("words", model, inputs=batch)
    for name in ("keras_v3", "clone"):
        differences = check_round_trip(built, get_format(name), tmp_path / name, TOL)
        assert all(d.within for d in differences) and len(differences) == 4
