"""The state comparison beyond predictions, on a tiny model: each check seen to fail."""

import numpy as np
import pytest

from keras_gate.engine.checks.next_step import next_step_differences
from keras_gate.engine.checks.state import model_state, state_differences
from keras_gate.engine.tolerances import Tolerance

keras = pytest.importorskip("keras")

TOLERANCE = Tolerance(rtol=1e-6, atol=1e-6)
X = np.linspace(-1, 1, 16, dtype="float32").reshape(4, 4)
Y = np.eye(2, dtype="float32")[[0, 1, 1, 0]]


def _tiny(loss="categorical_crossentropy", learning_rate=1e-2):
    inputs = keras.Input((4,))
    hidden = keras.layers.Dense(3, name="hidden", kernel_initializer="ones")(inputs)
    hidden = keras.layers.BatchNormalization(name="bn")(hidden)
    outputs = keras.layers.Dense(2, activation="softmax", name="head")(hidden)
    model = keras.Model(inputs, outputs, name="tiny")
    model.compile(optimizer=keras.optimizers.Adam(learning_rate), loss=loss, jit_compile=False)
    model.train_on_batch(X, Y)
    model.train_on_batch(X, Y)
    return model


@pytest.fixture
def trained_pair(tmp_path):
    original = _tiny()
    original.save(tmp_path / "tiny.keras")
    return original, keras.models.load_model(tmp_path / "tiny.keras")


def _differences(original, revived, **carries):
    return state_differences(model_state(original), model_state(revived), TOLERANCE, **carries)


def test_a_faithful_reload_has_no_differences(trained_pair):
    assert _differences(*trained_pair) == []


def test_input_layers_are_left_out(trained_pair):
    assert not any("input" in path for path in model_state(trained_pair[0]).layer_trainable)


def test_a_frozen_layer_is_named(trained_pair):
    original, revived = trained_pair
    revived.get_layer("hidden").trainable = False
    lines = _differences(original, revived)
    assert "layer trainable: hidden: True -> False" in lines
    assert any(line.startswith("trainable variables: 2 missing") for line in lines)


def test_a_changed_dtype_policy_is_named(trained_pair):
    original, revived = trained_pair
    revived.get_layer("head").dtype_policy = "mixed_bfloat16"
    assert "layer dtype policy: head: 'float32' -> 'mixed_bfloat16'" in _differences(
        original, revived
    )


def test_optimizer_variables_and_iterations_are_compared(trained_pair):
    original, revived = trained_pair
    moment = revived.optimizer.variables[3]
    moment.assign(np.asarray(moment) + 1.0)
    revived.optimizer.iterations.assign(0)
    lines = _differences(original, revived)
    assert "optimizer iterations: 2 -> 0" in lines
    assert any(line.startswith("optimizer variable #3: max|diff|=1") for line in lines)
    # A path that promises no optimizer state (set_weights copies) is not held to it.
    assert _differences(original, revived, optimizer_state=False) == []


def test_loss_compiled_from_a_string_equals_the_function_an_h5_gives_back():
    by_name = model_state(_tiny(loss="categorical_crossentropy"))
    by_function = model_state(_tiny(loss=keras.losses.categorical_crossentropy))
    assert by_name.compile_setup["loss"] == by_function.compile_setup["loss"]


def test_an_uncompiled_copy_of_a_compiled_model_is_reported(trained_pair):
    original, _ = trained_pair
    copy = keras.Model.from_config(original.get_config())
    assert "compiled: True -> False" in _differences(original, copy)
    assert _differences(original, copy, compile_state=False) == []


def test_next_step_catches_a_different_optimizer_setting_and_restores_the_original(
    trained_pair,
):
    original, revived = trained_pair
    before = [np.asarray(v) for v in original.variables]
    revived.optimizer.learning_rate.assign(0.5)
    lines = next_step_differences(original, revived, lambda m: m.train_on_batch(X, Y), TOLERANCE)
    assert "variable head/kernel" in "\n".join(lines), lines
    assert all(np.array_equal(a, np.asarray(v)) for a, v in zip(before, original.variables))


def test_next_step_passes_for_a_faithful_reload(trained_pair):
    original, revived = trained_pair
    assert (
        next_step_differences(original, revived, lambda m: m.train_on_batch(X, Y), TOLERANCE) == []
    )


def test_a_loss_scale_optimizer_is_read_through_to_its_inner_optimizer():
    from fixtures.scenarios import global_dtype_policy

    with global_dtype_policy("mixed_float16"):
        model = _tiny()
    setup = model_state(model).compile_setup
    assert setup["optimizer"] == "LossScaleOptimizer(Adam)"
    assert setup["learning_rate"] == pytest.approx(1e-2)


def test_the_optimizer_state_is_recorded_as_digests_not_copies(trained_pair):
    from keras_gate.engine.runtime.value_digest import ValueDigest

    original, revived = trained_pair
    before = model_state(original)
    assert all(isinstance(v, ValueDigest) for v in before.optimizer_variables.values())
    # The original's slot changed after the record, and the revived differs from both:
    # what was recorded can no longer be read, and that is said, not compared.
    for model, delta in ((original, 1.0), (revived, 2.0)):
        moment = model.optimizer.variables[3]
        moment.assign(np.asarray(moment) + delta)
    lines = state_differences(before, model_state(revived), TOLERANCE)
    assert "optimizer variable #3: the original's changed since it was recorded" in lines


@pytest.mark.parametrize("dtype", ["float32", "float16", "bfloat16", "int8", "bool"])
def test_next_step_restores_variables_bit_for_bit(dtype):
    from keras_gate.engine.runtime.trial import restored_afterwards

    values = [np.arange(12).reshape(3, 4) % 3, np.asarray(7), np.zeros((0, 2))]
    variables = [keras.Variable(np.asarray(v).astype(dtype), dtype=dtype) for v in values]
    before = [np.asarray(v).tobytes() for v in variables]
    with restored_afterwards(variables):
        for variable in variables:
            variable.assign(np.ones(variable.shape, dtype))
    assert [np.asarray(v).tobytes() for v in variables] == before


def test_only_what_the_block_changed_is_assigned_back_and_bits_decide(monkeypatch):
    # Assigning every variable anew allocated the whole model again (EfficientNetV2L's
    # peak RSS +0.16 GiB); a change of sign of a zero is a change, bit for bit.
    from keras_gate.engine.runtime.trial import restored_afterwards

    kept, zero, moved = (keras.Variable(np.asarray(v, "float32")) for v in ([1.0], [0.0], [2.0]))
    assigned = []
    original_assign = type(kept).assign
    monkeypatch.setattr(
        type(kept),
        "assign",
        lambda self, value: (assigned.append(self), original_assign(self, value))[1],
    )
    with restored_afterwards([kept, zero, moved]):
        zero.assign(np.asarray([-0.0], "float32"))
        moved.assign(np.asarray([3.0], "float32"))
    # two assignments in the block, two put back; none of the variable it left alone
    assert [id(v) for v in assigned] == [id(zero), id(moved), id(zero), id(moved)]
    assert not np.signbit(np.asarray(zero)[0]) and np.asarray(moved)[0] == 2.0
