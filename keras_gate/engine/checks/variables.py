"""Every variable by its place in the layer tree: same set, shape, dtype, trainable
flag, and bytes. Compared once, on the host, with NumPy."""

from __future__ import annotations

import numpy as np

from keras_gate.engine.checks.protocol import Check, Finding
from keras_gate.engine.runtime.layer_tree import layers_by_path, variable_keys


def variables_by_place(model) -> dict[str, tuple[object, bool]]:
    """``{layer path/variable: (variable, trainable)}`` for every weight (no RNG states).

    Variables, not copies: values are read one pair at a time when compared, so a
    case never holds a second copy of a large model's weights.
    """
    keys = variable_keys(layers_by_path(model))
    trainable = {id(v) for v in model.trainable_weights}
    found = {keys.get(id(v), v.path): (v, id(v) in trainable) for v in model.weights}
    for layer in model._flatten_layers(include_self=False, recursive=True):
        _merge_lora(layer, keys, found)
    return found


LORA_WEIGHTS = (("_kernel", "kernel"), ("_embeddings", "embeddings"))
"""(stored, effective) attributes of the layers that take LoRA (Dense, EinsumDense,
Embedding): the effective one is the stored weight plus the low-rank update."""


def _merge_lora(layer, keys: dict, found: dict) -> None:
    """A LoRA-enabled layer by its effective weight: Keras saves the stored weight
    with the low-rank update merged in and reloads the update as zero (a fresh
    ``lora_kernel_b``), which computes the same: equivalent, not a difference."""
    if not getattr(layer, "lora_enabled", False):
        return
    for stored, effective in LORA_WEIGHTS:
        variable = getattr(layer, stored, None)
        if variable is None or id(variable) not in keys:
            continue
        for part in ("lora_kernel_a", "lora_kernel_b", "lora_embeddings_a", "lora_embeddings_b"):
            found.pop(keys.get(id(getattr(layer, part, None)), None), None)
        key = keys[id(variable)]
        found[f"{key} (LoRA merged)"] = (getattr(layer, effective), False)
        found.pop(key, None)


def variable_findings(original: dict, revived: dict, limit: int = 3) -> list[Finding]:
    """Differences between two :func:`variables_by_place` results."""
    found = []
    missing = [k for k in original if k not in revived]
    extra = [k for k in revived if k not in original]
    renamed = _renamed(original, revived, missing, extra)
    if renamed:
        shown = ", ".join(f"{a} -> {b}" for a, b in list(renamed.items())[:limit])
        more = f" (+{len(renamed) - limit} more)" if len(renamed) > limit else ""
        text = f"{len(renamed)} renamed, values equal: {shown}{more}"
        found.append(Finding("variables", text, what="renamed"))
        missing = [k for k in missing if k not in renamed]
        extra = [k for k in extra if k not in renamed.values()]
    if missing:
        found.append(
            Finding(
                "variables",
                f"{len(missing)} missing after reload, e.g. {missing[:limit]}",
                what="missing",
            )
        )
    if extra:
        text = f"{len(extra)} new after reload, e.g. {extra[:limit]}"
        found.append(Finding("variables", text, what="new"))
    import keras

    for key, (a, a_trainable) in original.items():
        if key not in revived:
            continue
        b, b_trainable = revived[key]
        a, b = keras.ops.convert_to_numpy(a), keras.ops.convert_to_numpy(b)
        if a.shape != b.shape or a.dtype != b.dtype:
            text = f"{key}: {a.dtype}{a.shape} -> {b.dtype}{b.shape}"
            found.append(Finding("variables", text, key, "dtype or shape"))
        elif a_trainable != b_trainable:
            text = f"{key}: trainable {a_trainable} -> {b_trainable}"
            found.append(Finding("variables", text, key, "trainable"))
        elif not _same_bytes(a, b):
            # Every one: a baseline comparison tells a shrinking set from a new one
            # (``findings_text`` shortens what a message shows).
            x, y = a.astype(np.float64), b.astype(np.float64)
            delta = np.abs(x - y)
            with np.errstate(divide="ignore", invalid="ignore"):
                rel = np.nanmax(np.where(x != 0, delta / np.abs(x), np.inf * (delta > 0)))
            text = (
                f"{key}: values differ: max|diff|={np.nanmax(delta):.3g} "
                f"max rel={rel:.3g} in {int((a != b).sum())} of {a.size} values"
            )
            found.append(Finding("variables", text, key, "values"))
    return found


def _renamed(original: dict, revived: dict, missing: list, extra: list) -> dict[str, str]:
    """``{old path: new path}`` for missing variables that came back, bit for bit
    and in the same order, under another path: one rename, not a loss and a gain."""
    import keras

    def fingerprint(variable):
        value = keras.ops.convert_to_numpy(variable)
        return value.dtype.str, value.shape, np.ascontiguousarray(value).tobytes()

    if not missing or not extra:
        return {}
    unclaimed: dict[tuple, list[str]] = {}
    for key in extra:
        unclaimed.setdefault(fingerprint(revived[key][0]), []).append(key)
    found = {}
    for key in missing:
        candidates = unclaimed.get(fingerprint(original[key][0]))
        if candidates:
            found[key] = candidates.pop(0)
    return found


def _same_bytes(a: np.ndarray, b: np.ndarray) -> bool:
    """Bit-for-bit equality (NaN payloads and -0.0 included), without copying."""
    a, b = np.ascontiguousarray(np.atleast_1d(a)), np.ascontiguousarray(np.atleast_1d(b))
    return bool(np.array_equal(a.view(np.uint8), b.view(np.uint8)))


class Variables(Check):
    """Every weight by its place: same set, shape, dtype, trainable flag and bytes."""

    name = "variables"
    repro = """
    def reproduce(ctx):
        return compare_weights(ctx.model, ctx.revived)
    """

    def findings(self, trip) -> list[Finding]:
        return variable_findings(
            variables_by_place(trip.built.model), variables_by_place(trip.revived)
        )
