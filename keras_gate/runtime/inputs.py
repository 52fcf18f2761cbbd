"""Seeded inputs derived from ``model.inputs`` when the user gives none.

Right dtype and shape for every input (a single tensor, a list or a dict);
integer inputs read by an ``Embedding`` stay within its ``input_dim``, so the
lookup exercises the stored table instead of failing.
"""

from __future__ import annotations

import numpy as np

from keras_gate.runtime.seeds import random_state

BATCH = 2
"""Rows per derived batch."""
FREE_DIMENSION = 8
"""Size given to a non-batch dimension the model leaves open (``None``)."""
INTEGER_HIGH = 16
"""Exclusive upper bound of an integer input no Embedding reads (ids, indices)."""


class InputDerivationError(ValueError):
    """An input the gate cannot make up: the user must give ``inputs=``."""


def _embedding_bound(model, tensor) -> int | None:
    """The smallest ``input_dim`` of the Embedding layers that read ``tensor``."""
    bounds = []
    for layer in getattr(model, "layers", ()):
        if type(layer).__name__ != "Embedding":
            continue
        for node in getattr(layer, "_inbound_nodes", ()):
            if any(t is tensor for t in node.input_tensors):
                bounds.append(int(layer.input_dim))
    return min(bounds) if bounds else None


def _one_input(model, tensor, rng, batch: int) -> np.ndarray:
    dtype = np.dtype(str(tensor.dtype))
    shape = tuple(
        batch if i == 0 else (FREE_DIMENSION if d is None else d)
        for i, d in enumerate(tensor.shape)
    )
    if dtype.kind in "iu":
        high = _embedding_bound(model, tensor) or INTEGER_HIGH
        return rng.randint(0, high, size=shape).astype(dtype)
    if dtype.kind == "b":
        return rng.randint(0, 2, size=shape).astype(bool)
    if dtype.kind == "f":
        return rng.uniform(-1.0, 1.0, size=shape).astype(dtype)
    raise InputDerivationError(
        f"input {tensor.name!r} has dtype {dtype}: the gate cannot make up such values; "
        "give inputs= (arrays, or a callable taking a seed)"
    )


def derive_inputs(model, *identity: object, batch: int = BATCH):
    """A seeded batch for ``model``, structured as its inputs are (tensor, list or dict).

    ``identity`` names the batch (model name, purpose): the same identity gives
    the same values on every run.
    """
    try:
        tensors = model.inputs
    except AttributeError:
        tensors = None
    if not tensors:
        raise InputDerivationError(
            f"model {getattr(model, 'name', model)!r} has no symbolic inputs (a subclassed "
            "model): give inputs= (arrays, or a callable taking a seed)"
        )
    rng = random_state("inputs", *identity)
    structure = getattr(model, "_inputs_struct", None)
    if isinstance(structure, dict):
        return {key: _one_input(model, t, rng, batch) for key, t in sorted(structure.items())}
    arrays = [_one_input(model, t, rng, batch) for t in tensors]
    return arrays[0] if len(arrays) == 1 and not isinstance(structure, (list, tuple)) else arrays


def constant_batch(inputs):
    """A second input family: one example, every value the batch's largest.

    Another scale than the seeded batch (a saturated image, the top token id) and
    another batch size, so input-dependent state (normalisation statistics,
    padding, masks) is exercised. Same structure as ``inputs``.
    """
    import keras

    def one(array):
        array = np.asarray(array)
        return np.full((1, *array.shape[1:]), array.max(), dtype=array.dtype)

    return keras.tree.map_structure(one, inputs)
