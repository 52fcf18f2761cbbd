"""Failure localisation: when a round trip changes predictions, say where and why.

Runs only on failure, in this order:

1. variables, original vs revived, by path (exact): the first that differs;
2. derived state (``derived_state``): the first layer whose runtime state
   disagrees with its stored weights, in either model;
3. the first layer whose output diverges on the test batch, found by running
   both models node by node in lockstep (nested models expanded).
"""

from __future__ import annotations

import numpy as np

from keras_gate.engine.checks.derived_state import check_derived_state
from keras_gate.engine.checks.predictions import output_difference
from keras_gate.engine.runtime.graph_walk import walk_graph
from keras_gate.engine.runtime.layer_tree import variable_values
from keras_gate.engine.tolerances import Tolerance


def first_variable_difference(original, revived) -> str:
    ours = variable_values(original, seed_states=False)
    theirs = variable_values(revived, seed_states=False)
    missing = [p for p in ours if p not in theirs]
    extra = [p for p in theirs if p not in ours]
    if missing or extra:
        return (
            f"variable paths differ: missing in revived {missing[:5]}, only in revived {extra[:5]}"
        )
    for path, a in ours.items():
        b = theirs[path]
        if a.shape != b.shape or a.dtype != b.dtype:
            return f"first differing variable: {path}: {a.dtype}{a.shape} -> {b.dtype}{b.shape}"
        if not np.array_equal(a, b, equal_nan=True):
            delta = np.abs(a.astype(np.float64) - b.astype(np.float64))
            return (
                f"first differing variable: {path}: max|diff|={delta.max():.3g} "
                f"in {int((delta > 0).sum())} of {a.size} values"
            )
    return f"all {len(ours)} variables equal by path"


def derived_state_report(original, revived) -> str:
    lines = []
    for label, model in (("original", original), ("revived", revived)):
        checked, mismatches = check_derived_state(model)
        if mismatches:
            shown = "; ".join(str(m) for m in mismatches[:3])
            more = f" (+{len(mismatches) - 3} more)" if len(mismatches) > 3 else ""
            lines.append(f"{label} model: {shown}{more}")
        else:
            lines.append(f"{label} model: {checked} derived-state checks consistent")
    return "\n     ".join(lines)


def first_diverging_layer(original, revived, inputs, tolerance: Tolerance) -> str:
    import keras

    from keras_gate.engine.runtime.outputs import inference_path

    path = inference_path(original)
    if path != "graph walk":  # its own code runs between the layers: no layer to blame
        return f"not localised: the model is computed by {path}"

    last_agreeing = "the input"
    for ours, theirs in zip(walk_graph(original, inputs), walk_graph(revived, inputs)):
        if ours.path != theirs.path:
            return f"graphs differ: {ours.path} vs {theirs.path}, after {last_agreeing}"
        for a, b in zip(ours.outputs, theirs.outputs):
            difference = output_difference(
                ours.path, keras.ops.convert_to_numpy(a), keras.ops.convert_to_numpy(b), tolerance
            )
            if not difference.within:
                return (
                    f"first diverging layer: {ours.path} "
                    f"({type(ours.operation).__name__}): max|diff|={difference.max_abs:.3g} "
                    f"max rel={difference.max_rel:.3g}; last agreeing: {last_agreeing}"
                )
        last_agreeing = ours.path
    return "no layer output diverges when run eagerly node by node"


def localise(original, revived, inputs, tolerance: Tolerance) -> str:
    """The three-step localisation report, one line per step."""
    steps = (
        ("variables", lambda: first_variable_difference(original, revived)),
        ("derived state", lambda: derived_state_report(original, revived)),
        ("layer outputs", lambda: first_diverging_layer(original, revived, inputs, tolerance)),
    )
    lines = ["localisation:"]
    for n, (name, step) in enumerate(steps, 1):
        try:
            lines.append(f"  {n}. {name}: {step()}")
        except Exception as error:  # never mask the failure being explained
            lines.append(f"  {n}. {name}: could not run ({type(error).__name__}: {error})")
    return "\n".join(lines)
