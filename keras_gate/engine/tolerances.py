"""Prediction tolerances: the table, one row per (compute dtype, device kind), each with
the measurement that justifies it.

A format may carry rows of its own (``RoundTripFormat.tolerances``: another runtime
computes differently); a model may override both (``@keras_gate.model(tolerance=)``).
"""

from __future__ import annotations

from keras_gate.api import Tolerance

TOLERANCES: dict[tuple[str, str], Tolerance] = {
    # A round trip restores the same float32 values and recomputes them with the
    # same kernels in the same process: bit-exact. Measured: every file-format
    # case of the default matrix on 3.15.1 had max abs difference 0 (the stop-2
    # report, tolerance 1e-6 then); nothing is earned, so nothing is allowed.
    ("float32", "cpu"): Tolerance(rtol=0.0, atol=0.0),
    # Same process, same GPU: TF32 off and deterministic kernels
    # (keras_gate/distribute/devices.py). Not yet measured on a GPU.
    ("float32", "gpu"): Tolerance(rtol=0.0, atol=0.0),
    # Mixed precision (float32 variables, half-precision compute): about one unit
    # in the last place of the compute dtype (eps 9.8e-4 float16, 7.8e-3 bfloat16).
    # A reload on the same device recomputes the same kernels, so the measured
    # differences are 0 on CPU; the bound only admits a different accumulation
    # order, never a lost statistic (those move outputs by 0.1-10).
    ("float16", "cpu"): Tolerance(rtol=1e-3, atol=1e-3),
    ("float16", "gpu"): Tolerance(rtol=1e-3, atol=1e-3),
    ("bfloat16", "cpu"): Tolerance(rtol=1e-2, atol=1e-2),
    ("bfloat16", "gpu"): Tolerance(rtol=1e-2, atol=1e-2),
}
"""Tolerance per (compute dtype, device kind), for a round trip in one process."""

CROSS_VERSION = Tolerance(rtol=1e-6, atol=1e-6)
"""A file saved by another Keras (``--load-artifacts``), read here: another
TensorFlow's kernels may sum in another order. Measured: 3.5.0 files read
by 3.15.1 and back, every ``same`` verdict within 1e-6."""


def tolerance_for(dtype: str, device: str) -> Tolerance:
    try:
        return TOLERANCES[(dtype, device)]
    except KeyError:
        known = ", ".join(f"{d}/{k}" for d, k in TOLERANCES)
        raise KeyError(
            f"no tolerance for dtype {dtype!r} on {device!r}; known: {known}. "
            "Add a row to TOLERANCES in keras_gate/engine/tolerances.py, or give the "
            "model tolerance=."
        ) from None


def with_model_precision(tolerance: Tolerance, model) -> Tolerance:
    """A runtime's row for a model whose own layers compute in half precision (a layer's
    ``dtype="mixed_float16"``, as opposed to the case's variant): at least that precision's
    row. Another runtime rounds float16 intermediates in another order; on torch, a
    mixed_float16 CNN's ONNX file answers 3.9e-5 off Keras (float16 eps 9.8e-4), beyond the
    float32 row. The half rows are the same on CPU and GPU."""
    computes = {
        getattr(getattr(layer, "dtype_policy", None), "compute_dtype", "float32")
        for layer in model._flatten_layers(include_self=True)
    }
    for half in ("bfloat16", "float16"):  # the wider row first
        if half in computes:
            row = TOLERANCES[(half, "cpu")]
            return Tolerance(
                rtol=max(tolerance.rtol, row.rtol),
                atol=max(tolerance.atol, row.atol),
                peak_rtol=tolerance.peak_rtol,
            )
    return tolerance


def judged_at(tolerance: Tolerance, fmt, built) -> Tolerance:
    """The tolerance a case through ``fmt`` is judged at, in the gate and in its
    reproducer alike: a runtime's row widened to the model's own half precision
    (:func:`with_model_precision`), unless the model gives its own tolerance."""
    if getattr(fmt, "deployment", False) and built.settings.tolerance is None:
        return with_model_precision(tolerance, built.model)
    return tolerance
