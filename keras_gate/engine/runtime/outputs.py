"""A model's predictions as ``{output name: array}``: every output, whatever its structure.

What Keras computes in inference (``model(x, training=False)``). Functional and
Sequential models run node by node (``graph_walk``), each tensor freed after its
last use, not through ``predict``: a traced predict function per
model leaves 0.15-0.3 GiB behind in TensorFlow (a worker reached 8.4 GiB over
the suite's default matrix), and Keras's own eager call keeps every intermediate
tensor to the end (9.5 GiB for EfficientNetB7). Measured on B3/B4 x5: RSS flat
at 0.85 GiB instead of growing to 1.77, and faster (no tracing). A subclassed
model has no graph to walk, and a graph model that overrides ``call`` runs code
the graph does not show: both are called as Keras calls them.
"""

from __future__ import annotations

import numpy as np

from keras_gate.engine.runtime.graph_walk import own_call_reason, run_graph
from keras_gate.engine.runtime.naming import rebuilt_by_code


class Output(np.ndarray):
    """One output's values as NumPy, with the kind of tensor the model returned
    (``dense``, ``sparse``, ``ragged``): a sparse output that comes back dense holds
    the same values and is still not what the user received."""

    kind = "dense"

    def __array_finalize__(self, obj):
        self.kind = getattr(obj, "kind", "dense")


_KINDS = {"SparseTensor": "sparse", "BCOO": "sparse", "RaggedTensor": "ragged"}
"""Tensor classes (by name: no backend is imported to look) that are not dense."""


def as_output(value) -> Output:
    """``value`` (a backend tensor of any kind and dtype) as an :class:`Output`."""
    import keras

    kind = _KINDS.get(type(value).__name__, "dense")
    if kind == "ragged":
        value = value.to_tensor()  # its values, padded; the kind says it was ragged
    array = np.asarray(keras.ops.convert_to_numpy(value)).view(Output)
    array.kind = kind
    return array


def has_graph(model) -> bool:
    """Whether ``model`` is a built graph of layers (Functional, Sequential)."""
    try:
        return bool(model.inputs) and bool(model.outputs)
    except (AttributeError, ValueError):
        return False


def output_names(model) -> list[str]:
    """A name per flat output of a graph model: the dict key, else the producing layer
    (its position in a model rebuilt by its own code: ``runtime.naming``)."""
    structure = getattr(model, "_outputs_struct", None)
    if isinstance(structure, dict):
        import keras

        return [str(key) for key in keras.tree.flatten({k: k for k in structure})]
    names = []
    renamed_on_reload = rebuilt_by_code(model)
    for index, tensor in enumerate(model.outputs):
        history = getattr(tensor, "_keras_history", None)
        operation = history.operation if history is not None else None
        if operation is None or renamed_on_reload:
            # Layers made by the model's code may be named anew on reload (an
            # automatic name, or one derived from the model's own): by position.
            name = f"output_{index}"
        else:
            name = operation.name
        names.append(name if name not in names else f"{name}_{index}")
    return names


def _named(result) -> dict:
    """Name the outputs of an eager call: dict keys, list positions, or ``output``."""
    if isinstance(result, dict):
        return {str(key): value for key, value in result.items()}
    if isinstance(result, (list, tuple)):
        return {f"output_{index}": value for index, value in enumerate(result)}
    return {"output": result}


def inference_path(model) -> str:
    """How the gate computes ``model``'s predictions: ``graph walk``, or Keras's own
    call with the reason the walk does not apply (named in the report)."""
    if not has_graph(model):
        return "keras call (no graph: a subclassed model)"
    reason = own_call_reason(model)
    return "graph walk" if reason is None else f"keras call ({reason})"


def predict_outputs(
    model,
    inputs,
    probes: dict[str, str] | None = None,
    keras_call: bool = False,
    training: bool = False,
) -> dict[str, np.ndarray]:
    """Every output of ``model`` on ``inputs`` in inference, plus each probe.

    What ``model(inputs, training=False)`` computes: node by node
    (``graph_walk``) where the model is a plain graph, else by Keras's own call.
    ``probes`` maps a name to a layer of a graph model whose *input* is compared
    as well (e.g. the features a classifier head reads): a change inside a base
    model shows there even where the head's softmax hides it. ``keras_call``:
    always through Keras's own call (a model whose walk was found to differ,
    ``BuiltModel.verify_inference``). ``training=True``: what ``model(inputs,
    training=True)`` computes instead, by the same path.
    """
    import keras

    if not has_graph(model):
        result = model(inputs, training=training)
        return {k: as_output(v) for k, v in _named(result).items()}
    names = output_names(model)
    walk = inference_path(model) == "graph walk" and not keras_call
    if not walk:
        values = keras.tree.flatten(model(inputs, training=training))
    elif not probes:
        values = run_graph(model, inputs, training=training)
    else:
        tensors = list(model.outputs)
        tensors += [model.get_layer(layer).input for layer in probes.values()]
        probe = keras.Model(model.inputs, tensors)
        # in model.inputs' order
        values = run_graph(probe, keras.tree.flatten(inputs), training=training)
    found = {name: as_output(v) for name, v in zip(names, values)}
    if probes and not walk:
        probe = keras.Model(model.inputs, [model.get_layer(p).input for p in probes.values()])
        values = run_graph(probe, keras.tree.flatten(inputs), training=training)
    else:
        values = values[len(names) :]
    found.update({name: as_output(v) for name, v in zip(probes or {}, values)})
    return found


def inference_mismatches(model, inputs, training: bool = False) -> list[str]:
    """Where the gate's predictions are not ``model(inputs, training=False)`` bit for
    bit: one line per output that differs (empty: the gate computes what Keras
    computes). The self-test of the graph walk, for any model a project gates.
    ``training=True``: the same for ``model(inputs, training=True)``, both calls from
    the same seed states and seeds, the variables they move put back."""
    import contextlib

    import keras

    from keras_gate.engine.runtime.trial import drawn_alike

    def alike():  # both calls from the same seed states and seeds (training draws)
        return drawn_alike(model, 0) if training else contextlib.nullcontext()

    with alike():
        ours = predict_outputs(model, inputs, training=training)
    with alike():
        result = model(inputs, training=training)
    if has_graph(model):
        theirs = dict(zip(output_names(model), keras.tree.flatten(result)))
    else:
        theirs = _named(result)
    lines = []
    for name, value in ours.items():
        other = np.asarray(keras.ops.convert_to_numpy(theirs[name]))
        value = np.asarray(value)
        if value.shape != other.shape or value.dtype != other.dtype:
            lines.append(f"{name}: {value.dtype}{value.shape} vs Keras {other.dtype}{other.shape}")
        elif value.tobytes() != other.tobytes():
            delta = np.abs(value.astype(np.float64) - other.astype(np.float64))
            lines.append(f"{name}: max|diff|={np.nanmax(delta):.3g} from Keras's own call")
    return lines
