"""The scenario tables, their selections and markers, and the dtype-policy guard."""

import pytest

import keras_gate
from fixtures.scenarios import (
    AXES,
    SCENARIO_SELECTIONS,
    Scenario,
    global_dtype_policy,
    scenario_markers,
    scenarios,
)
from fixtures.suite import SuiteOptions, suite_cases
from keras_gate import KnownFailure
from keras_gate.collect.cases import case_param


def test_default_scenario_is_the_seed_setup():
    assert Scenario().names == ("functional_head", "fresh", "float32", "unquantized")
    assert Scenario().is_default and Scenario().id == ""


def test_default_and_all_vary_one_axis_at_a_time():
    found = scenarios("default")
    assert found[0] == Scenario()
    assert len(found) == 1 + sum(len(entries) - 1 for entries in AXES.values())
    for scenario in found[1:]:
        assert len(scenario.id.split("-")) == 1  # exactly one non-default entry
    assert scenarios("all") == found


def test_cross_is_the_full_product_with_unique_ids():
    found = scenarios("cross")
    expected = 1
    for entries in AXES.values():
        expected *= len(entries)
    assert len(found) == expected == len({s.id for s in found})


def test_unknown_selection_names_the_accepted_ones():
    with pytest.raises(ValueError, match="default, all, cross, deploy"):
        scenarios("everything")
    assert set(SCENARIO_SELECTIONS) == {"default", "all", "cross", "deploy"}


def test_every_axis_entry_is_a_distinct_marker():
    names = [entry.name for entries in AXES.values() for entry in entries]
    assert len(names) == len(set(names)) == len(scenario_markers())


def _ids(selection, check="roundtrip"):
    options = SuiteOptions("synthetic", cache_dir=None, scenarios=selection)
    return {
        case.id: case_param(case, "tensorflow")
        for case in suite_cases(options)
        if case.check == check
    }


def test_default_selection_runs_new_axes_on_one_model_per_family_core_formats():
    ids = _ids("default")
    assert "EfficientNetB0-sequential-keras_v3" in ids
    assert "MobileNetV2-mixed_bfloat16-h5" in ids
    assert "EfficientNetB7-sequential-keras_v3" not in ids  # not an extra_axes model
    assert "EfficientNetB0-sequential-clone" not in ids  # not a core format
    assert "EfficientNetB0-clone" in ids  # the in-memory copies on the seed scenario


def _case_ids(selection):
    options = SuiteOptions("synthetic", cache_dir=None, scenarios=selection)
    return {case.id for case in suite_cases(options) if case.check == "roundtrip"}


def test_all_and_cross_reach_every_model_and_format():
    assert "EfficientNetB7-fine_tuned-clone" in _case_ids("all")
    assert "EfficientNetB7-subclassed-fine_tuned-mixed_float16-from_config" in _case_ids("cross")


def test_oracle_stays_on_the_seed_scenario():
    assert all("-" not in case_id.split("-", 1)[1] for case_id in _ids("all", "oracle"))


def test_scenario_cases_carry_axis_markers_and_their_own_xdist_group():
    param = _ids("default")["EfficientNetB0-fine_tuned-keras_v3"]
    marks = {mark.name: mark for mark in param.marks}
    assert {"functional_head", "fine_tuned", "float32", "efficientnetb0"} <= set(marks)
    assert marks["xdist_group"].args == ("efficientnetb0-fine_tuned",)
    assert "quick" not in marks  # the quick tier stays on the seed scenario


def test_known_failure_scenario_patterns():
    entry = KnownFailure(
        "*", "h5", ">=3.0", "StateMismatch", "x", "r", scenario="frozen|*_frozen|fine_tuned"
    )
    assert entry.applies_to(
        "MobileNetV2", "h5", "3.15.1", "tensorflow", scenario=("a", "frozen", "b")
    )
    assert entry.applies_to("M", "h5", "3.15.1", "tensorflow", scenario=("partially_frozen",))
    assert not entry.applies_to("M", "h5", "3.15.1", "tensorflow", scenario=("fresh",))


def test_global_dtype_policy_comes_back_after_an_error():
    keras = pytest.importorskip("keras")
    before = keras.mixed_precision.global_policy().name
    with pytest.raises(RuntimeError):
        with global_dtype_policy("mixed_bfloat16"):
            assert keras.mixed_precision.global_policy().name == "mixed_bfloat16"
            raise RuntimeError("build failed")
    assert keras.mixed_precision.global_policy().name == before


def test_a_policy_left_behind_is_reported_and_restored():
    # The built_model fixture fails the case with the policy this returns.
    keras = pytest.importorskip("keras")
    from keras_gate.collect.lifecycle import restore_global_policy

    keras.mixed_precision.set_global_policy("mixed_float16")
    assert restore_global_policy() == "mixed_float16"
    assert keras.mixed_precision.global_policy().name == "float32"
    assert restore_global_policy() is None


def test_the_deployment_formats_are_opt_in_and_run_with_deploy():
    from fixtures.suite_counts import cases

    deploy = {fmt.name for fmt in keras_gate.DEPLOYMENT_FORMATS}
    for selection in ("default", "all", "cross"):
        assert not deploy & {case.subject for case in cases(selection)}, selection
    chosen = cases("deploy")
    assert {case.subject for case in chosen} == deploy
    assert {case.model.name for case in chosen} == {
        "EfficientNetB0",
        "EfficientNetV2B0",
        "MobileNetV2",
    }
    assert {case.check for case in chosen} == {"roundtrip"}


def test_a_quantization_mode_newer_than_this_keras_skips_saying_so(monkeypatch):
    from fixtures.scenarios import QUANTIZATIONS
    from keras_gate.engine.runtime import versions

    int4 = Scenario(quantization=next(q for q in QUANTIZATIONS if q.name == "int4"))
    monkeypatch.setattr(versions, "keras_version", lambda: "3.5.0")
    assert int4.unsupported() == "int4 quantization needs keras >= 3.11.0; this is 3.5.0"
    assert Scenario().unsupported() is None
    monkeypatch.setattr(versions, "keras_version", lambda: "3.15.1")
    assert int4.unsupported() is None


def test_the_quick_tier_exports_a_saved_model_from_one_model_only():
    quick = {
        case_id
        for case_id, param in _ids("default").items()
        if any(mark.name == "quick" for mark in param.marks)
    }
    assert {"EfficientNetB0-export", "MobileNetV2-keras_v3", "EfficientNetV2B0-clone"} <= quick
    assert not {"MobileNetV2-export", "EfficientNetV2B0-export"} & quick


def _dense_base(keras):
    inputs = keras.Input((4,))
    x = keras.layers.Dense(8, name="small")(inputs)  # 40 parameters
    x = keras.layers.BatchNormalization(name="bn")(x)  # 16 trainable
    x = keras.layers.Dense(64, name="large")(x)  # 576
    x = keras.layers.Dense(16, name="largest")(x)  # 1 040
    return keras.Model(inputs, keras.layers.Dense(4, name="last")(x))  # 68


def test_a_capped_base_freezes_its_largest_layers_and_never_a_batch_norm():
    keras = pytest.importorskip("keras")
    from fixtures.scenario_builders import freeze, freeze_largest, trainable_params

    def trainable(base):
        return {layer.name for layer in base.layers if trainable_params(layer)}

    fine_tuned = _dense_base(keras)
    freeze_largest(fine_tuned, 700)
    assert trainable(fine_tuned) == {"small", "bn", "large", "last"}
    freeze_largest(fine_tuned, 100)
    assert trainable(fine_tuned) == {"small", "bn"}
    assert sum(trainable_params(layer) for layer in fine_tuned.layers) <= 100

    # The cap comes after the state's own freezing: fine_tuned still trains the first
    # half that partially_frozen freezes.
    partially_frozen = _dense_base(keras)
    freeze(partially_frozen, "first_half")
    freeze_largest(partially_frozen, 700)
    assert trainable(partially_frozen) == {"large", "last"}


def test_the_capped_model_s_reproducer_applies_its_cap():
    from types import SimpleNamespace

    from fixtures.model_registry import MODELS
    from fixtures.reproducer import seed_model_reproducer

    capped = [spec for spec in MODELS if spec.max_trainable_params]
    assert capped, "no model in the registry has a trainable cap"
    training = next(state for state in AXES["training"] if state.name == "fine_tuned")
    source = seed_model_reproducer(
        capped[0], Scenario(training=training), SimpleNamespace(weights_file="w.h5")
    )
    compile(source, "reproducer.py", "exec")
    assert f"max_trainable_params={capped[0].max_trainable_params!r}" in source
    assert "def freeze_largest(" in source


def test_a_trained_state_applies_its_models_cap_before_training():
    from types import SimpleNamespace

    keras = pytest.importorskip("keras")
    from fixtures.scenario_builders import apply_training_state, trainable_params

    states = {state.name: state for state in AXES["training"]}
    spec = SimpleNamespace(
        constructor="Tiny", resolution=8, pixel_range=(0.0, 1.0), max_trainable_params=500
    )

    def trained(state):
        inputs = keras.Input((8, 8, 3))
        x = keras.layers.Conv2D(4, 3, name="small")(inputs)  # 112 parameters
        x = keras.layers.BatchNormalization(name="bn")(x)  # 8 trainable
        x = keras.layers.Conv2D(32, 3, name="large")(x)  # 1 184
        base = keras.Model(inputs, keras.layers.GlobalAveragePooling2D()(x))
        model = keras.Model(inputs, keras.layers.Dense(10, name="head")(base(inputs)))
        apply_training_state(model, base, states[state], spec)
        return {layer.name for layer in base.layers if trainable_params(layer)}

    assert trained("fine_tuned") == {"small", "bn"}
    assert trained("fresh") == {"small", "bn", "large"}  # untrained: no cap
