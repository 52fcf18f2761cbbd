"""A released model leaves the worker: its traced graphs (TensorFlow's per-trace gradient
registrations, ``tf.custom_gradient``) and a failed case's exception go with it."""

import gc
import sys
import weakref

import keras
import numpy as np
import pytest

from keras_gate import GateModel, prepare_model
from keras_gate.collect.cases import GateCase
from keras_gate.collect.lifecycle import CurrentModel
from keras_gate.engine.runtime import traced_graphs


def _trained_silu_model():
    # silu goes through tf.custom_gradient: tracing its train step registers a gradient.
    inputs = keras.Input((4,))
    model = keras.Model(inputs, keras.layers.Dense(3, activation="silu")(inputs))
    model.compile(optimizer="adam", loss="mse")
    model.train_on_batch(np.ones((2, 4), "float32"), np.zeros((2, 3), "float32"))
    return model


def test_a_released_model_takes_its_traced_graphs_with_it():
    if keras.backend.backend() != "tensorflow":
        pytest.skip("a TensorFlow registry")
    from tensorflow.python.framework.func_graph import FuncGraph

    def func_graphs():
        gc.collect()
        return [o for o in gc.get_objects() if isinstance(o, FuncGraph)]

    existing = {id(graph) for graph in func_graphs()}
    traced = []

    def build(variant):
        model = _trained_silu_model()
        traced.extend(weakref.ref(g) for g in func_graphs() if id(g) not in existing)
        return prepare_model("silu", model)

    holder = CurrentModel(collect_above_bytes=0)  # a tiny model stands for a large one
    before = traced_graphs.registrations()
    holder.get(GateCase(GateModel("silu", build=build), "keras_v3"))
    assert traced_graphs.registrations() - before, "tracing silu registered no gradient"
    holder.release()
    holder.reclaim()
    gc.collect()
    assert traced_graphs.registrations() == before
    assert traced, "training traced no graph"
    alive = [ref() for ref in traced if ref() is not None]
    assert not alive, f"the released model's traced graphs are still alive: {alive[:3]}"


def test_nothing_is_dropped_while_the_model_lives():
    if keras.backend.backend() != "tensorflow":
        pytest.skip("a TensorFlow registry")
    before = traced_graphs.registrations()
    model = _trained_silu_model()
    mine = traced_graphs.registrations() - before
    assert traced_graphs.drop_registrations_since(before | mine) == 0
    assert mine <= traced_graphs.registrations()
    del model


def test_a_failed_case_does_not_keep_its_model_through_the_next_build():
    models = []

    def build(variant):
        inputs = keras.Input((4,))
        models.append(keras.Model(inputs, keras.layers.Dense(2)(inputs)))
        return prepare_model("failing", models[-1])

    holder = CurrentModel(collect_above_bytes=0)
    built = holder.get(GateCase(GateModel("failing", build=build), "keras_v3"))

    def case(built):  # a case that failed: pytest keeps its exception in sys.last_*
        raise AssertionError(f"{built.name} differs")

    try:
        case(built)
    except AssertionError as error:
        sys.last_type, sys.last_value, sys.last_traceback = type(error), error, error.__traceback__
    model = weakref.ref(models.pop())
    del built
    holder.release()
    holder.reclaim()
    assert model() is None, "the released model is still alive"


def test_eager_steps_set_a_traced_train_function_aside_and_give_it_back():
    from keras_gate import eager_steps

    model = _trained_silu_model()  # trained traced: Keras cached its train function
    traced = model.train_function
    assert traced is not None and not model.run_eagerly
    with eager_steps(model):
        model.train_on_batch(np.ones((2, 4), "float32"), np.zeros((2, 3), "float32"))
        assert model.run_eagerly and model.train_function is not traced
    assert model.train_function is traced and not model.run_eagerly


@pytest.mark.parametrize("threshold, collections", [(0, 1), (10**9, 0)], ids=["large", "small"])
def test_only_a_large_release_pays_for_a_full_collection(monkeypatch, threshold, collections):
    from keras_gate.collect import lifecycle

    def build(variant):
        inputs = keras.Input((4,))
        return prepare_model("dense", keras.Model(inputs, keras.layers.Dense(2)(inputs)))

    holder = CurrentModel(collect_above_bytes=threshold)
    holder.get(GateCase(GateModel("dense", build=build), "keras_v3"))
    seen = []
    monkeypatch.setattr(lifecycle.gc, "collect", lambda *args: seen.append(args))
    holder.release()
    holder.reclaim()
    assert len(seen) == collections  # Keras's clear_session makes none of its own
