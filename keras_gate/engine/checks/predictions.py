"""The predictions check: every output (and probe), on both input families, compared
with what the model as built predicted, within the case's tolerance."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from keras_gate.engine.checks.failures import PredictionMismatch
from keras_gate.engine.checks.protocol import Check, Finding
from keras_gate.engine.tolerances import Tolerance


@dataclass(frozen=True)
class OutputDifference:
    """How far one named output moved."""

    name: str
    max_abs: float
    max_rel: float
    max_peak_rel: float
    """``max_abs`` over the original's largest finite magnitude: the figure a runtime row's
    ``peak_rtol`` bounds (elementwise ``max_rel`` is large at outputs near zero)."""
    within: bool
    detail: str = ""

    def __str__(self) -> str:
        verdict = "ok" if self.within else "DIFFERS"
        text = f"{self.name}: max|diff|={self.max_abs:.3g} max rel={self.max_rel:.3g} {verdict}"
        return f"{text} ({self.detail})" if self.detail else text


def output_difference(
    name: str, original, revived, tolerance: Tolerance, exact_type: bool = False
) -> OutputDifference:
    """How far ``revived`` moved from ``original``. ``exact_type``: the kind of tensor
    (dense, sparse, ragged) and the dtype must be the same too (what a Keras model
    returns; an inference runtime's outputs are judged by their values)."""
    kinds = getattr(original, "kind", "dense"), getattr(revived, "kind", "dense")
    original = np.asarray(original)
    revived = np.asarray(revived)
    if original.shape != revived.shape:
        return OutputDifference(
            name, np.inf, np.inf, np.inf, False, f"shape {revived.shape} != {original.shape}"
        )
    if exact_type and kinds[0] != kinds[1]:
        return OutputDifference(name, 0.0, 0.0, 0.0, False, f"kind {kinds[0]} -> {kinds[1]}")
    if exact_type and original.dtype != revived.dtype:
        text = f"dtype {original.dtype} -> {revived.dtype}"
        return OutputDifference(name, 0.0, 0.0, 0.0, False, text)
    if not (_numeric(original) and _numeric(revived)):
        return _exact_difference(name, original, revived)
    if not np.array_equal(np.isnan(original), np.isnan(revived)):
        return OutputDifference(name, np.nan, np.nan, np.nan, False, "NaNs in different places")
    a = original.astype(np.float64)
    b = revived.astype(np.float64)
    finite = ~np.isnan(a)  # NaN where the original had NaN: the places matched above
    with np.errstate(invalid="ignore"):
        # Equal values differ by nothing, infinities too (inf - inf is NaN): a float16
        # model that overflows predicts the same inf after a faithful round trip.
        diff = np.where(a == b, 0.0, np.abs(a - b))[finite]
    # An infinite original is no scale to be relatively close to (inf vs 5 differs).
    scale = np.abs(a)[finite]
    scale = np.where(np.isinf(scale), 0.0, scale)
    max_abs = float(diff.max(initial=0.0))
    with np.errstate(divide="ignore", invalid="ignore"):
        rel = np.where(scale > 0, diff / scale, np.where(diff > 0, np.inf, 0.0))
    max_rel = float(rel.max(initial=0.0))
    peak = float(scale.max(initial=0.0))
    max_peak_rel = max_abs / peak if peak > 0 else (np.inf if max_abs > 0 else 0.0)
    if tolerance.exact:  # bit-exact: compare the bytes
        within = original.tobytes() == revived.tobytes()
    else:
        bound = tolerance.atol + tolerance.peak_rtol * peak + tolerance.rtol * scale
        within = bool(np.all(diff <= bound))
    return OutputDifference(name, max_abs, max_rel, max_peak_rel, within)


def _numeric(array: np.ndarray) -> bool:
    """Values a tolerance applies to (floats and complex: not str, bytes, bool, int)."""
    return array.dtype.kind in "fc"


def _exact_difference(name: str, original: np.ndarray, revived: np.ndarray) -> OutputDifference:
    """Strings, bytes, booleans and integers: equal or not, never within a tolerance."""
    try:
        unequal = int(np.sum(original != revived))
    except (TypeError, ValueError):  # objects NumPy cannot compare elementwise
        unequal = sum(1 for a, b in zip(original.ravel(), revived.ravel()) if a != b)
    if not unequal:
        return OutputDifference(name, 0.0, 0.0, 0.0, True)
    detail = f"values differ exactly: {unequal} of {original.size} ({original.dtype})"
    return OutputDifference(name, np.inf, np.inf, np.inf, False, detail)


def compare_outputs(
    original: dict, revived: dict, tolerance: Tolerance, exact_type: bool = False
) -> list[OutputDifference]:
    """One :class:`OutputDifference` per output name of ``original`` (``exact_type``:
    see :func:`output_difference`)."""
    missing = set(original) - set(revived)
    if missing:
        raise PredictionMismatch(f"revived model lacks outputs {sorted(missing)}")
    return [
        output_difference(name, original[name], revived[name], tolerance, exact_type)
        for name in original
    ]


def assert_same_outputs(
    original: dict, revived: dict, tolerance: Tolerance, context: str
) -> list[OutputDifference]:
    """Raise :class:`PredictionMismatch` unless every output is within ``tolerance``."""
    differences = compare_outputs(original, revived, tolerance)
    if not all(d.within for d in differences):
        lines = "\n".join(f"  {d}" for d in differences)
        raise PredictionMismatch(
            f"{context}: revived model predicts differently ({tolerance})\n{lines}",
            differences,
        )
    return differences


class Predictions(Check):
    """Outputs that moved beyond the tolerance; inference artifacts promise these too."""

    name = "predictions"
    computes = True
    repro = """
    def reproduce(ctx):
        lines = []
        for index, (a, b) in enumerate(zip(ctx.before, outputs(ctx.revived, ctx.inputs))):
            if a.shape != b.shape:
                lines.append(f"output {index}: shape {b.shape} != {a.shape}")
                continue
            if a.dtype.kind not in "fc" or b.dtype.kind not in "fc":  # str, bool, int: exact
                if a.dtype != b.dtype or np.any(a != b):
                    lines.append(f"output {index}: {a.dtype} values differ")
                continue
            a, b = a.astype("float64"), b.astype("float64")
            same = (a == b) | (np.isnan(a) & np.isnan(b))  # inf is inf, NaN where NaN was
            with np.errstate(invalid="ignore"):
                delta = np.where(same, 0.0, np.abs(a - b))
                scale = np.where(np.isinf(a) | np.isnan(a), 0.0, np.abs(a))
                bound = ATOL + PEAK_RTOL * scale.max(initial=0.0) + RTOL * scale
            if not np.all(same | (delta <= bound)):
                lines.append(f"output {index}: max|diff| = {float(delta.max(initial=0.0)):.3g}")
        return lines
    """

    def applies_to(self, fmt) -> bool:
        return True

    def findings(self, trip) -> list[Finding]:
        return [
            Finding(self.name, str(d), d.name, d.detail.split(" ", 1)[0] or "values")
            for d in trip.differences
            if not d.within
        ]
