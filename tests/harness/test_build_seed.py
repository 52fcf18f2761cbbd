"""A model's build starts from a seed of its own: a factory drawing random weights draws the
same ones on every build, in every run, and in the reproducer written for its failure."""

import importlib.util

import numpy as np
import pytest

from keras_gate import GateCase, GateModel, PredictionMismatch, Tolerance, prepare_model
from keras_gate.collect.lifecycle import CurrentModel
from keras_gate.engine.runtime.seeds import build_seed

MODEL_SOURCE = """
def build_model():
    inputs = keras.Input((4,))
    hidden = keras.layers.Dropout(0.5)(keras.layers.Dense(8, activation="relu")(inputs))
    return keras.Model(inputs, keras.layers.Dense(2)(hidden))
"""
"""A model of random weights (no seed given), and a seed generator (Dropout)."""


def _gate_model(name):
    import keras

    scope = {"keras": keras}
    exec(MODEL_SOURCE, scope)

    def build(variant):
        return prepare_model(name, scope["build_model"](), variant=variant)

    return GateModel(name, build=build, reproducer=lambda variant, built: MODEL_SOURCE)


def _variables(model):
    return [np.array(v.numpy()) for v in model.variables]


def _draw_elsewhere():
    """What a worker's other cases do between builds: draw from every global generator."""
    import keras

    np.random.rand(7)
    keras.random.normal((3,))
    keras.initializers.GlorotUniform()((5, 5))


def test_a_model_is_built_with_the_same_weights_every_time():
    pytest.importorskip("keras")
    holder = CurrentModel()
    first = GateCase(_gate_model("seeded"), "keras_v3")
    other = GateCase(_gate_model("another"), "keras_v3")
    built = holder.get(first)
    before = _variables(built.model)
    assert built.build_seed == build_seed("seeded", None)
    _draw_elsewhere()
    after_other = _variables(holder.get(other).model)  # the first one is released
    _draw_elsewhere()
    again = _variables(holder.get(first).model)
    assert all(np.array_equal(a, b) for a, b in zip(before, again, strict=True))
    # Each model has its own seed: another name draws other weights.
    assert not np.array_equal(before[0], after_other[0])


def test_the_reproducer_rebuilds_the_weights_the_gate_built(tmp_path):
    pytest.importorskip("keras")
    from keras_gate.report.repro import write_reproducer

    case = GateCase(_gate_model("seeded"), "h5")
    built = CurrentModel().get(case)
    error = PredictionMismatch("seeded via h5: revived model predicts differently")
    path = write_reproducer(tmp_path, case, built, error, Tolerance(1e-6, 1e-6), "x::y")
    spec = importlib.util.spec_from_file_location("reproducer", path)
    reproducer = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(reproducer)
    rebuilt = []
    build_model = reproducer.build_model
    reproducer.build_model = lambda: rebuilt.append(build_model()) or rebuilt[-1]
    _draw_elsewhere()
    assert reproducer.main() == 0  # plain Keras through .h5: nothing reproduces
    assert all(
        np.array_equal(a, b)
        for a, b in zip(_variables(built.model), _variables(rebuilt[0]), strict=True)
    )


def test_a_model_s_layer_names_do_not_depend_on_what_ran_before_its_build():
    # Keras names layers by counters since the last clear_session: a worker's first
    # build came after other tests' layers (EfficientNetB0's "normalization_9"), and a
    # known failure naming "normalization" no longer matched.
    keras = pytest.importorskip("keras")
    case = GateCase(_gate_model("named"), "keras_v3")
    fresh = [layer.name for layer in CurrentModel().get(case).model.layers]
    for _ in range(3):
        keras.layers.Dense(2)
    assert [layer.name for layer in CurrentModel().get(case).model.layers] == fresh
