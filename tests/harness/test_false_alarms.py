"""A red case is Keras's, never the gate's: state compared as what it means. Serialised
code by its code object, a learning-rate schedule as a schedule, a rename said once;
each with the difference it must still catch."""

import numpy as np
import pytest

from keras_gate import StateMismatch, Tolerance, get_format, prepare_model
from keras_gate.api import ModelSettings
from keras_gate.engine.checks.configs import config_findings
from keras_gate.engine.formats import RoundTripError
from keras_gate.engine.roundtrip import check_round_trip

keras = pytest.importorskip("keras")
TOL = Tolerance(0.0, 0.0)
UNSAFE = ModelSettings(safe_mode=False)


def _lambda_model(function):
    inputs = keras.Input((4,))
    x = keras.layers.Lambda(function, name="rescale")(inputs)
    return keras.Model(inputs, keras.layers.Dense(2)(x))


@pytest.mark.parametrize("fmt", ["keras_v3", "h5"])
def test_a_lambda_round_trips_as_the_same_code(tmp_path, fmt):
    built = prepare_model("lam", _lambda_model(lambda t: t * 2.0 + 1.0), settings=UNSAFE)
    check_round_trip(built, get_format(fmt), tmp_path, TOL)


def _function_config(function):
    return {"rescale": {"function": keras.saving.serialize_keras_object(function)}}


def test_other_code_in_a_lambda_is_still_a_config_difference():
    # Same bytes or not, code that computes something else differs.
    before = _function_config(lambda t: t * 2.0 + 1.0)
    after = _function_config(lambda t: t * 3.0 + 1.0)
    found = config_findings(before, after, {"rescale": "Lambda"})
    assert [f.where for f in found] == ["rescale"]
    assert config_findings(before, before, {"rescale": "Lambda"}) == []


def test_an_already_unsafe_model_is_not_told_to_turn_safe_mode_off(tmp_path):
    built = prepare_model("lam", _lambda_model(lambda t: t + 1.0), settings=UNSAFE)
    try:
        check_round_trip(built, get_format("clone"), tmp_path, TOL)
    except RoundTripError as error:  # keras >= 3.15: clone_model refuses the lambda
        assert "@keras_gate.model(safe_mode=False)" not in str(error)
        assert "the gate passed safe_mode=False" in str(error)


def _scheduled(decay_rate=0.5):
    inputs = keras.Input((4,))
    model = keras.Model(inputs, keras.layers.Dense(2)(inputs))
    schedule = keras.optimizers.schedules.ExponentialDecay(
        0.01, decay_steps=1, decay_rate=decay_rate
    )
    model.compile(keras.optimizers.SGD(schedule), keras.losses.MeanSquaredError())
    model.fit(np.ones((8, 4)), np.ones((8, 2)), batch_size=8, verbose=0)
    return model


@pytest.mark.parametrize("fmt", ["clone", "from_config", "keras_v3"])
def test_a_schedule_is_compared_as_a_schedule(tmp_path, fmt):
    # clone / from_config start the optimizer afresh: the schedule's current value
    # (0.005 after a step) goes back to 0.01 by design; the schedule is the same.
    check_round_trip(prepare_model("s", _scheduled()), get_format(fmt), tmp_path, TOL)


def test_a_schedule_that_changed_is_a_difference(tmp_path, monkeypatch):
    from keras_gate.engine.checks import state

    model = _scheduled()
    built = prepare_model("s", model)
    real = state._learning_rate
    calls = []

    def changed_on_reload(optimizer):  # the reload's schedule: another decay rate
        calls.append(optimizer)
        value = real(optimizer)
        return value.replace('"decay_rate": 0.5', '"decay_rate": 0.9') if len(calls) > 1 else value

    monkeypatch.setattr(state, "_learning_rate", changed_on_reload)
    with pytest.raises(StateMismatch, match="learning_rate: .*0.5.* -> .*0.9"):
        check_round_trip(built, get_format("clone"), tmp_path, TOL)


def test_a_rename_is_said_once(tmp_path):
    from keras_gate.engine.checks.state import model_state, state_differences

    inputs = keras.Input((4,))
    model = keras.Model(inputs, keras.layers.Dense(2, name="head")(inputs))
    before = model_state(model)
    model.get_layer("head").name = "renamed_head"  # what a reload that renames gives
    lines = state_differences(before, model_state(model), TOL)
    assert [str(line) for line in lines] == ["layers renamed: 1, e.g. head -> renamed_head"]
    model.get_layer("renamed_head").trainable = False  # ... and a change under the new name
    lines = state_differences(before, model_state(model), TOL)
    assert any("layer trainable: renamed_head: True -> False" in str(line) for line in lines)


class _Tokenizer:
    def get_vocabulary(self):
        return ["the", "gate", "model", "saves"]

    def __call__(self, texts):
        return [[len(word) for word in text.split()] for text in texts]


class _MaskingPreprocessor:
    """Masks a random position of each text, as a masked-LM preprocessor does."""

    def __init__(self, offset=0):
        self.tokenizer = _Tokenizer()
        self.offset = offset

    def __call__(self, texts):
        import random

        ids = self.tokenizer(texts)
        return {"masked": [random.randrange(8) + self.offset for _ in ids], "ids": ids}


class _Task:
    def __init__(self, offset=0):
        self.preprocessor = _MaskingPreprocessor(offset)


def test_random_masking_is_compared_under_the_same_seed():
    from keras_gate.engine.checks.preprocessing import (
        preprocessing_differences,
        preprocessor_outputs,
    )

    before = preprocessor_outputs(_Task())
    assert preprocessing_differences(before, preprocessor_outputs(_Task())) == []
    # A preprocessor that masks otherwise under the same seed still differs.
    assert preprocessing_differences(before, preprocessor_outputs(_Task(offset=1)))


def _compiled_unbuilt(optimizer):
    inputs = keras.Input((4,))
    model = keras.Model(inputs, keras.layers.Dense(2)(inputs))
    model.compile(optimizer=optimizer, loss=keras.losses.MeanSquaredError())
    return model


@pytest.mark.parametrize("optimizer", ["adagrad", "loss_scale"])
def test_an_unbuilt_optimizer_s_initial_slots_are_what_it_would_build(tmp_path, optimizer):
    # Never stepped: a reload builds the slots, at Adagrad's 0.1 (Ftrl's 0.1, Nadam's
    # momentum product 1.0), and a LossScaleOptimizer's counters before its inner
    # optimizer's variables, as the original does at its first step. Found by the sweep
    # inside models ("optimizer variable: 2 new after reload", "#3: max|diff|=3.28e+04").
    made = {
        "adagrad": keras.optimizers.Adagrad,
        "loss_scale": lambda: keras.optimizers.LossScaleOptimizer(keras.optimizers.SGD()),
    }[optimizer]
    built = prepare_model("unbuilt", _compiled_unbuilt(made()))
    check_round_trip(built, get_format("keras_v3"), tmp_path, TOL)


def test_a_reloaded_slot_that_is_not_the_initial_value_is_a_difference(tmp_path):
    built = prepare_model("unbuilt", _compiled_unbuilt(keras.optimizers.Adagrad()))
    fmt = get_format("keras_v3")

    def load_with_other_accumulators(path, **options):
        revived = fmt.load(path, **options)
        for variable in revived.optimizer.variables[2:]:
            variable.assign(np.full(variable.shape, 0.2, dtype=variable.dtype))
        return revived

    import dataclasses

    faulty = dataclasses.replace(fmt, name="keras_v3 (faulty)", load=load_with_other_accumulators)
    with pytest.raises(StateMismatch, match="optimizer variable: 2 built by the reload with other"):
        check_round_trip(built, faulty, tmp_path, TOL)


@keras.saving.register_keras_serializable(package="gate_harness")
class Noisy(keras.layers.Layer):
    """Other outputs on every call, in inference too: an unseeded draw (as a kernel that
    returns what memory held: keras 3.10.0's Conv3D of a negative output size)."""

    def call(self, x):
        return x + keras.random.normal(keras.ops.shape(x))


def _noisy_model():
    inputs = keras.Input((4,))
    return keras.Model(inputs, Noisy(name="noisy")(keras.layers.Dense(3, name="dense")(inputs)))


def test_a_model_that_computes_other_outputs_each_call_is_not_judged(tmp_path):
    from keras_gate.engine.conditioning import CannotJudge

    notes = []
    with pytest.raises(CannotJudge, match="on a second call .*noisy"):
        check_round_trip(
            prepare_model("noisy", _noisy_model()),
            get_format("keras_v3"),
            tmp_path,
            TOL,
            notes=notes,
        )
    assert any(note.startswith("evaluate, next step, predictions") for note in notes), notes


def test_what_such_a_model_holds_is_still_judged(tmp_path):
    keras_v3 = get_format("keras_v3")

    def load(path, **options):
        model = keras_v3.load(path, **options)
        kernel = model.get_layer("dense").kernel
        kernel.assign(np.asarray(kernel) + 1.0)
        return model

    import dataclasses

    faulty = dataclasses.replace(keras_v3, name="keras_v3 with a kernel moved", load=load)
    with pytest.raises(StateMismatch, match="variables: dense/kernel"):
        check_round_trip(prepare_model("noisy", _noisy_model()), faulty, tmp_path, TOL)
