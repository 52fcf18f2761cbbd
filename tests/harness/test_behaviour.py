"""What configs do not show: a setting that ``get_config()`` forgets changes what
``evaluate``, the next training step or a training-mode call compute. Each fault here
passes every other check and is caught only by its behaviour check; randomness by
design never is a difference."""

import numpy as np
import pytest
from user_project import run_project

from keras_gate import StateMismatch, Tolerance, get_format, prepare_model
from keras_gate.api import ModelSettings
from keras_gate.engine import checks as registry
from keras_gate.engine.roundtrip import check_round_trip
from keras_gate.engine.runtime.outputs import predict_outputs
from keras_gate.engine.runtime.targets import TargetsUndefined, derive_targets
from keras_gate.engine.runtime.trial import restored_afterwards, same_randomness

keras = pytest.importorskip("keras")
from forgetful import ForgetfulNoise  # noqa: E402

TOL = Tolerance(1e-6, 1e-6)
X = np.random.RandomState(0).uniform(-1, 1, size=(6, 4)).astype("float32")


FORGETFUL_LOSS = """
@keras.saving.register_keras_serializable(package="user")
class ScaledError(keras.losses.Loss):
    def __init__(self, scale=1.0, name="scaled_error", **kwargs):
        super().__init__(name=name, **kwargs)
        self.scale = scale

    def call(self, y_true, y_pred):
        return self.scale * keras.ops.mean(keras.ops.square(y_true - y_pred), axis=-1)

    def get_config(self):
        return {"name": self.name}  # forgets `scale`
"""
"""A registered loss whose config forgets ``scale``: ``evaluate`` differs after a reload."""

exec(FORGETFUL_LOSS)  # here as in the user project below: one definition
ForgetfulScaledError = ScaledError  # noqa: F821 (defined by the exec above)


@keras.saving.register_keras_serializable(package="behaviour")
class ForgetfulSGD(keras.optimizers.SGD):
    """SGD whose steps are ``boost`` times larger; ``get_config`` forgets ``boost``."""

    def __init__(self, boost=1.0, **kwargs):
        super().__init__(**kwargs)
        self.boost = boost

    def update_step(self, gradient, variable, learning_rate):
        super().update_step(gradient * self.boost, variable, learning_rate)


@pytest.fixture(autouse=True)
def _without_the_settings_check(monkeypatch):
    """The settings check sees these forgotten arguments too (they are attributes):
    left out, so each behaviour check is shown to catch its fault alone."""
    kept = tuple(c for c in registry.CHECKS if c.name != "settings")
    monkeypatch.setattr(registry, "CHECKS", kept)


def _dense(*middle, outputs=2):
    inputs = keras.Input((4,))
    x = keras.layers.Dense(8)(inputs)
    for layer in middle:
        x = layer(x)
    return keras.Model(inputs, keras.layers.Dense(outputs)(x))


def _round_trip(model, fmt="keras_v3", settings=None, tmp_path=None):
    built = prepare_model(model.name, model, inputs=X, settings=settings)
    notes = []
    check_round_trip(built, get_format(fmt), tmp_path, TOL, notes=notes)
    return notes


def _checks_without(monkeypatch, name):
    kept = tuple(c for c in registry.CHECKS if c.name != name)
    monkeypatch.setattr(registry, "CHECKS", kept)


def _findings(error):
    return [str(f) for f in error.value.findings]


def test_a_forgotten_training_only_argument_fails_the_training_pass(tmp_path):
    model = _dense(ForgetfulNoise(0.05))
    with pytest.raises(StateMismatch) as error:
        _round_trip(model, tmp_path=tmp_path)
    assert [f.check for f in error.value.findings] == ["training pass"], _findings(error)


def test_without_the_training_pass_that_fault_passes(tmp_path, monkeypatch):
    _checks_without(monkeypatch, "training pass")
    _round_trip(_dense(ForgetfulNoise(0.05)), tmp_path=tmp_path)


def test_a_forgotten_loss_parameter_fails_evaluate(tmp_path):
    model = _dense()
    model.compile(optimizer="sgd", loss=ForgetfulScaledError(scale=4.0))
    with pytest.raises(StateMismatch) as error:
        _round_trip(model, tmp_path=tmp_path)
    assert [f.check for f in error.value.findings] == ["evaluate"], _findings(error)
    assert "evaluate: logs: loss:" in _findings(error)[0]


def test_without_evaluate_that_fault_passes(tmp_path, monkeypatch):
    _checks_without(monkeypatch, "evaluate")
    model = _dense()
    model.compile(optimizer="sgd", loss=ForgetfulScaledError(scale=4.0))
    _round_trip(model, tmp_path=tmp_path)


def test_huber_delta_lost_by_keras_is_caught_through_clone_too(tmp_path):
    # Keras's own defect (docs/reproducers/settings/huber_delta.py): Huber's config
    # keeps no delta, so every path that rebuilds the loss from the config loses it.
    model = _dense()
    model.compile(optimizer="adam", loss=keras.losses.Huber(delta=2.0))
    for fmt in ("keras_v3", "clone"):
        with pytest.raises(StateMismatch) as error:
            _round_trip(model, fmt, tmp_path=tmp_path / fmt)
        assert {f.check for f in error.value.findings} == {"evaluate"}, _findings(error)


def _trained(optimizer):
    model = _dense()
    model.compile(optimizer=optimizer, loss="mse")
    model.fit(X, np.ones((6, 2), "float32"), epochs=1, verbose=0)
    return model


def test_a_forgotten_optimizer_setting_fails_the_training_step(tmp_path):
    model = _trained(ForgetfulSGD(boost=10.0, learning_rate=0.1))
    with pytest.raises(StateMismatch) as error:
        _round_trip(model, tmp_path=tmp_path)
    assert {f.check for f in error.value.findings} == {"training step"}, _findings(error)
    assert any("variable" in text for text in _findings(error))


def test_without_the_training_step_that_fault_passes(tmp_path, monkeypatch):
    _checks_without(monkeypatch, "training step")
    _round_trip(_trained(ForgetfulSGD(boost=10.0, learning_rate=0.1)), tmp_path=tmp_path)


def test_randomness_by_design_is_never_a_difference(tmp_path):
    # Dropout, noise and augmentation draw anew on every call, and Keras saves no
    # seed state: both models draw from the same states and seeds, as a user's own
    # two calls under one seed would.
    inputs = keras.Input((8, 8, 3))
    x = keras.layers.RandomFlip()(inputs)
    x = keras.layers.GaussianNoise(0.3)(x)
    x = keras.layers.Conv2D(4, 3)(x)
    x = keras.layers.BatchNormalization()(x)
    x = keras.layers.Dropout(0.5)(keras.layers.Flatten()(x))
    model = keras.Model(inputs, keras.layers.Dense(3, activation="softmax")(x))
    model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
    images = np.random.RandomState(1).uniform(0, 1, size=(4, 8, 8, 3)).astype("float32")
    model.fit(images, np.eye(3, dtype="float32")[[0, 1, 2, 0]], verbose=0)
    built = prepare_model("augmented", model, inputs=images)
    before = [np.asarray(v).copy() for v in model.variables]
    for fmt in ("keras_v3", "clone", "h5"):  # .h5 saving edits the compile config: last
        notes = []
        if fmt == "h5":  # its optimizer slots are lost (h5-optimizer-slots-lost)
            with pytest.raises(StateMismatch):
                check_round_trip(built, get_format(fmt), tmp_path / fmt, TOL, notes=notes)
            continue
        check_round_trip(built, get_format(fmt), tmp_path / fmt, TOL, notes=notes)
        assert notes == []
    # ... and every check put back what it moved (batch statistics, seed states).
    after = [np.asarray(v) for v in model.variables]
    assert all(a.tobytes() == b.tobytes() for a, b in zip(before, after))


@keras.saving.register_keras_serializable(package="gate_harness")
class Alternating(keras.layers.Layer):
    """In training, flips the sign on every other call of any instance: state its class
    keeps, which no seed reaches (as keras 3.10.0's RandAugment, through Python's
    ``random`` and a list its class shares)."""

    calls = 0

    def call(self, x, training=False):
        if not training:
            return x
        type(self).calls += 1
        return x if type(self).calls % 2 else -x


def test_randomness_no_seed_reaches_is_not_compared_even_when_calls_alternate(tmp_path):
    # The original's first and third calls agree; the reload's, second, does not: only
    # two more calls of the original, one after the other, show it cannot be held still.
    inputs = keras.Input((4,))
    model = keras.Model(inputs, Alternating()(keras.layers.Dense(3)(inputs)))
    notes = []
    check_round_trip(
        prepare_model("alternating", model, inputs=X),
        get_format("keras_v3"),
        tmp_path,
        TOL,
        notes=notes,
    )
    assert notes == [
        "training pass: not compared: the model as built gives different outputs on two "
        "seeded calls"
    ]


@keras.saving.register_keras_serializable(package="gate_harness")
class FirstResultRaises(keras.metrics.MeanSquaredError):
    """Raises at each instance's first result only (as jax's R2Score(num_regressors=1)
    in a fresh model's first evaluate, keras 3.15.1)."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.results = 0

    def result(self):
        self.results += 1
        if self.results == 1:
            raise ValueError("a fresh metric's first result")
        return super().result()


def test_what_the_original_raised_is_not_compared_in_any_case_of_its_model(tmp_path):
    # The first case: the original's evaluate raises, not compared. A second case must not
    # compare the original's second attempt (which succeeds) with the reload's first.
    inputs = keras.Input((4,))
    model = keras.Model(inputs, keras.layers.Dense(3)(inputs))
    model.compile(optimizer="sgd", loss="mse", metrics=[FirstResultRaises(name="first")])
    built = prepare_model("first_raises", model, inputs=X)
    for fmt in ("keras_v3", "clone"):
        notes = []
        check_round_trip(built, get_format(fmt), tmp_path / fmt, TOL, notes=notes)
        assert any(n.startswith("evaluate: not compared: the model as built raised") for n in notes)


def test_a_training_call_that_rewrites_a_kernel_leaves_the_original_as_it_was(tmp_path):
    # SpectralNormalization(training=True) assigns the wrapped layer's (trainable) kernel:
    # the next case saves the original, which must still be the model as built.
    inputs = keras.Input((4,))
    model = keras.Model(
        inputs, keras.layers.SpectralNormalization(keras.layers.Dense(3, name="dense"))(inputs)
    )
    built = prepare_model("spectral", model, inputs=X)
    before = [np.asarray(v).copy() for v in model.variables]
    for fmt in ("keras_v3", "clone"):  # the second saves what the first left
        check_round_trip(built, get_format(fmt), tmp_path / fmt, TOL)
    after = [np.asarray(v) for v in model.variables]
    assert all(a.tobytes() == b.tobytes() for a, b in zip(before, after))


def test_the_training_walk_is_keras_training_call_bit_for_bit():
    inputs = keras.Input((8, 8, 3))
    x = keras.layers.RandomRotation(0.2)(inputs)
    x = keras.layers.Conv2D(4, 3)(x)
    x = keras.layers.BatchNormalization()(x)
    x = keras.layers.SpatialDropout2D(0.3)(x)
    model = keras.Model(inputs, keras.layers.GaussianNoise(1.0)(x))
    images = np.random.RandomState(2).uniform(0, 1, size=(3, 8, 8, 3)).astype("float32")
    found = []
    for walk in (True, False):
        with restored_afterwards(model.variables), same_randomness(5):
            if walk:
                found.append(
                    np.asarray([*predict_outputs(model, images, training=True).values()][0])
                )
            else:
                found.append(np.asarray(model(images, training=True)))
    assert found[0].tobytes() == found[1].tobytes()
    model(images, training=True)  # advances every seed state: other draws
    other = np.asarray(model(images, training=True))
    assert other.tobytes() != found[1].tobytes()  # the comparison can fail


@pytest.mark.parametrize(
    ("loss", "expected"),
    [
        ("sparse_categorical_crossentropy", ("int32", (6,))),
        ("categorical_crossentropy", ("float32", (6, 3))),
        (keras.losses.BinaryCrossentropy(), ("float32", (6, 3))),
        ("mse", ("float32", (6, 3))),
    ],
)
def test_targets_take_the_form_the_loss_takes(loss, expected):
    model = _dense(outputs=3)
    model.compile(loss=loss)
    targets = derive_targets(model, X, 1)
    assert (str(targets.dtype), targets.shape) == expected
    if "categorical" in str(loss) and "sparse" not in str(loss):
        assert np.all(targets.sum(axis=-1) == 1)


def test_a_loss_without_derivable_targets_is_said_not_compared(tmp_path):
    model = _dense()
    model.compile(optimizer="sgd", loss=keras.losses.CTC())
    with pytest.raises(TargetsUndefined):
        derive_targets(model, X, 1)
    notes = _round_trip(model, tmp_path=tmp_path)
    assert any(n.startswith("evaluate: not compared: no targets") for n in notes), notes


def test_given_targets_are_used(tmp_path):
    model = _dense()
    model.compile(optimizer="sgd", loss=ForgetfulScaledError(scale=4.0))
    zeros = np.zeros((6, 2), "float32")
    calls = []

    def targets(seed):
        calls.append(seed)
        return zeros

    with pytest.raises(StateMismatch):
        _round_trip(model, settings=ModelSettings(targets=targets), tmp_path=tmp_path)
    assert calls


def test_an_unbuilt_optimizer_is_not_stepped_and_the_record_says_so(tmp_path):
    model = _dense()
    model.compile(optimizer="adam", loss="mse")
    notes = _round_trip(model, tmp_path=tmp_path)
    assert not model.optimizer.built  # the model under test is left as built
    assert notes == [
        "training step: not run: the optimizer has not taken a step "
        "(a step would build it on the model under test)"
    ]


COMPILED_PROJECT = (
    """
import keras
"""
    + FORGETFUL_LOSS
    + """

def regressor():
    inputs = keras.Input((4,))
    model = keras.Model(inputs, keras.layers.Dense(2)(inputs))
    model.compile(optimizer="adam", loss=ScaledError(scale=3.0))
    return model
"""
)


def test_a_compiled_matrix_model_is_evaluated_by_default(tmp_path):
    import json

    result = run_project(tmp_path, COMPILED_PROJECT, ["regressor"], "--roundtrip-report=r")
    assert result.returncode == 1, result.stdout[-3000:]
    assert "evaluate: logs: loss:" in result.stdout, result.stdout[-3000:]
    cases = json.loads((tmp_path / "r.json").read_text())["cases"]
    notes = [n for case in cases for n in case["not_compared"]]
    assert any(n.startswith("training step: not run") for n in notes), notes


def test_the_training_self_test_holds_and_can_fail(monkeypatch):
    from keras_gate import inference_mismatches
    from keras_gate.engine.runtime import graph_walk

    inputs = keras.Input((4,))
    x = keras.layers.Dropout(0.5)(keras.layers.Dense(8)(inputs))
    model = keras.Model(inputs, keras.layers.BatchNormalization()(x))
    assert inference_mismatches(model, X, training=True) == []
    # A walk that dropped the flag would run inference: the self-test says so.
    monkeypatch.setattr(graph_walk, "_call_context", lambda op, kwargs, training=False: kwargs)
    monkeypatch.setattr(
        graph_walk, "_as_keras_calls_it", lambda m, call, op, a, kw, training=False: call(op, a, kw)
    )
    assert inference_mismatches(model, X, training=True)


def test_a_second_defect_in_a_known_upstream_cell_fails_in_one_screen(tmp_path):
    # .h5 of a compiled model is a known upstream failure (the save edits the compile
    # config); the forgotten loss scale is not: the case fails naming it, without the
    # gate's frames or the context-manager glue around its known-failure block.
    result = run_project(tmp_path, COMPILED_PROJECT, ["regressor"], "-k", "h5")
    out = result.stdout
    assert result.returncode == 1, out[-3000:]
    assert "h5-save-edits-compile-config shows, but it does not explain:" in out, out[-3000:]
    assert "contextlib" not in out and "keras_gate/" not in out, out[-3000:]


def test_what_moved_predictions_feed_is_said_once_by_the_predictions(tmp_path):
    # A reload whose outputs moved evaluates and steps otherwise too: the same cause,
    # reported by the predictions check; the record says why evaluate did not compare.
    from keras_gate import PredictionMismatch
    from keras_gate.engine.formats import RoundTripFormat

    def shifted(model, custom_objects=None, safe_mode=True):
        copy = keras.models.clone_model(model)
        copy.set_weights([w + 1.0 for w in model.get_weights()])
        copy.compile(optimizer="sgd", loss="mse")
        return copy

    fmt = RoundTripFormat("shifted", "", "a copy whose weights moved", copy=shifted)
    model = _dense()
    model.compile(optimizer="sgd", loss="mse")
    built = prepare_model("m", model, inputs=X)
    notes = []
    with pytest.raises(PredictionMismatch) as error:
        check_round_trip(built, fmt, tmp_path, TOL, notes=notes)
    assert "evaluate" not in {f.check for f in error.value.findings}
    assert "evaluate: not compared: the predictions it scores moved" in notes
