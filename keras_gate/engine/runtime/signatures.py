"""What an exported artifact serves, against what the model declares: input and output
names, dtypes and shapes, batch dimension included.

Outputs equal on the gate's batch say nothing about the signature a client calls: a
fixed batch exported as ``None``, an input renamed, a dtype widened all pass the
predictions and change what a serving client meets.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from keras_gate.engine.checks.protocol import Difference

AUTOMATIC = re.compile(r"(keras_tensor|input_layer|input)(_\d+)?")
"""Names Keras gives an unnamed input (a process counter): not compared."""


@dataclass(frozen=True)
class Spec:
    """One served tensor: its name (empty: not compared), dtype and shape."""

    name: str
    dtype: str
    shape: tuple


@dataclass(frozen=True)
class Signature:
    inputs: tuple[Spec, ...]
    outputs: tuple[Spec, ...] | None = None
    """None where the runtime's outputs cannot be paired with the model's by position."""


def _dtype(value) -> str:
    name = getattr(value, "name", None) if not isinstance(value, str) else value
    return str(name or value).removeprefix("tf.")


def _shape(shape) -> tuple:
    return tuple(None if d is None or isinstance(d, str) else int(d) for d in shape)


def spec_of(tensor, name: str | None = None) -> Spec:
    """A :class:`Spec` of a KerasTensor, ``tf.TensorSpec`` or ``keras.InputSpec``."""
    given = name if name is not None else getattr(tensor, "name", None) or ""
    named = "" if AUTOMATIC.fullmatch(str(given)) else str(given)
    return Spec(named, _dtype(tensor.dtype), _shape(tensor.shape))


def model_signature(model, input_signature=None) -> Signature:
    """What ``model`` declares (or ``input_signature``, the export argument a user
    ships with): its inputs and, for a graph model, its outputs (dict outputs in key
    order, as an export serves them)."""
    import keras

    inputs = keras.tree.flatten(input_signature if input_signature is not None else model.inputs)
    outputs = None
    structure = getattr(model, "_outputs_struct", None)
    if input_signature is None and getattr(model, "outputs", None):
        if isinstance(structure, dict):
            outputs = tuple(spec_of(structure[k], k) for k in sorted(structure))
        else:
            outputs = tuple(spec_of(t, "") for t in model.outputs)
    return Signature(tuple(spec_of(t) for t in inputs), outputs)


def _form(spec: Spec) -> tuple:
    return (spec.dtype, tuple(-1 if d is None else d for d in spec.shape))


def signature_differences(declared: Signature, served: Signature) -> list[Difference]:
    """Lines for every input and output whose name, dtype or shape the artifact serves
    otherwise than the model declares."""
    lines = []
    pairs = [("input", declared.inputs, served.inputs)]
    if declared.outputs is not None and served.outputs is not None:
        pairs.append(("output", declared.outputs, served.outputs))
    for kind, ours, theirs in pairs:
        if len(ours) != len(theirs):
            lines.append(
                Difference(f"{len(ours)} {kind}s declared, {len(theirs)} served", kind, "count")
            )
            continue
        unnamed = any(not spec.name for spec in theirs)
        if unnamed and sorted(map(_form, ours)) == sorted(map(_form, theirs)):
            continue  # a runtime that orders them its own way serves the same tensors
        for index, (a, b) in enumerate(zip(ours, theirs)):
            where = f"{kind} {a.name or index}"
            if a.name and b.name and a.name != b.name:
                lines.append(Difference(f"{where}: name {a.name!r} -> {b.name!r}", where, "name"))
            if a.dtype != b.dtype:
                lines.append(Difference(f"{where}: dtype {a.dtype} -> {b.dtype}", where, "dtype"))
            if a.shape != b.shape:
                lines.append(Difference(f"{where}: shape {a.shape} -> {b.shape}", where, "shape"))
    return lines
