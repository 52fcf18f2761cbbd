"""The known-failures table and how it turns matching errors into strict xfails."""

import pytest

from fixtures.known_failure_table import KNOWN_FAILURES
from fixtures.model_registry import MODELS
from fixtures.scenarios import Scenario
from keras_gate.engine.checks.failures import PredictionMismatch
from keras_gate.engine.formats import FORMATS
from keras_gate.engine.known_failures import (
    KnownFailure,
    KnownFailureReproduced,
    expected_failure,
)
from keras_gate.engine.known_failures import find_known_failures as find_in_table


def find_known_failures(model, fmt, version, backend, check="roundtrip", scenario=None):
    """The suite's entries covering a case (the seed scenario unless given)."""
    scenario = scenario or Scenario().names
    return find_in_table(model, fmt, version, backend, check, KNOWN_FAILURES, scenario)


def _expected_xfails(keras_version, check="roundtrip", formats=("keras_v3", "h5")):
    return sorted(
        f"{spec.constructor}-{fmt}"
        for spec in MODELS
        for fmt in formats
        if find_known_failures(spec.constructor, fmt, keras_version, "tensorflow", check)
    )


EFFICIENTNETS = [f"EfficientNetB{i}" for i in range(8)]
MOBILENET_V3_H5 = ["MobileNetV3Large-h5", "MobileNetV3Small-h5"]


EFFICIENTNET_V2 = [f"EfficientNetV2{s}" for s in ("B0", "B1", "B2", "B3", "S", "M", "L")]


def test_buggy_release_expects_efficientnet_keras_v3_the_h5_axis_and_mobilenetv3_h5():
    # The .h5 entries of 3.5.0: every EfficientNet's BatchNormalization axis is rewritten.
    assert _expected_xfails("3.5.0") == sorted(
        [f"{m}-keras_v3" for m in EFFICIENTNETS]
        + [f"{m}-h5" for m in EFFICIENTNETS + EFFICIENTNET_V2]
        + MOBILENET_V3_H5
    )


def test_fixed_release_expects_the_nested_h5_variant_and_mobilenetv3_h5():
    assert _expected_xfails("3.15.1") == sorted(
        [f"{m}-h5" for m in EFFICIENTNETS] + MOBILENET_V3_H5
    )


def test_in_memory_copies_of_efficientnet_fail_from_3_6_and_the_oracle_always_sees_them():
    copies = ("clone", "from_config")
    assert _expected_xfails("3.5.0", formats=copies) == []
    assert _expected_xfails("3.15.1", formats=copies) == sorted(
        f"{m}-{fmt}" for m in EFFICIENTNETS for fmt in copies
    )
    for version in ("3.5.0", "3.15.1"):
        assert _expected_xfails(version, "oracle", copies) == sorted(
            f"{m}-{fmt}" for m in EFFICIENTNETS for fmt in copies
        )


def test_in_memory_formats_are_in_the_table():
    assert {"clone", "from_config"} <= {fmt.name for fmt in FORMATS}


def test_controls_are_never_expected_to_fail_the_seed_bug():
    for version in ("3.5.0", "3.6.0", "3.15.1"):
        for spec in MODELS:
            if spec.family == "efficientnetv2":
                for fmt in ("keras_v3", "h5"):
                    names = {
                        e.name
                        for e in find_known_failures(spec.constructor, fmt, version, "tensorflow")
                    }
                    assert not names & {"keras20147", "nested-h5-normalization"}, spec


ENTRY = KnownFailure("Model*", "h5", ">=3.0,<3.6", "ValueError", "positional", "why")


def test_matching_error_becomes_a_reproduced_known_failure():
    with pytest.raises(KnownFailureReproduced, match="why"):
        with expected_failure(ENTRY):
            raise ValueError("Only input tensors may be passed as positional arguments")


@pytest.mark.parametrize("error", [ValueError("another message"), TypeError("positional")])
def test_a_different_error_still_fails_as_itself(error):
    with pytest.raises(type(error)):
        with expected_failure(ENTRY):
            raise error


def test_error_class_matches_along_the_mro():
    entry = KnownFailure("*", "*", ">=3", "AssertionError", "differently", "why")
    with pytest.raises(KnownFailureReproduced):
        with expected_failure(entry):
            raise PredictionMismatch("revived model predicts differently")


def test_the_error_a_layer_s_call_handled_counts_as_the_symptom():
    # Keras re-raises a layer's error while handling it ("Exception encountered when
    # calling X.call()"), and the gate raises its RoundTripError from that.
    entry = KnownFailure("*", "*", ">=3", "RuntimeError", "requires grad", "why")

    def failed_export():
        try:
            try:
                raise RuntimeError("Cannot insert a Tensor that requires grad as a constant")
            except RuntimeError:
                raise RuntimeError("Exception encountered when calling Dense.call()")  # noqa: B904
        except RuntimeError as error:
            raise AssertionError("onnx: save failed") from error

    with pytest.raises(KnownFailureReproduced):
        with expected_failure(entry):
            failed_export()


def test_version_backend_and_pattern_all_must_match():
    assert ENTRY.applies_to("ModelX", "h5", "3.5.0", "tensorflow")
    assert not ENTRY.applies_to("ModelX", "h5", "3.6.0", "tensorflow")
    assert not ENTRY.applies_to("ModelX", "keras_v3", "3.5.0", "tensorflow")
    assert not ENTRY.applies_to("Other", "h5", "3.5.0", "tensorflow")
    jax_only = KnownFailure("*", "*", ">=3", "E", "m", "r", backend="jax")
    assert not jax_only.applies_to("ModelX", "h5", "3.5.0", "tensorflow")


@pytest.mark.parametrize("backend", ["tensorflow", "jax"])
def test_stale_statistics_entries_cover_tensorflow_and_jax(backend):
    assert find_known_failures("EfficientNetB0", "keras_v3", "3.5.0", backend)
    assert find_known_failures("EfficientNetB0", "h5", "3.15.1", backend)


def test_no_stale_statistics_entry_on_torch_where_mean_aliases_adapt_mean():
    assert not find_known_failures("EfficientNetB0", "keras_v3", "3.5.0", "torch")
    assert not find_known_failures("EfficientNetB0", "clone", "3.15.1", "torch")


def test_backend_patterns_join_with_a_bar():
    entry = KnownFailure("*", "*", ">=3", "E", "m", "r", backend="tensorflow|jax")
    assert entry.applies_to("M", "h5", "3.5.0", "jax")
    assert not entry.applies_to("M", "h5", "3.5.0", "torch")


def test_a_case_meeting_two_defects_is_expected_to_show_either():
    scenario = ("functional_head", "fresh", "mixed_float16")
    entries = find_known_failures("EfficientNetB0", "h5", "3.15.1", "tensorflow", scenario=scenario)
    assert {e.error for e in entries} == {"PredictionMismatch", "StateMismatch"}
    with pytest.raises(KnownFailureReproduced):
        with expected_failure(entries):
            raise PredictionMismatch("revived model predicts differently")


def test_an_entry_naming_either_mismatch_matches_a_failure_with_both_kinds_of_findings():
    from keras_gate.engine.checks.protocol import Finding

    findings = (
        Finding("predictions", "head: max|diff|=0.9 DIFFERS"),
        Finding("state", "layer dtype policy: seed_b0: 'mixed_float16' -> 'float32'"),
    )
    error = PredictionMismatch(
        "B0 via h5: revived model predicts differently\n  state: layer dtype policy: "
        "seed_b0: 'mixed_float16' -> 'float32'",
        findings=findings,
    )
    stale = KnownFailure(
        "*",
        "h5",
        ">=3",
        "PredictionMismatch",
        "predicts differently",
        "r",
        explains="predictions: *",
    )
    policy = KnownFailure(
        "*",
        "h5",
        ">=3",
        "StateMismatch",
        r"'mixed_\w+' -> 'float32'",
        "r",
        explains="state: layer dtype policy: *",
    )
    with pytest.raises(KnownFailureReproduced) as caught:
        with expected_failure((stale, policy)):
            raise error
    assert caught.value.entries == (stale, policy)


def test_an_entry_does_not_cover_a_format_that_cannot_show_it():
    # An export is held to its predictions only: a state signature cannot show there
    # (the first --scenarios=all run: 28 strict XPASSes on export before this rule).
    entry = KnownFailure(
        models="*", format="*", keras=">=3.0", error="StateMismatch", match="p", reason="r",
        explains="state: layer dtype policy: *",
    )  # fmt: skip
    covered = {
        fmt.name
        for fmt in FORMATS
        if find_in_table("EfficientNetB0", fmt.name, "3.15.1", "tensorflow", table=(entry,))
    }
    assert covered == {fmt.name for fmt in FORMATS if fmt.is_model}
    assert "export" not in covered
    anything = KnownFailure(models="*", format="*", keras=">=3.0", error="X", match="x", reason="r")
    assert find_in_table("EfficientNetB0", "export", "3.15.1", "tensorflow", table=(anything,))
