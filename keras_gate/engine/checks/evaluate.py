"""The evaluate check: ``model.evaluate`` on the same batch and targets gives the same
loss and metrics after the reload. A loss or metric argument that the config forgot
(Huber's ``delta``) changes nothing but this."""

from __future__ import annotations

import contextlib

import numpy as np

from keras_gate.engine.checks.protocol import Check, Difference, Finding, first_line
from keras_gate.engine.runtime.eager_steps import eager_steps
from keras_gate.engine.runtime.seeds import stable_seed
from keras_gate.engine.runtime.targets import TargetsUndefined, derive_targets
from keras_gate.engine.runtime.trial import every_variable, restored_afterwards, same_randomness


def compiled(model) -> bool:
    return bool(getattr(model, "compiled", False))


def targets_of(built):
    """The targets of ``built``'s compiled loss: the user's (``targets=``: arrays or a
    callable taking a seed), else derived once per built model. Raises
    :class:`TargetsUndefined` where neither is there."""
    given = built.settings.targets
    if given is not None:
        return given(stable_seed("targets", built.name)) if callable(given) else given
    return built.reference(
        "targets", lambda model: derive_targets(model, built.inputs, stable_seed(built.name))
    )


def predictions_moved(trip, check: str) -> bool:
    """Whether the predictions already moved on this round trip: then what they feed (a
    loss, a step's gradients) moves with them, the same cause, said once by the
    predictions check; the record says this check was not compared."""
    if not any(not d.within for d in trip.differences):
        return False
    trip.notes.append(f"{check}: not compared: the predictions it scores moved")
    return True


def logs_as_numbers(logs: dict) -> dict[str, np.ndarray]:
    return {str(key): np.asarray(value, dtype="float64") for key, value in logs.items()}


@contextlib.contextmanager
def optimizer_left_unbuilt(model):
    """Within the block, a compiled model whose optimizer never stepped has none: Keras's
    jax trainer builds the optimizer when it evaluates (``_symbolic_build``), which
    would change the model under test (its saved files would hold slot variables)."""
    optimizer = getattr(model, "optimizer", None)
    if optimizer is None or getattr(optimizer, "built", True):
        yield
        return
    object.__setattr__(model, "optimizer", None)  # no tracking: put back as it was
    try:
        yield
    finally:
        object.__setattr__(model, "optimizer", optimizer)


def evaluation(model, inputs, targets, seed: int) -> dict[str, np.ndarray]:
    """``model.evaluate(inputs, targets)`` as one batch, eagerly, seeded; the model's
    metric states are put back afterwards, and an optimizer that never stepped stays
    unbuilt."""
    import keras

    rows = len(keras.tree.flatten(inputs)[0])
    with restored_afterwards(every_variable(model)), eager_steps(model), same_randomness(seed):
        with optimizer_left_unbuilt(model):
            logs = model.evaluate(inputs, targets, batch_size=rows, verbose=0, return_dict=True)
    return logs_as_numbers(logs)


def log_differences(what: str, original: dict, revived: dict, tolerance) -> list[Difference]:
    """Lines for the logs (loss, metrics) that a reload lost, gained or changed."""
    lines = []
    for key in original:
        if key not in revived:
            lines.append(Difference(f"{what}: {key} missing after reload", key, f"{what}: missing"))
        elif not np.allclose(
            revived[key], original[key], tolerance.rtol, tolerance.atol, equal_nan=True
        ):
            a, b = original[key], revived[key]
            text = f"{what}: {key}: {np.array2string(a, precision=6)} -> "
            text += np.array2string(b, precision=6)
            lines.append(Difference(text, key, f"{what}: values"))
    for key in revived:
        if key not in original:
            lines.append(Difference(f"{what}: {key} new after reload", key, f"{what}: new"))
    return lines


class Evaluate(Check):
    """``evaluate`` on one batch and its targets; compiled models, formats that carry
    the compile setup."""

    name = "evaluate"
    computes = True
    repro = """
    def reproduce(ctx):
        if not getattr(ctx.model, "compiled", False) or not getattr(ctx.revived, "compiled", False):
            return []
        targets = derive_targets(ctx.model, ctx.inputs, stable_seed(MODEL_NAME))
        rows = len(keras.tree.flatten(ctx.inputs)[0])
        ours = ctx.model.evaluate(ctx.inputs, targets, batch_size=rows, verbose=0, return_dict=True)
        theirs = ctx.revived.evaluate(
            ctx.inputs, targets, batch_size=rows, verbose=0, return_dict=True
        )
        lines = [f"{key}: missing after reload" for key in ours if key not in theirs]
        for key in ours:
            if key in theirs and not np.allclose(theirs[key], ours[key], RTOL, ATOL):
                lines.append(f"{key}: {ours[key]} -> {theirs[key]}")
        return lines
    """

    def applies_to(self, fmt) -> bool:
        return fmt.is_model and fmt.carries_compile

    def findings(self, trip) -> list[Finding]:
        built, revived = trip.built, trip.revived
        if not (compiled(built.model) and compiled(revived)):
            return []  # never compiled, or the state check reports the lost compile
        if predictions_moved(trip, self.name):
            return []
        seed = stable_seed(self.name, built.name)
        try:
            targets = targets_of(built)
            expected = built.reference(
                self.name, lambda model: evaluation(model, built.inputs, targets, seed)
            )
        except TargetsUndefined as why:
            trip.notes.append(
                f"{self.name}: not compared: no targets ({why}); give "
                "@keras_gate.model(targets=...)"
            )
            return []
        except Exception as error:
            trip.notes.append(
                f"{self.name}: not compared: the model as built raised "
                f"{first_line(error)} (targets: give @keras_gate.model(targets=...))"
            )
            return []
        try:
            found = evaluation(revived, built.inputs, targets, seed)
        except Exception as error:
            return [Finding.raised(self.name, error)]
        lines = log_differences("logs", expected, found, trip.tolerance)
        return [Finding.of(self.name, line) for line in lines]
