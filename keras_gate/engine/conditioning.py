"""Whether a case's outputs can be judged at all: the model's own noise.

First, for every format: a model as built that computes other outputs for the same batch
on a second call (uninitialised memory, an unseeded random op) cannot be judged by what
it computes. Seen on keras 3.10.0: a ``Conv3D(2, 3, dilation_rate=2)`` on a 4 x 4 x 4
volume, whose output size is negative, returns what memory held (3.15.1 refuses to
build it; ``docs/reproducers/behaviour/conv3d_negative_output_size.py``).

Then, for a runtime:

An inference artifact (ONNX, LiteRT, OpenVINO) runs the model with another runtime's
kernels, so its outputs are compared within a tolerance measured on well-conditioned
models. A model whose outputs move by more than that tolerance when its float inputs
move by one part in a million cannot be judged at it: any other order of float32
rounding moves them as much. Seen in the corpus: ``keras.applications.EfficientNetV2L``
with random weights (``weights=None``) moves its logits by 1.9e3 (of 2.8e3) for that
nudge, and Keras itself under XLA by 1.6e3. Measured only where such a case's
predictions differ, so a passing case pays nothing.

Two probes, the first that moves the outputs past the tolerance decides: the inputs
nudged, then every float variable nudged (a random sign per value, seeded) and restored
exactly. A runtime rounds inside every layer, not only at the input: on keras-nightly
3.16.0.dev2026102704 the same EfficientNetV2L, its softmax saturated to 0 and 1, did not
move under any input nudge tried while OpenVINO and LiteRT flipped a class; nudging its
variables flips one too (and moves EfficientNetV2M's outputs by 3e-8).
"""

from __future__ import annotations

import numpy as np

from keras_gate.engine.checks.predictions import compare_outputs

RELATIVE_NUDGE = 1e-6
"""How far each float input is moved (relative): about eight float32 ulps."""


class CannotJudge(Exception):
    """The model's own float32 noise is above the format's tolerance: its case is
    neither a pass nor a failure (``gate_tests`` skips it, saying so). ``differences``:
    the runtime's, as measured."""

    def __init__(self, message: str, differences=()):
        super().__init__(message)
        self.differences = tuple(differences)


def nudged(inputs):
    """``inputs`` with every float array times ``1 + RELATIVE_NUDGE``; others as given."""
    import keras

    def one(array):
        array = np.asarray(array)
        if not np.issubdtype(array.dtype, np.floating):
            return array
        return (array * (1 + RELATIVE_NUDGE)).astype(array.dtype)

    return keras.tree.map_structure(one, inputs)


def _outputs_on_nudged_inputs(built):
    import keras

    if not any(
        np.issubdtype(np.asarray(a).dtype, np.floating) for a in keras.tree.flatten(built.inputs)
    ):
        return None  # no float input to nudge: nothing measured
    try:
        return built.predict(built.model, nudged(built.inputs))
    except Exception:  # the model refuses the nudged batch: nothing measured
        return None


def _outputs_with_nudged_variables(built):
    import keras

    try:
        saved = [
            (variable, keras.ops.convert_to_numpy(variable))
            for variable in built.model.weights
            if np.issubdtype(np.dtype(variable.dtype), np.floating)
        ]
    except Exception:  # no variables to read: nothing measured
        return None
    if not saved:
        return None
    signs, changed = np.random.RandomState(0), []
    try:
        for variable, value in saved:
            sign = signs.choice(np.array([-1.0, 1.0]), size=value.shape)
            variable.assign((value * (1 + RELATIVE_NUDGE * sign)).astype(value.dtype))
            changed.append((variable, value))
        return built.predict(built.model, built.inputs)
    except Exception:  # a variable or the model refuses: nothing measured
        return None
    finally:  # the model serves its other cases: its values back, exactly
        for variable, value in changed:
            try:
                variable.assign(value)
            except Exception:  # then no later case may use it: they build it afresh
                built.tainted = "the conditioning probe could not restore its variables"


PROBES = (
    ("its float inputs", _outputs_on_nudged_inputs),
    ("its float variables (a random sign each)", _outputs_with_nudged_variables),
)
"""``(what is nudged, the model's outputs so nudged, or None where nothing was measured)``,
tried in order."""


def judge_conditioning(built, expected: dict, tolerance, format_name: str, differences) -> None:
    """Raise ``CannotJudge`` where, under any of ``PROBES``, the model's outputs are not
    within ``tolerance`` of ``expected`` (its outputs on the batch as given);
    ``differences`` are the runtime's, carried for the report."""
    if tolerance.exact:
        return  # an exact comparison: any difference is a verdict, whatever the noise
    for what, probe in PROBES:
        moved = probe(built)
        if moved is None:  # nothing measured: the verdict stands as measured
            continue
        own = compare_outputs(
            expected, {k: v for k, v in moved.items() if k in expected}, tolerance, exact_type=False
        )
        over = [d for d in own if not d.within]
        if over:
            worst = max(over, key=lambda d: d.max_abs)
            raise CannotJudge(
                f"{built.name} via {format_name}: not judged: the model's own outputs move "
                f"by more than this format's tolerance ({tolerance}) when {what} move by "
                f"{RELATIVE_NUDGE:g} "
                f"relative ({worst.name}: max|diff|={worst.max_abs:.3g}), so any runtime's "
                "rounding differs as much; a runtime defect in this model would not show "
                "either (give it trained or calibrated weights, or a tolerance of its own)",
                differences,
            )


def judge_repeatability(expected: dict, again, tolerance) -> str | None:
    """Why the model as built cannot be judged by what it computes, or None: ``again()``
    (its outputs computed a second time, as ``expected`` was) not within ``tolerance``
    of ``expected``. Measured only where a case's predictions differ."""
    try:
        second = again()
    except Exception:  # noqa: BLE001 - it cannot predict a second time: nothing measured
        return None
    over = [
        d
        for d in compare_outputs(
            expected, {k: v for k, v in second.items() if k in expected}, tolerance, False
        )
        if not d.within
    ]
    if not over:
        return None
    worst = max(over, key=lambda d: d.max_abs)
    return (
        "the model as built computes other outputs for the same batch on a second call "
        f"({worst.name}: max|diff|={worst.max_abs:.3g}): what it computes is not a "
        "function of its inputs and weights (uninitialised memory, an unseeded random "
        "op), so no round trip can be judged by it"
    )
