"""Targets for a compiled model's loss: what ``evaluate`` and a training step need
besides the inputs.

The user's own (``@keras_gate.model(targets=...)``), else derived: seeded, shaped like
each output, of the kind each output's loss takes (class indices for a sparse
crossentropy, one-hot rows for a categorical one, 0/1 for a binary one, real values
spread wider than a Huber ``delta`` for a regression loss). Where none can be derived
(a CTC loss, a structure the gate cannot read) the record says so; the gate never
guesses a verdict.
"""

from __future__ import annotations

import re

import numpy as np

from keras_gate.engine.runtime.seeds import random_state


class TargetsUndefined(Exception):
    """No targets can be derived for this model's loss: the checks that need them
    are not run, and the record says why."""


def _loss_name(loss) -> str:
    if isinstance(loss, str):
        return loss.lower()
    name = getattr(loss, "name", None) or getattr(loss, "__name__", None)
    name = name or type(loss).__name__
    return re.sub(r"(?<!^)(?=[A-Z])", "_", str(name)).lower()


def _losses_per_output(loss, names: list[str]) -> list:
    """The loss of each flat output (None: that output has no loss)."""
    if isinstance(loss, dict):
        return [loss.get(name) for name in names]
    if isinstance(loss, (list, tuple)):
        if len(loss) != len(names):
            raise TargetsUndefined(f"{len(loss)} losses for {len(names)} outputs")
        return list(loss)
    return [loss] * len(names)


def target_like(shape, loss, seed: int) -> np.ndarray:
    """Seeded targets for one output of ``shape`` under ``loss``."""
    name = _loss_name(loss)
    rng = random_state("targets", seed, name)
    shape = tuple(int(d) for d in shape)
    classes = max(shape[-1] if len(shape) > 1 else 1, 2)
    if "ctc" in name:
        raise TargetsUndefined(f"the {name} loss takes label sequences")
    if "sparse" in name:
        return rng.randint(classes, size=shape[:-1] or shape).astype("int32")
    if "categorical" in name or "kl_divergence" in name or name in {"kld", "kullback_leibler"}:
        return np.eye(classes, dtype="float32")[rng.randint(classes, size=shape[:-1])][
            ..., : shape[-1]
        ]
    if "binary" in name or "hinge" in name:
        return rng.randint(2, size=shape).astype("float32")
    # Regression: wider than the usual delta (Huber, log-cosh), so a forgotten
    # parameter of the loss shows in its value.
    return (rng.standard_normal(size=shape) * 3.0).astype("float32")


def derive_targets(model, inputs, seed: int):
    """Targets for ``model``'s compiled loss on ``inputs``, in its outputs' structure
    (None for a model compiled without a loss: its own ``add_loss`` terms need none)."""
    import keras

    loss = getattr(model, "loss", None)
    if loss is None:
        return None
    try:
        specs = model.compute_output_spec(
            keras.tree.map_structure(
                lambda a: keras.KerasTensor(np.shape(a), str(np.asarray(a).dtype)), inputs
            )
        )
    except Exception:  # a model that cannot be traced symbolically: call it
        specs = model(inputs, training=False)
    flat = keras.tree.flatten(specs)
    if isinstance(specs, dict):
        names = [str(k) for k in keras.tree.flatten({k: k for k in specs})]
    else:
        names = list(getattr(model, "output_names", None) or [])
    if len(names) != len(flat):
        names = [f"output_{i}" for i in range(len(flat))]
    rows = len(keras.tree.flatten(inputs)[0])
    targets = [
        None if output_loss is None else target_like((rows, *spec.shape[1:]), output_loss, seed)
        for spec, output_loss in zip(flat, _losses_per_output(loss, names))
    ]
    if isinstance(loss, dict) and isinstance(specs, (list, tuple)):
        return {name: t for name, t in zip(names, targets) if t is not None}
    return keras.tree.pack_sequence_as(specs, targets)
