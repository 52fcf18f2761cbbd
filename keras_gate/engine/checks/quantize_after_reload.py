"""The quantize-after-reload check: a user who quantizes the model they reloaded gets the
kernels quantizing the original gives.

Each layer Keras quantizes (one that overrides ``Layer.quantize``: Dense, EinsumDense,
Embedding, ...; inside other layers too, as ``model.quantize`` reaches) is copied on both
sides — from its config, built as it was, with its weights — and the copies are quantized
in every mode the installed Keras has; neither model changes. Only layers whose weights and
config came back equal are compared (where they differ, the variables or configs check
says so): what is left is what quantizing adds, the layer's class and the way Keras
combines kernel, config and dtype policy.
"""

from __future__ import annotations

import json
from unittest import mock

import numpy as np

from keras_gate.engine.checks.protocol import Check, Difference, Finding
from keras_gate.engine.quantization import available_modes
from keras_gate.engine.runtime.layer_tree import layers_with_paths


def _quantizable(layer) -> bool:
    import keras

    return (
        type(layer).quantize is not keras.layers.Layer.quantize
        and getattr(layer, "built", False)
        and getattr(layer, "quantization_mode", None) is None  # already quantized
        and not getattr(layer, "lora_enabled", False)
        and not hasattr(layer, "layers")  # a model inside a layer: its layers are listed
    )


def _no_collection_per_deleted_weight():
    """Keras's ``Layer.__delattr__`` runs a full ``gc.collect()`` for each weight that
    ``quantize`` replaces (0.26 s a call in a process holding TensorFlow: most of the
    check's cost). The copies' kernels do not depend on it; the gate collects per model.
    Only around the copy's ``quantize``."""
    return mock.patch("gc.collect", lambda *args: 0)


def quantized_copy(layer, mode: str):
    """``{variable name: bytes}`` of ``layer`` copied and quantized in ``mode``, or what
    raised (``"raises <type>"``): the same outcome on both sides is no difference."""
    try:
        copy = type(layer).from_config(layer.get_config())
        copy.build_from_config(layer.get_build_config())
        copy.set_weights(layer.get_weights())
        with _no_collection_per_deleted_weight():
            copy.quantize(mode)
    except Exception as error:
        return f"raises {type(error).__name__}"
    found = {}
    for variable in copy.variables:
        value = np.asarray(variable)
        found[variable.name] = (value.dtype.str, value.shape, value.tobytes())
    return found


def _same_inputs(layer, other) -> bool:
    """Equal weights (bitwise) and equal configs but for the name: what quantizing reads.
    Where these differ, the variables or configs check already says so."""
    try:
        mine, theirs = dict(layer.get_config()), dict(other.get_config())
    except Exception:  # a config Keras cannot give: nothing to copy from
        return False
    mine.pop("name", None), theirs.pop("name", None)
    if mine != theirs:
        return False
    weights, others = layer.get_weights(), other.get_weights()
    return len(weights) == len(others) and all(
        a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes()
        for a, b in zip(weights, others)
    )


def _layers_and_sublayers(model):
    """Every layer and, by place, every layer inside one (a transformer block's
    EinsumDense): where ``model.quantize`` reaches too."""
    for path, layer in layers_with_paths(model):
        if hasattr(layer, "layers"):
            continue  # a nested model: its own layers are listed
        yield path, layer
        for index, sub in enumerate(layer._flatten_layers(include_self=False, recursive=True)):
            yield f"{path}/{type(sub).__name__}#{index}", sub


def _build_config(layer):
    """As ``build_from_config`` reads it: a reload's shapes are JSON lists where the
    original's are tuples."""
    try:
        return json.dumps(layer.get_build_config(), sort_keys=True, default=repr)
    except Exception:  # a layer Keras cannot describe: compared by quantizing it
        return None


def quantize_differences(original, revived, modes) -> list[Difference]:
    """The quantizable layers whose float weights and config came back equal but whose
    quantized copies differ, per mode.

    A copy is made from the layer's class, config, build config and weights only, so a
    pair equal in all four makes equal copies: only a pair that differs in class or build
    config is quantized (quantizing every layer cost 0.6 s a 1280 x 1000 Dense, 20 s a
    keras-hub case with hundreds of sublayers, and half of a small model's round trip).
    """
    if not modes:  # a Keras without model.quantize: nothing to compare
        return []
    theirs = dict(_layers_and_sublayers(revived))
    lines = []
    for path, layer in _layers_and_sublayers(original):
        other = theirs.get(path)
        if other is None or not _quantizable(layer) or not _same_inputs(layer, other):
            continue  # missing, or already different: the variables / configs check says so
        if type(layer) is type(other) and _build_config(layer) == _build_config(other):
            continue  # the copies' inputs are equal: so are the copies
        for mode in modes:
            mine, after = quantized_copy(layer, mode), quantized_copy(other, mode)
            if mine == after:
                continue
            if isinstance(mine, str) or isinstance(after, str):
                before = mine if isinstance(mine, str) else "quantizes"
                now = after if isinstance(after, str) else "quantizes"
                text = f"{path} quantized in {mode}: {before} -> {now}"
            else:
                moved = sorted(k for k in mine.keys() | after.keys() if mine.get(k) != after.get(k))
                text = f"{path} quantized in {mode}: {', '.join(moved)} differ"
            lines.append(Difference(text, path, f"quantized in {mode}"))
    return lines


class QuantizeAfterReload(Check):
    """Each quantizable layer of the reload, quantized, equals the original's, quantized."""

    name = "quantize after reload"
    repro = """
    def reproduce(ctx):
        def quantized(layer, mode):
            try:
                copy = type(layer).from_config(layer.get_config())
                copy.build_from_config(layer.get_build_config())
                copy.set_weights(layer.get_weights())
                copy.quantize(mode)
            except Exception as error:
                return f"raises {type(error).__name__}"
            return {v.name: np.asarray(v).tobytes() for v in copy.variables}

        def same_inputs(layer, other):  # else the variables or configs check says so
            mine, theirs = dict(layer.get_config()), dict(other.get_config())
            mine.pop("name", None), theirs.pop("name", None)
            return mine == theirs and [w.tobytes() for w in layer.get_weights()] == [
                w.tobytes() for w in other.get_weights()
            ]

        def with_sublayers(model):
            for path, layer in layers(model):
                if hasattr(layer, "layers"):
                    continue
                yield path, layer
                for j, sub in enumerate(layer._flatten_layers(include_self=False)):
                    yield f"{path}/{type(sub).__name__}#{j}", sub

        lines = []
        theirs = dict(with_sublayers(ctx.revived))
        for path, layer in with_sublayers(ctx.model):
            other = theirs.get(path)
            if (other is None or type(layer).quantize is keras.layers.Layer.quantize
                    or not layer.built or getattr(layer, "quantization_mode", None)
                    or getattr(layer, "lora_enabled", False)
                    or not same_inputs(layer, other)):
                continue
            for mode in ("int8", "float8", "int4"):  # a mode this Keras lacks raises twice
                if quantized(layer, mode) != quantized(other, mode):
                    lines.append(f"{path} quantized in {mode} differs")
        return lines
    """

    def applies_to(self, fmt) -> bool:
        return fmt.is_model

    def findings(self, trip) -> list[Finding]:
        lines = quantize_differences(trip.built.model, trip.revived, available_modes())
        return [Finding.of(self.name, line) for line in lines]
