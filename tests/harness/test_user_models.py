"""Gating a user's own models: entries, derived inputs, every output, the config matrix."""

import sys
import textwrap

import numpy as np
import pytest
from user_project import FORGETFUL_LAYER, run_project

from keras_gate.collect.sources.entries import (
    EntryError,
    ModelEntry,
    build_entry_model,
    load_factory,
    parse_entries,
)

keras = pytest.importorskip("keras")


def _ranking_model():
    query = keras.Input((8,), dtype="int32", name="query")
    item = keras.Input((6,), name="item")
    q = keras.layers.GlobalAveragePooling1D()(keras.layers.Embedding(50, 4)(query))
    x = keras.layers.Concatenate()([q, item])
    outputs = {"click": keras.layers.Dense(1, name="click")(x), "dwell": keras.layers.Dense(1)(x)}
    return keras.Model({"query": query, "item": item}, outputs)


def test_inputs_are_derived_per_input_with_embedding_ids_in_range():
    from keras_gate import derive_inputs

    model = _ranking_model()
    batch = derive_inputs(model, "ranking")
    assert sorted(batch) == ["item", "query"]
    assert batch["query"].dtype == np.int32 and batch["query"].shape == (2, 8)
    assert 0 <= batch["query"].min() and batch["query"].max() < 50
    assert batch["item"].dtype == np.float32 and batch["item"].shape == (2, 6)
    again = derive_inputs(model, "ranking")
    assert all(np.array_equal(batch[k], again[k]) for k in batch)  # seeded


def test_a_subclassed_model_needs_inputs_given():
    from keras_gate.engine.runtime.inputs import InputDerivationError, derive_inputs

    class Sub(keras.Model):
        def call(self, x):
            return x

    with pytest.raises(InputDerivationError, match="give inputs="):
        derive_inputs(Sub(), "sub")


def test_every_output_is_compared_by_its_name():
    from keras_gate import derive_inputs
    from keras_gate.engine.runtime.outputs import predict_outputs

    model = _ranking_model()
    outputs = predict_outputs(model, derive_inputs(model, "ranking"))
    assert sorted(outputs) == ["click", "dwell"]
    inputs = keras.Input((3,))
    heads = [keras.layers.Dense(2, name="a")(inputs), keras.layers.Dense(1)(inputs)]
    pair = keras.Model(inputs, heads)
    assert list(predict_outputs(pair, np.ones((2, 3), "float32")))[0] == "a"


def test_entries_are_parsed_and_bad_ones_named(tmp_path):
    entries = parse_entries(["pkg.models:text_model", "", "saved/ranker.keras"], tmp_path)
    assert [(e.name, e.marker, e.is_file) for e in entries] == [
        ("text_model", "text_model", False),
        ("ranker", "ranker", True),
    ]
    with pytest.raises(EntryError, match="'pkg.models': expected package.module:factory"):
        parse_entries(["pkg.models"], tmp_path)
    with pytest.raises(EntryError, match="same model name as 'a:model'"):
        parse_entries(["a:model", "b:model"], tmp_path)


def _entry(tmp_path, source: str, text: str) -> ModelEntry:
    (tmp_path / "user_models.py").write_text(textwrap.dedent(source))
    sys.modules.pop("user_models", None)
    return ModelEntry(text, tmp_path)


def test_a_factory_that_does_not_import_is_named(tmp_path):
    entry = _entry(tmp_path, "import not_a_module\n", "user_models:model")
    with pytest.raises(EntryError, match="'user_models:model': cannot import 'user_models'"):
        load_factory(entry)
    entry = _entry(tmp_path, "x = 1\n", "user_models:missing")
    with pytest.raises(EntryError, match="'user_models' has no attribute 'missing'"):
        load_factory(entry)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("raise RuntimeError('no data')", "the factory raised RuntimeError: no data"),
        ("return [1]", "expected a keras.Model, got list"),
        ("return keras.Sequential([keras.layers.Dense(2)])", "is not built"),
    ],
    ids=["raises", "not-a-model", "unbuilt"],
)
def test_a_factory_that_fails_or_returns_no_built_model_is_named(tmp_path, body, message):
    source = f"import keras\n\ndef model():\n    {body}\n"
    entry = _entry(tmp_path, source, "user_models:model")
    with pytest.raises(EntryError, match=f"'user_models:model': .*{message}"):
        build_entry_model(entry, entry_settings_default())


def entry_settings_default():
    from keras_gate import ModelSettings

    return ModelSettings()


def test_a_saved_file_that_needs_safe_mode_off_is_refused(tmp_path):
    inputs = keras.Input((2,))
    model = keras.Model(inputs, keras.layers.Lambda(lambda x: x * 2)(inputs))
    model.save(tmp_path / "lambda.keras")
    entry = ModelEntry("lambda.keras", tmp_path)
    with pytest.raises(EntryError, match=r"(?s)'lambda.keras'.*safe_mode.*safe_mode=False"):
        build_entry_model(entry, entry_settings_default())


PROJECT_MODELS = (
    FORGETFUL_LAYER
    + """
import keras_gate


@keras_gate.model(markers=["tabular"], formats=["keras_v3", "from_config"])
def dense_model():
    inputs = keras.Input((4,))
    return keras.Model(inputs, keras.layers.Dense(3, name="out")(inputs))


def forgets_config():
    inputs = keras.Input((4,))
    return keras.Model(inputs, Scale(3.0, name="scale")(keras.layers.Dense(2)(inputs)))


def unregistered_layer():
    # Neither registered nor at module level: no Keras release can find it on load
    # (3.5.0 imports a layer's module by name, so a module-level class would load).
    class NoConfig(keras.layers.Layer):
        def __init__(self, units, **kwargs):
            super().__init__(**kwargs)
            self.units = units

        def call(self, x):
            return x

    inputs = keras.Input((4,))
    return keras.Model(inputs, NoConfig(2, name="no_config")(inputs))
"""
)
FACTORIES = ("dense_model", "forgets_config", "unregistered_layer")


def _run_project(tmp_path, *args, factories=FACTORIES, extra_ini=""):
    return run_project(tmp_path, PROJECT_MODELS, factories, "-rA", *args, extra_ini=extra_ini)


def test_a_config_matrix_runs_with_plain_pytest(tmp_path):
    result = _run_project(tmp_path)
    out = result.stdout
    assert result.returncode == pytest.ExitCode.TESTS_FAILED, out[-3000:]
    assert "PASSED pytest.ini::test_round_trip[dense_model-keras_v3]" in out
    assert "PASSED pytest.ini::test_round_trip[dense_model-from_config]" in out
    # A layer whose get_config() forgets an argument: caught, the layer named.
    assert "FAILED pytest.ini::test_round_trip[forgets_config-keras_v3]" in out
    assert "first diverging layer: scale (Scale)" in out
    # A layer Keras cannot revive (not registered): a classified failure of the
    # case, not a crash of the run.
    assert "FAILED pytest.ini::test_round_trip[unregistered_layer-keras_v3]" in out
    assert "RoundTripError: keras_v3: load failed: TypeError" in out, out


def test_the_config_matrix_selects_by_model_and_user_marker(tmp_path):
    result = _run_project(tmp_path, "--co", "-q", "-m", "tabular")
    ids = [line for line in result.stdout.splitlines() if "::" in line]
    assert ids == [
        "pytest.ini::test_round_trip[dense_model-keras_v3]",
        "pytest.ini::test_round_trip[dense_model-from_config]",
    ], result.stdout + result.stderr


def test_an_entry_that_does_not_import_errors_its_own_cases_and_the_rest_runs(tmp_path):
    result = run_project(tmp_path, PROJECT_MODELS, ["dense_model"], extra_ini="    nowhere:model\n")
    assert result.returncode == pytest.ExitCode.TESTS_FAILED
    assert "keras_gate_models entry 'nowhere:model': cannot import 'nowhere'" in result.stdout
    assert "PASSED" in result.stdout or "2 passed" in result.stdout, result.stdout[-2000:]
    assert "ERROR pytest.ini::test_round_trip[model-keras_v3]" in result.stdout


def test_known_failures_from_a_toml_file_are_strict_xfails(tmp_path):
    (tmp_path / "known.toml").write_text(
        textwrap.dedent(
            """
            [[known_failure]]
            models = "forgets_config"
            format = "keras_v3"
            keras = ">=3.0"
            error = "PredictionMismatch"
            match = "predicts differently"
            reason = "our Scale layer forgets its factor (ticket 12)"
            """
        )
    )
    known = "keras_gate_known_failures = known.toml\n"
    result = _run_project(tmp_path, "-k", "forgets_config", extra_ini=known)
    assert "XFAIL pytest.ini::test_round_trip[forgets_config-keras_v3]" in result.stdout
    assert "our Scale layer forgets its factor (ticket 12)" in result.stdout


def test_a_bad_known_failures_file_names_the_entry(tmp_path):
    from keras_gate.engine.known_failures import KnownFailuresFileError, load_known_failures

    path = tmp_path / "known.toml"
    path.write_text('[[known_failure]]\nmodels = "x"\nformat = "h5"\nkeras = "3.5"\n')
    with pytest.raises(KnownFailuresFileError, match=r"known.toml: \[\[known_failure\]\] #1"):
        load_known_failures(path)


def test_a_misspelt_known_failures_field_is_one_line_without_a_traceback(tmp_path):
    (tmp_path / "known.toml").write_text(
        '[[known_failure]]\nmodel = "dense_model"\nformat = "h5"\nkeras = ">=3"\n'
        'error = "E"\nmatch = "x"\nreason = "r"\n'
    )
    result = run_project(
        tmp_path,
        PROJECT_MODELS,
        ["dense_model"],
        extra_ini="keras_gate_known_failures = known.toml\n",
    )
    assert result.returncode == pytest.ExitCode.USAGE_ERROR, result.stdout[-2000:]
    out = result.stdout + result.stderr
    assert "unknown field(s) 'model' (did you mean 'models'?)" in out
    assert "Traceback" not in out and "keras_gate/" not in out and "_pytest" not in out, out


def test_a_subclassed_model_with_unnamed_layers_round_trips_clean(tmp_path):
    # Its layers get fresh automatic names on load (dense -> dense_4): not a change.
    from keras_gate import Tolerance, get_format, prepare_model
    from keras_gate.engine.roundtrip import check_round_trip

    @keras.saving.register_keras_serializable(package="harness")
    class TwoDense(keras.Model):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.first, self.second = keras.layers.Dense(3), keras.layers.Dense(2)

        def call(self, x):
            return self.second(self.first(x))

    model = TwoDense(name="two_dense")
    batch = np.ones((2, 4), "float32")
    model(batch)
    built = prepare_model("two_dense", model, inputs=batch)
    check_round_trip(built, get_format("keras_v3"), tmp_path, Tolerance(0.0, 0.0))
