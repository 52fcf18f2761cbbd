"""Derived state: non-weight tensors a layer computes from its weights.

A layer that predicts with tensors derived from its weights (first of all
``Normalization.mean/variance`` from ``adapt_mean/adapt_variance``, via
``finalize_state()``) can hold weights that are right and state that is stale:
keras#20147. Each rule says which runtime attribute must equal what.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from keras_gate.engine.checks.protocol import Check, Finding
from keras_gate.engine.runtime.layer_tree import layers_with_paths


def _normalization_expected(stored_weight: str, constant: str):
    def expected(layer):
        if getattr(layer, constant, None) is not None:  # Normalization(mean=..., variance=...)
            return np.asarray(getattr(layer, constant), dtype=np.float64)
        return _numpy(getattr(layer, stored_weight))

    return expected


@dataclass(frozen=True)
class DerivedStateRule:
    """``layer.<runtime>`` must equal ``expected(layer)`` (broadcast, float32 exact)."""

    layer_class: str
    runtime: str
    stored: str
    """Human name of what the runtime state must match, for messages."""
    expected: Callable


DERIVED_STATE_RULES: tuple[DerivedStateRule, ...] = (
    DerivedStateRule(
        "Normalization", "mean", "adapt_mean", _normalization_expected("adapt_mean", "input_mean")
    ),
    DerivedStateRule(
        "Normalization",
        "variance",
        "adapt_variance",
        _normalization_expected("adapt_variance", "input_variance"),
    ),
)


@dataclass(frozen=True)
class DerivedStateMismatch:
    path: str
    rule: DerivedStateRule
    runtime: np.ndarray
    expected: np.ndarray

    def __str__(self) -> str:
        return (
            f"layer {self.path} ({self.rule.layer_class}): runtime {self.rule.runtime} "
            f"{_fmt(self.runtime)} != stored {self.rule.stored} {_fmt(self.expected)}"
        )


def _fmt(values: np.ndarray) -> str:
    return np.array2string(np.ravel(values), precision=6, separator=", ", threshold=8)


def _numpy(value) -> np.ndarray:
    import keras

    return np.asarray(keras.ops.convert_to_numpy(value), dtype=np.float64)


def check_derived_state(model) -> tuple[int, list[DerivedStateMismatch]]:
    """Number of (layer, rule) checks made, and the mismatches in model order."""
    checked, mismatches = 0, []
    for path, layer in layers_with_paths(model):
        for rule in DERIVED_STATE_RULES:
            if type(layer).__name__ != rule.layer_class or not layer.built:
                continue
            checked += 1
            runtime = _numpy(getattr(layer, rule.runtime))
            expected = rule.expected(layer)
            try:
                expected = np.broadcast_to(expected, runtime.shape)
            except ValueError:
                mismatches.append(DerivedStateMismatch(path, rule, runtime, expected))
                continue
            if not np.allclose(runtime, expected, rtol=1e-6, atol=0.0):
                mismatches.append(DerivedStateMismatch(path, rule, runtime, expected))
    return checked, mismatches


def derived_state_values(model) -> dict[tuple[str, str], tuple[str, np.ndarray]]:
    """``{(layer path, runtime attribute): (layer class, value)}`` for every rule."""
    found = {}
    for path, layer in layers_with_paths(model):
        for rule in DERIVED_STATE_RULES:
            if type(layer).__name__ == rule.layer_class and layer.built:
                found[(path, rule.runtime)] = (
                    rule.layer_class,
                    _numpy(getattr(layer, rule.runtime)),
                )
    return found


def derived_state_findings(original: dict, revived: dict) -> list:
    """Runtime state that a reload changed (exactly): e.g. a Normalization's mean."""
    found = []
    for key, (layer_class, before) in original.items():
        if key not in revived:
            continue
        after = revived[key][1]
        if before.shape != after.shape or before.tobytes() != after.tobytes():
            path, runtime = key
            change = f"{_fmt(before)} -> {_fmt(after)}"
            text = f"layer {path} ({layer_class}): runtime {runtime} {change}"
            found.append(Finding("derived state", text, path, runtime))
    return found


class DerivedState(Check):
    """Non-weight tensors computed from the weights (``DERIVED_STATE_RULES``), exactly."""

    name = "derived state"
    repro = """
    def reproduce(ctx):
        ours, theirs = runtime_statistics(ctx.model), runtime_statistics(ctx.revived)
        changed = [k for k in ours if theirs.get(k, ours[k]) != ours[k]]
        return [f"layer {k}: runtime value changed" for k in changed]
    """

    def findings(self, trip) -> list[Finding]:
        derived = trip.built.reference(self.name, derived_state_values)
        return derived_state_findings(derived, derived_state_values(trip.revived))
