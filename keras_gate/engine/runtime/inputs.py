"""Seeded inputs derived from ``model.inputs`` when the user gives none.

Right dtype and shape for every input (a single tensor, a list or a dict), and
values the layers that read it accept, so the model computes what it computes
on real data instead of failing or reading padding only:

- strings: sentences of words from an adapted ``TextVectorization``, entries of a
  ``StringLookup`` vocabulary, else seeded tokens;
- integers: entries of an ``IntegerLookup`` vocabulary, ids below the smallest
  ``input_dim`` / ``num_tokens`` of an ``Embedding`` or ``CategoryEncoding``
  (inside a layer that holds one too, e.g. a token-and-position embedding);
- masks (an integer or boolean input named ``*mask*``, keras-hub's
  ``padding_mask``): ones up to a seeded length per row, zeros after;
- booleans: seeded 0/1; floats: uniform in [-1, 1], spanning a
  ``Discretization``'s bin boundaries where one reads the input.

Open dimensions get a fixed size (``FREE_DIMENSION``). Where no value can be
derived, :class:`InputDerivationError` names the model, the input and ``inputs=``.
"""

from __future__ import annotations

import numpy as np

from keras_gate.engine.runtime.seeds import random_state

BATCH = 2
"""Rows per derived batch."""
FREE_DIMENSION = 8
"""Size given to a non-batch dimension the model leaves open (``None``)."""
INTEGER_HIGH = 16
"""Exclusive upper bound of an integer input no bounded layer reads (ids, indices)."""
TOKENS = tuple(f"token{i}" for i in range(INTEGER_HIGH))
"""Words of a string input no vocabulary reads."""
SPECIAL_TOKENS = ("", "[UNK]")
"""Padding and out-of-vocabulary entries of a vocabulary: not drawn."""


class InputDerivationError(ValueError):
    """An input the gate cannot make up: the user must give ``inputs=``."""


def _consumers(model, tensor) -> list:
    """The layers that read ``tensor``, followed into nested graph models."""
    found = []
    for node in _graph_nodes(model):
        if not any(t is tensor for t in node.input_tensors):
            continue
        operation = node.operation
        inner = (
            getattr(operation, "inputs", None) if hasattr(operation, "_nodes_by_depth") else None
        )
        if inner:
            import keras

            flat = keras.tree.flatten(node.arguments.args[:1])
            for position, argument in enumerate(flat):
                if argument is tensor and position < len(inner):
                    found += _consumers(operation, inner[position])
        else:
            found.append(operation)
    return found


def _graph_nodes(model):
    graph = getattr(model, "_functional", None) or model
    for nodes in getattr(graph, "_nodes_by_depth", {}).values():
        yield from (n for n in nodes if n.operation is not None and not n.is_input)


def _with_sublayers(layer) -> list:
    flatten = getattr(layer, "_flatten_layers", None)
    return list(flatten(include_self=True, recursive=True)) if flatten else [layer]


def _vocabulary(layers, kind: str) -> list | None:
    """The drawable entries of the first lookup of ``kind`` (``string``/``integer``)."""
    import keras

    classes = {
        "string": (keras.layers.StringLookup, keras.layers.TextVectorization),
        "integer": (keras.layers.IntegerLookup,),
    }[kind]
    for layer in layers:
        if isinstance(layer, classes):
            words = [w for w in layer.get_vocabulary() if w not in SPECIAL_TOKENS]
            if isinstance(layer, keras.layers.IntegerLookup):
                words = [w for w in words if w != layer.oov_token and w != layer.mask_token]
            if words:
                return words
    return None


def _integer_bound(layers) -> int | None:
    """The smallest id range of the Embedding / CategoryEncoding layers in ``layers``."""
    import keras

    bounds = []
    for layer in layers:
        for inner in _with_sublayers(layer):
            if isinstance(inner, keras.layers.Embedding):
                bounds.append(int(inner.input_dim))
            elif isinstance(inner, keras.layers.CategoryEncoding):
                bounds.append(int(inner.num_tokens))
    return min(bounds) if bounds else None


def _float_range(layers) -> tuple[float, float]:
    import keras

    for layer in layers:
        if isinstance(layer, keras.layers.Discretization) and layer.bin_boundaries:
            edges = [float(b) for b in layer.bin_boundaries]
            margin = max(1e-3, (max(edges) - min(edges)) / max(len(edges), 1))
            return min(edges) - margin, max(edges) + margin
    return -1.0, 1.0


def _shape(tensor, batch: int) -> tuple[int, ...]:
    return tuple(
        batch if i == 0 else (FREE_DIMENSION if d is None else d)
        for i, d in enumerate(tensor.shape)
    )


def _is_mask(tensor, name: str) -> bool:
    return "mask" in f"{name} {getattr(tensor, 'name', '')}".lower()


def _prefix_mask(rng, shape, dtype) -> np.ndarray:
    """Ones up to a seeded length (at least one) per row, zeros after."""
    if len(shape) < 2:
        return np.ones(shape, dtype=dtype)
    lengths = rng.randint(1, shape[1] + 1, size=shape[0])
    positions = np.arange(shape[1]).reshape(1, -1, *([1] * (len(shape) - 2)))
    mask = positions < lengths.reshape(-1, *([1] * (len(shape) - 1)))
    return np.broadcast_to(mask, shape).astype(dtype)


def _strings(rng, shape, layers) -> np.ndarray:
    import keras

    words = _vocabulary(layers, "string") or list(TOKENS)
    sentence = any(isinstance(layer, keras.layers.TextVectorization) for layer in layers)
    if sentence:
        count = max(1, min(FREE_DIMENSION, len(words)))
        draw = [" ".join(rng.choice(words, size=count)) for _ in range(int(np.prod(shape)))]
        return np.array(draw, dtype=object).reshape(shape)
    return np.array(rng.choice(words, size=shape), dtype=object)


def _one_input(model, tensor, name: str, rng, batch: int) -> np.ndarray:
    shape = _shape(tensor, batch)
    layers = _consumers(model, tensor)
    if str(tensor.dtype) == "string":
        return _strings(rng, shape, layers)
    try:
        dtype = np.dtype(str(tensor.dtype))
    except TypeError:
        dtype = None
    if dtype is not None and dtype.kind in "iub" and _is_mask(tensor, name):
        return _prefix_mask(rng, shape, bool if dtype.kind == "b" else dtype)
    if dtype is not None and dtype.kind in "iu":
        vocabulary = _vocabulary(layers, "integer")
        if vocabulary:
            return np.array(rng.choice(vocabulary, size=shape)).astype(dtype)
        high = _integer_bound(layers) or INTEGER_HIGH
        return rng.randint(0, high, size=shape).astype(dtype)
    if dtype is not None and dtype.kind == "b":
        return rng.randint(0, 2, size=shape).astype(bool)
    if dtype is not None and dtype.kind == "f":
        low, high = _float_range(layers)
        return rng.uniform(low, high, size=shape).astype(dtype)
    raise InputDerivationError(
        f"model {getattr(model, 'name', model)!r}: input {name!r} has dtype {tensor.dtype}: "
        "the gate cannot make up such values; give inputs= (arrays, or a callable taking a "
        "seed) with @keras_gate.model(inputs=...) or keras_roundtrip(model, inputs=...)"
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
        return {key: _one_input(model, t, key, rng, batch) for key, t in sorted(structure.items())}
    arrays = [_one_input(model, t, getattr(t, "name", ""), rng, batch) for t in tensors]
    return arrays[0] if len(arrays) == 1 and not isinstance(structure, (list, tuple)) else arrays


def constant_batch(inputs):
    """A second input family: one example, every value the batch's largest.

    Another scale than the seeded batch (a saturated image, the top token id, a
    full mask) and another batch size, so input-dependent state (normalisation
    statistics, padding, masks) is exercised. Same structure as ``inputs``.
    """
    import keras

    def one(array):
        array = np.asarray(array)
        # Texts (a user's np.array(["oslo"]) is <U4, which NumPy's max has no loop for):
        # the largest by Python's order, as for numbers.
        top = max(array.ravel().tolist()) if array.dtype.kind in "USO" else array.max()
        return np.full((1, *array.shape[1:]), top, dtype=array.dtype)

    return keras.tree.map_structure(one, inputs)
