"""A red verdict is Keras's, never the gate's: each rule that keeps the gate's view of a
model equal to Keras's own, and a test that fails without it."""

import numpy as np
import pytest

from keras_gate import get_format, inference_mismatches, inference_path, predict_outputs
from keras_gate.engine.built_model import both_families
from keras_gate.engine.runtime import graph_walk
from keras_gate.engine.runtime.inputs import InputDerivationError, derive_inputs

keras = pytest.importorskip("keras")

IMAGE = np.random.RandomState(0).uniform(0, 255, size=(2, 8, 8, 3)).astype("float32")


def _augmented():
    inputs = keras.Input((8, 8, 3))
    x = keras.layers.RandomFlip("horizontal")(inputs)
    x = keras.layers.RandomRotation(0.2)(x)
    x = keras.layers.Conv2D(2, 3)(x)
    return keras.Model(inputs, keras.layers.GlobalAveragePooling2D()(x))


@keras.saving.register_keras_serializable(package="harness")
class Jitter(keras.layers.Layer):
    """A block without a ``training`` argument around one that has it: it reads the
    flag from Keras's call context."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.rotate = keras.layers.RandomRotation(0.3)

    def call(self, x):
        return self.rotate(x)


def test_augmentation_runs_as_in_inference():
    model = _augmented()
    assert inference_mismatches(model, IMAGE) == []


def _plain_calls(monkeypatch):
    """The walk as it was: each layer called with its node's arguments alone."""
    monkeypatch.setattr(graph_walk, "_call_context", lambda op, kwargs, training=False: kwargs)
    monkeypatch.setattr(
        graph_walk, "_as_keras_calls_it", lambda m, call, op, a, kw, training=False: call(op, a, kw)
    )


def test_the_fidelity_check_fails_when_augmentation_runs(monkeypatch):
    # The self-test can fail: with no training flag and no call context, each layer
    # takes its own default, so RandomFlip and RandomRotation augment.
    _plain_calls(monkeypatch)
    assert inference_mismatches(_augmented(), IMAGE)


def test_a_custom_block_reads_the_training_flag_from_the_call_context(monkeypatch):
    inputs = keras.Input((8, 8, 3))
    model = keras.Model(inputs, Jitter()(inputs))
    assert inference_mismatches(model, IMAGE) == []
    # Without the call context the inner RandomFlip augments.
    _plain_calls(monkeypatch)
    assert inference_mismatches(model, IMAGE)


def _dict_backbone_task():
    """A keras-hub-style task: a functional model calling a backbone on a dict."""
    ids = keras.Input((None,), dtype="int32", name="token_ids")
    mask = keras.Input((None,), dtype="int32", name="padding_mask")
    x = keras.layers.Embedding(20, 4)(ids)
    x = x * keras.ops.expand_dims(keras.ops.cast(mask, "float32"), -1)
    backbone = keras.Model({"token_ids": ids, "padding_mask": mask}, x, name="backbone")
    task_ids = keras.Input((None,), dtype="int32", name="token_ids")
    task_mask = keras.Input((None,), dtype="int32", name="padding_mask")
    features = backbone({"token_ids": task_ids, "padding_mask": task_mask})
    logits = keras.layers.Dense(2)(keras.layers.GlobalAveragePooling1D()(features))
    return keras.Model({"token_ids": task_ids, "padding_mask": task_mask}, logits)


def test_a_nested_model_called_on_a_dict_is_walked():
    model = _dict_backbone_task()
    batch = derive_inputs(model, "task")
    assert inference_mismatches(model, both_families(batch)) == []
    # Walked node by node, the backbone expanded (localisation sees inside it).
    paths = [visit.path for visit in graph_walk.walk_graph(model, batch)]
    assert any(path.startswith("backbone/") for path in paths)


def test_masks_propagate_through_the_walk():
    inputs = keras.Input((6,), dtype="int32")
    x = keras.layers.Embedding(10, 4, mask_zero=True)(inputs)
    model = keras.Model(inputs, keras.layers.LSTM(3)(x))
    ids = np.array([[1, 2, 0, 0, 0, 0], [3, 4, 5, 6, 0, 0]], dtype="int32")
    assert inference_mismatches(model, ids) == []


@keras.saving.register_keras_serializable(package="harness")
class Doubling(keras.Model):
    """A functional model whose ``call`` does more than its graph."""

    def call(self, inputs, training=None):
        return super().call(inputs, training=training) * 2.0


def test_a_model_overriding_call_is_called_as_keras_calls_it():
    inputs = keras.Input((3,))
    model = Doubling(inputs, keras.layers.Dense(2)(inputs))
    assert inference_path(model) == "keras call (Doubling overrides call())"
    x = np.ones((2, 3), "float32")
    assert inference_mismatches(model, x) == []
    np.testing.assert_array_equal(
        predict_outputs(model, x)["output_0"], keras.ops.convert_to_numpy(model(x))
    )


def test_inputs_for_every_preprocessing_layer():
    vectorize = keras.layers.TextVectorization(max_tokens=10, output_sequence_length=4)
    vectorize.adapt(np.array(["red green blue", "green blue"]))
    lookup = keras.layers.StringLookup()
    lookup.adapt(np.array(["paris", "oslo"]))
    codes = keras.layers.IntegerLookup()
    codes.adapt(np.array([7, 42]))
    text = keras.Input((1,), dtype="string", name="text")
    city = keras.Input((1,), dtype="string", name="city")
    code = keras.Input((2,), dtype="int64", name="code")
    tags = keras.Input((2,), dtype="string", name="tags")
    mask = keras.Input((5,), dtype="int32", name="padding_mask")
    merged = keras.layers.concatenate(
        [
            keras.ops.cast(vectorize(text), "float32"),
            keras.ops.cast(lookup(city), "float32"),
            keras.ops.cast(codes(code), "float32"),
            keras.ops.cast(keras.layers.Hashing(4)(tags), "float32"),
            keras.ops.cast(mask, "float32"),
        ]
    )
    model = keras.Model(
        {"text": text, "city": city, "code": code, "tags": tags, "padding_mask": mask}, merged
    )
    batch = derive_inputs(model, "preprocessing")
    words = {w for s in batch["text"].ravel() for w in s.split()}
    assert words <= {"red", "green", "blue"}
    assert set(batch["city"].ravel()) <= {"paris", "oslo"}
    assert set(batch["code"].ravel()) <= {7, 42}
    for row in batch["padding_mask"]:  # ones up to a length, then zeros
        assert row[0] == 1 and list(row) == sorted(row, reverse=True)
    assert inference_mismatches(model, both_families(batch)) == []


def test_an_input_the_gate_cannot_make_up_names_model_and_input():
    inputs = keras.Input((2,), dtype="complex64", name="spectrum")
    model = keras.Model(inputs, keras.ops.real(inputs), name="radio")
    with pytest.raises(InputDerivationError, match=r"model 'radio': input 'spectrum'.*inputs="):
        derive_inputs(model, "radio")


@keras.saving.register_keras_serializable(package="harness")
class Block(keras.layers.Layer):
    """Sublayers its code does not name: Keras numbers them from a global counter."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.inner = [keras.layers.Dense(3), keras.layers.LayerNormalization()]

    def call(self, x):
        for layer in self.inner:
            x = layer(x)
        return x


# The idiom under test (sublayers made in __init__, no build()): Keras warns on reload.
@pytest.mark.filterwarnings("ignore:`build\\(\\)` was called on layer 'block':UserWarning")
def test_automatic_sublayer_names_are_not_a_difference(tmp_path):
    inputs = keras.Input((3,))
    model = keras.Model(inputs, Block(name="block")(inputs))
    keras.layers.Dense(1)  # advance the counter: the reload's Dense gets another name
    from keras_gate.engine.checks.variables import variable_findings, variables_by_place

    revived = get_format("keras_v3").round_trip(model, tmp_path)
    assert variable_findings(variables_by_place(model), variables_by_place(revived)) == []
    assert any("Dense#0" in key for key in variables_by_place(model))


def test_a_variable_under_another_path_is_renamed_not_lost():
    from keras_gate.engine.checks.variables import variable_findings

    kernel = keras.Variable(np.ones((2, 2), "float32"))
    [finding] = variable_findings({"a/kernel": (kernel, True)}, {"b/kernel": (kernel, True)})
    assert "1 renamed, values equal: a/kernel -> b/kernel" in finding.text


# What is under test: Keras skips loading the unbuilt optimizer's slots, and says so.
@pytest.mark.filterwarnings("ignore:Skipping variable loading for optimizer:UserWarning")
def test_an_unbuilt_optimizer_and_its_reloaded_zero_slots_are_equivalent(tmp_path):
    from keras_gate.engine.checks.state import model_state, state_differences
    from keras_gate.engine.tolerances import Tolerance

    inputs = keras.Input((3,))
    model = keras.Model(inputs, keras.layers.Dense(2)(inputs))
    model.compile("adam", "mse")
    revived = get_format("keras_v3").round_trip(model, tmp_path)
    before, after = model_state(model), model_state(revived)
    assert len(after.optimizer_variables) > len(before.optimizer_variables)
    assert state_differences(before, after, Tolerance(0, 0)) == []
    # A slot that is not zero is state the original never had: a difference.
    slot = revived.optimizer.variables[-1]
    slot.assign(np.asarray(slot) + 1)
    assert state_differences(before, model_state(revived), Tolerance(0, 0))


def test_a_lora_layer_is_compared_by_its_effective_kernel(tmp_path):
    from keras_gate.engine.checks.variables import variable_findings, variables_by_place

    inputs = keras.Input((4,))
    model = keras.Model(inputs, keras.layers.Dense(3, name="dense")(inputs))
    model.layers[1].enable_lora(rank=2)
    model.layers[1].lora_kernel_b.assign(np.full((2, 3), 0.1, "float32"))
    revived = get_format("keras_v3").round_trip(model, tmp_path)
    assert variable_findings(variables_by_place(model), variables_by_place(revived)) == []
    # Keras reloads the update as zeros (a and b): one that is not zero moves the kernel.
    revived.layers[1].lora_kernel_a.assign(np.full((4, 2), 0.3, "float32"))
    revived.layers[1].lora_kernel_b.assign(np.full((2, 3), 0.2, "float32"))
    [finding, *_] = variable_findings(variables_by_place(model), variables_by_place(revived))
    assert "dense/kernel (LoRA merged): values differ" in finding.text


def test_a_registered_class_legacy_h5_cannot_resolve_is_a_named_limitation(tmp_path):
    from keras_gate.engine.formats import FormatLimitation

    # A registered model class (every keras-hub backbone and task is one).
    inputs = keras.Input((3,))
    model = Doubling(inputs, keras.layers.Dense(2)(inputs))
    with pytest.raises(FormatLimitation) as raised:
        get_format("h5").round_trip(model, tmp_path)
    message = str(raised.value)
    assert "'harness>Doubling'" in message and "custom_objects={'Doubling'" in message
    # With the class given, the .h5 path is gated like any other.
    get_format("h5").round_trip(model, tmp_path / "given", custom_objects={"Doubling": Doubling})


def test_an_unregistered_unknown_layer_stays_a_failure(tmp_path):
    # Keras's own op layer (mask_zero's NotEqual) that legacy .h5 cannot read back is
    # an upstream defect, not a limitation of the user's model.
    from keras_gate.engine.formats import FormatLimitation, RoundTripError

    inputs = keras.Input((4,), dtype="int32")
    x = keras.layers.Embedding(10, 2, mask_zero=True)(inputs)
    model = keras.Model(inputs, keras.layers.LSTM(2)(x))
    with pytest.raises(RoundTripError) as raised:
        get_format("h5").round_trip(model, tmp_path)
    assert not isinstance(raised.value, FormatLimitation)


def test_verify_inference_falls_back_to_keras_where_the_walk_differs(monkeypatch):
    from keras_gate import prepare_model

    _plain_calls(monkeypatch)  # a walk that augments: it differs from Keras's inference
    built = prepare_model("augmented", _augmented(), inputs=IMAGE)
    assert built.inference == "graph walk"
    assert built.verify_inference()
    assert built.inference.startswith("keras call (the graph walk differs: ")
    expected = keras.ops.convert_to_numpy(built.model(IMAGE, training=False))
    [name] = [n for n in built.outputs if "constant" not in n]
    np.testing.assert_array_equal(built.outputs[name], expected)


ZOO = """
import keras


def _dense(units):
    def build():
        inputs = keras.Input((3,))
        return keras.Model(inputs, keras.layers.Dense(units)(inputs))

    return build


MODELS = {"small": _dense(2), "wide": _dense(8)}
"""


def test_an_entry_naming_a_mapping_gates_each_model(tmp_path):
    from user_project import run_project

    result = run_project(tmp_path, ZOO, ["MODELS"], "--co", "-q", "-m", "wide or small")
    assert result.returncode == 0, result.stdout + result.stderr
    for case in ("small-keras_v3", "small-h5", "wide-keras_v3", "wide-h5"):
        assert f"pytest.ini::test_round_trip[{case}]" in result.stdout
    selected = run_project(tmp_path, ZOO, ["MODELS"], "-q", "-m", "wide and keras_v3")
    assert selected.returncode == 0, selected.stdout + selected.stderr
    assert "1 passed" in selected.stdout


def test_a_model_that_cannot_predict_as_built_is_named_so():
    from keras_gate import prepare_model
    from keras_gate.engine.built_model import ModelAsBuiltError

    inputs = keras.Input((None, 1), name="audio")
    model = keras.Model(inputs, keras.layers.Conv1D(2, 20)(inputs), name="listener")
    with pytest.raises(
        ModelAsBuiltError, match=r"model 'listener' as built cannot predict.*inputs="
    ):
        prepare_model("listener", model)


def test_a_library_that_does_not_import_is_said_in_one_line(tmp_path):
    from pathlib import Path

    from keras_gate.collect.sources.entries import EntryError, ModelEntry, build_entry_model

    (tmp_path / "broken_models.py").write_text(
        "def build():\n    from keras.src.backend import no_such_name  # noqa: F401\n"
    )
    entry = ModelEntry("broken_models:build", Path(tmp_path))
    from keras_gate.api import ModelSettings

    with pytest.raises(
        EntryError, match="a library the factory imports does not import with keras"
    ):
        build_entry_model(entry, ModelSettings())


def test_a_loss_alias_and_the_function_it_names_are_one_loss():
    from keras_gate.engine.checks.state import _loss_name

    # keras-nightly reloads loss="mse" from .h5 as the function mean_squared_error.
    assert _loss_name("mse") == _loss_name(keras.losses.mean_squared_error)
    assert _loss_name("mse") != _loss_name("mae")


def test_localisation_does_not_walk_a_model_that_runs_its_own_code():
    from keras_gate.engine.localisation import first_diverging_layer
    from keras_gate.engine.tolerances import Tolerance

    inputs = keras.Input((3,))
    model = Doubling(inputs, keras.layers.Dense(2)(inputs))
    line = first_diverging_layer(model, model, np.ones((1, 3), "float32"), Tolerance(0, 0))
    assert line == "not localised: the model is computed by keras call (Doubling overrides call())"


def test_two_mappings_naming_one_model_is_an_error_naming_both(tmp_path):
    from user_project import run_project

    zoo = ZOO + '\nMORE = {"small": _dense(3)}\n'
    result = run_project(tmp_path, zoo, ["MODELS", "MORE"], "--co", "-q")
    assert result.returncode != 0
    assert "model 'small' is also named by 'user_models:MODELS'" in result.stdout
