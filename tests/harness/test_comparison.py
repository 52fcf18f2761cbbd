"""The comparison: what counts as a difference, and what the message says."""

import textwrap
import types

import numpy as np
import pytest

from keras_gate.engine.checks.failures import PredictionMismatch
from keras_gate.engine.checks.predictions import assert_same_outputs
from keras_gate.engine.tolerances import Tolerance, tolerance_for

TOL = tolerance_for("float32", "cpu")


def test_float32_cpu_tolerance_is_at_most_1e_6():
    assert TOL.rtol <= 1e-6 and TOL.atol <= 1e-6


def test_identical_outputs_pass_with_zero_difference():
    x = {"head": np.ones((2, 3), "float32")}
    [difference] = assert_same_outputs(x, {"head": x["head"].copy()}, TOL, "case")
    assert difference.max_abs == 0.0 and difference.within


@pytest.mark.parametrize("delta", [1e-5, -3e-4, 1.0])
def test_a_change_beyond_tolerance_is_a_mismatch_naming_the_output(delta):
    original = {"head": np.full((2, 3), 0.5, "float32"), "features": np.zeros((2, 4), "float32")}
    revived = {"head": original["head"] + np.float32(delta), "features": original["features"]}
    with pytest.raises(PredictionMismatch, match=r"case: .*\n  head: max\|diff\|=.* DIFFERS"):
        assert_same_outputs(original, revived, TOL, "case")


def test_shape_and_nan_changes_are_mismatches():
    with pytest.raises(PredictionMismatch, match="shape"):
        assert_same_outputs({"a": np.zeros(3)}, {"a": np.zeros(4)}, TOL, "c")
    with pytest.raises(PredictionMismatch, match="NaN"):
        assert_same_outputs({"a": np.zeros(3)}, {"a": np.array([0, np.nan, 0])}, TOL, "c")


def test_missing_output_is_a_mismatch():
    with pytest.raises(PredictionMismatch, match="lacks outputs"):
        assert_same_outputs({"a": np.zeros(1), "b": np.zeros(1)}, {"a": np.zeros(1)}, TOL, "c")


def test_relative_and_absolute_bounds_combine():
    tol = Tolerance(rtol=1e-3, atol=0.0)
    assert_same_outputs({"a": np.array([1000.0])}, {"a": np.array([1000.5])}, tol, "c")
    with pytest.raises(PredictionMismatch):
        assert_same_outputs({"a": np.array([1.0])}, {"a": np.array([1.5])}, tol, "c")


def test_unknown_device_names_the_table():
    with pytest.raises(KeyError, match="TOLERANCES"):
        tolerance_for("float16", "tpu")


def test_the_same_overflow_before_and_after_is_equal():
    # A float16 model that overflows (EfficientNetV2B2 under mixed_float16 on a saturated
    # image) gives inf and NaN in the same places on both sides: not a difference.
    overflowed = np.array([np.inf, -np.inf, np.nan, 1.5], "float16")
    [difference] = assert_same_outputs({"a": overflowed}, {"a": overflowed.copy()}, TOL, "c")
    assert difference.within and difference.max_abs == 0.0


@pytest.mark.parametrize("changed", [5.0, -np.inf, np.nan])
def test_an_infinity_that_changes_is_a_mismatch(changed):
    original = np.array([np.inf, 1.0], "float32")
    revived = np.array([changed, 1.0], "float32")
    with pytest.raises(PredictionMismatch, match="DIFFERS"):
        assert_same_outputs({"a": original}, {"a": revived}, Tolerance(1e-3, 1e-3), "c")
    with pytest.raises(PredictionMismatch, match="DIFFERS"):  # and the other way round
        assert_same_outputs({"a": revived}, {"a": original}, Tolerance(1e-3, 1e-3), "c")


def _reproducers_comparison(rtol, atol, peak_rtol):
    """The reproducer's prediction check, as a written file runs it: ``compare(before,
    after)`` returns its lines (none: the same)."""
    from keras_gate.engine.checks.predictions import Predictions

    namespace = {"np": np, "ATOL": atol, "RTOL": rtol, "PEAK_RTOL": peak_rtol}
    exec(textwrap.dedent(Predictions.repro), namespace)

    def compare(before, after):
        ctx = types.SimpleNamespace(before=[np.asarray(before, "float32")], revived=None)
        ctx.inputs = None
        namespace["outputs"] = lambda model, inputs: [np.asarray(after, "float32")]
        return namespace["reproduce"](ctx)

    return compare


def test_the_reproducers_prediction_comparison_treats_infinities_alike():
    compare = _reproducers_comparison(rtol=1e-3, atol=1e-3, peak_rtol=0.0)
    assert compare([np.inf, np.nan, 1.0], [np.inf, np.nan, 1.0]) == []
    assert compare([np.inf, np.nan, 1.0], [5.0, np.nan, 1.0])
    assert compare([np.inf, np.nan, 1.0], [np.inf, 0.0, 1.0])


def test_a_runtimes_error_at_a_near_zero_logit_is_bounded_by_the_outputs_peak():
    # NASNetMobile's logits through ONNX: a faithful export moved an entry by
    # 4.1e-4 where the largest logit was 822, 5e-7 of it; neither atol nor an elementwise
    # rtol allows that at an entry near zero, the output's peak does.
    original = {"logits": np.array([[822.0, 0.01, -300.0]], "float32")}
    revived = {"logits": original["logits"] + np.float32([[0.0, 4.1e-4, 0.0]])}
    with pytest.raises(PredictionMismatch, match="rtol=0, atol=3e-05\\)"):
        assert_same_outputs(original, revived, Tolerance(0.0, 3e-5), "case")
    [difference] = assert_same_outputs(original, revived, Tolerance(0.0, 3e-5, 1e-6), "case")
    assert difference.within
    # What the report records for it: the figure peak_rtol bounds.
    assert difference.max_peak_rel == pytest.approx(difference.max_abs / 822.0)
    # A fault is still one: a change of 1e-4 of the peak is beyond it.
    revived["logits"][0, 1] += np.float32(0.0822)
    with pytest.raises(PredictionMismatch, match="peak_rtol=1e-06"):
        assert_same_outputs(original, revived, Tolerance(0.0, 3e-5, 1e-6), "case")


def test_the_reproducers_comparison_applies_the_peak_bound_as_the_gate_does():
    compare = _reproducers_comparison(rtol=0.0, atol=3e-5, peak_rtol=1e-6)
    before = [822.0, 0.01, np.nan]
    assert compare(before, [822.0, 0.01 + 4.1e-4, np.nan]) == []
    assert compare(before, [822.0, 0.01 + 0.0822, np.nan])
