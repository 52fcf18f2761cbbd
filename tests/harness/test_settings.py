"""The settings check: what ``get_config`` forgets is caught by the objects' state,
where both configs agree. Each fault passes without the check (shown by removing it)."""

import numpy as np
import pytest

from keras_gate import StateMismatch, Tolerance, get_format, prepare_model
from keras_gate.engine import checks as registry
from keras_gate.engine.roundtrip import check_round_trip
from keras_gate.engine.runtime.object_state import RULES, object_state, state_differences

keras = pytest.importorskip("keras")
from forgetful import ForgetfulNoise  # noqa: E402

TOL = Tolerance(1e-6, 1e-6)


@keras.saving.register_keras_serializable(package="gate_settings")
class ForgetfulHuber(keras.losses.Loss):
    """A loss whose config omits ``delta``: ``evaluate`` differs after a reload."""

    def __init__(self, delta=1.0, **kwargs):
        super().__init__(**kwargs)
        self.delta = delta

    def call(self, y_true, y_pred):
        return keras.losses.huber(y_true, y_pred, delta=self.delta)


def _model():
    inputs = keras.Input((4,))
    x = ForgetfulNoise(stddev=0.5, name="noise")(keras.layers.Dense(3, name="dense")(inputs))
    model = keras.Model(inputs, x)
    model.compile(optimizer="sgd", loss=ForgetfulHuber(delta=2.0))
    return model


@pytest.mark.parametrize("with_check", [True, False])
def test_forgotten_settings_fail_the_round_trip_only_with_the_check(
    tmp_path, monkeypatch, with_check
):
    # The behaviour checks see these faults too (training pass, evaluate): left out here,
    # the settings check alone must catch them.
    left_out = {"training pass", "evaluate"} | ({"settings"} if not with_check else set())
    monkeypatch.setattr(
        registry, "CHECKS", tuple(c for c in registry.CHECKS if c.name not in left_out)
    )
    built = prepare_model("forgetful", _model(), inputs=np.ones((2, 4), "float32"))
    if not with_check:  # predictions, variables and configs all agree
        check_round_trip(built, get_format("keras_v3"), tmp_path, TOL)
        return
    with pytest.raises(StateMismatch) as failure:
        check_round_trip(built, get_format("keras_v3"), tmp_path, TOL)
    found = {f.where: f.text for f in failure.value.findings if f.check == "settings"}
    assert found == {
        "noise.stddev": "noise.stddev: 0.5 -> 0.1",
        "loss.delta": "loss.delta: 2.0 -> 1.0",
    }


def test_a_copy_that_starts_the_optimizer_afresh_compares_no_compile_state(tmp_path):
    schedule = keras.optimizers.schedules.ExponentialDecay(0.005, 10, 0.9)
    inputs = keras.Input((4,))
    model = keras.Model(inputs, keras.layers.Dense(2)(inputs))
    model.compile(optimizer=keras.optimizers.Adam(schedule), loss="mse")
    state = object_state(model)
    assert state["optimizer.learning_rate.initial_learning_rate"] == 0.005
    for name in ("keras_v3", "clone", "from_config"):
        fmt = get_format(name)
        revived = fmt.round_trip(model, tmp_path / name)
        before = object_state(model, fmt.carries_compile)
        assert state_differences(before, object_state(revived, fmt.carries_compile)) == [], name


def _without(pattern):
    return tuple(r for r in RULES if r.pattern != pattern)


def test_each_rule_is_needed():
    """Without its rule, each exception shows as a difference on a model that has it."""
    inputs = keras.Input((4,))
    model = keras.Model(inputs, keras.layers.Dense(2, name="d")(inputs))
    other = keras.models.clone_model(model)  # a new initializer seed
    assert state_differences(object_state(model), object_state(other)) == []
    bare = _without("Initializer.seed")
    moved = state_differences(object_state(model, rules=bare), object_state(other, rules=bare))
    assert [path for path, *_ in moved] == ["d.kernel_initializer.seed"]
    # A layer made anew by a model's code gets the next automatic name.
    stack, again = Stack(), Stack()
    for each in (stack, again):
        each(np.ones((2, 4), "float32"))
    assert state_differences(object_state(stack), object_state(again)) == []
    bare = _without("*.name")
    moved = state_differences(object_state(stack, rules=bare), object_state(again, rules=bare))
    assert moved and all(path.endswith(".name") for path, *_ in moved), moved


@keras.saving.register_keras_serializable(package="gate_settings")
class Stack(keras.Model):
    """A subclassed model holding a list of layers (named anew on every reload)."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.hidden = [keras.layers.Dense(3), keras.layers.Dense(3)]

    def call(self, x):
        for layer in self.hidden:
            x = layer(x)
        return x


def test_a_list_of_layers_is_not_a_setting(tmp_path):
    model = Stack()
    built = prepare_model("stack", model, inputs=np.ones((2, 4), "float32"))
    check_round_trip(built, get_format("keras_v3"), tmp_path, TOL)


@keras.saving.register_keras_serializable(package="gate_settings")
class Summarised(keras.layers.Layer):
    """Derives state that is no constructor argument: a summary set when first called,
    and a cache; its one setting, ``mode``, its config forgets."""

    def __init__(self, mode="plain", **kwargs):
        super().__init__(**kwargs)
        self.mode = mode

    def call(self, x):
        self.summary = [1.0, 2.0]  # derived, set lazily: the reload has it once called
        return x

    def get_config(self):
        return super().get_config()  # forgets `mode`


def test_only_constructor_arguments_are_settings():
    from keras_gate.engine.runtime.object_state import constructor_arguments

    assert {"mode", "name", "trainable", "dtype"} <= constructor_arguments(Summarised)
    inputs = keras.Input((4,))
    model = keras.Model(inputs, Summarised(mode="fancy", name="s")(inputs))
    state = object_state(model)
    assert state["s.mode"] == "fancy"
    assert not any(path.startswith("s.summary") for path in state)  # derived: not compared
    other = keras.Model(inputs, Summarised(name="s")(inputs))
    assert state_differences(state, object_state(other)) == [("s.mode", "fancy", "plain")]
    # A setting one side lacks (set lazily, or under another nested object) is not one.
    assert state_differences({"a.b": 1}, {}) == []
