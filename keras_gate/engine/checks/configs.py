"""Every layer's config, before and after, as the format promises it.

A format that legitimately rewrites a key declares it (``RoundTripFormat.
config_rewrites``): data, not branches.
"""

from __future__ import annotations

import fnmatch
import json
import re

from keras_gate.engine.checks.protocol import Check, Finding
from keras_gate.engine.runtime.layer_tree import (
    configured_layers,
    layers_by_path,
    rebuilt_by_code,
    root_key,
)
from keras_gate.engine.runtime.outputs import has_graph

CONTAINER_KEYS = ("layers", "input_layers", "output_layers")
"""A subclassed model's config without the layers it lists (each is compared alone)."""


def _normalised(config) -> dict:
    # Through JSON: tuples and lists, numpy scalars and Python ones compare as written.
    return _functions_by_meaning(json.loads(json.dumps(config, default=repr, sort_keys=True)))


def _functions_by_meaning(value):
    """Serialised Python functions (a ``Lambda``'s ``__lambda__`` config) as what their
    code means: the marshalled bytes of one code object differ from dump to dump (a
    reload's ``marshal.dumps(marshal.loads(b)) != b``: reference flags), its bytecode,
    constants and names do not."""
    if isinstance(value, list):
        return [_functions_by_meaning(item) for item in value]
    if not isinstance(value, dict):
        return value
    found = {key: _functions_by_meaning(item) for key, item in value.items()}
    config = found.get("config")
    if found.get("class_name") == "__lambda__" and isinstance(config, dict):
        code = config.get("code")
        if isinstance(code, str):
            found["config"] = {**config, "code": _code_meaning_from(code)}
    return found


def _code_meaning_from(text: str):
    import codecs
    import marshal

    try:
        code = marshal.loads(codecs.decode(text.encode("ascii"), "base64"))
    except (ValueError, TypeError, EOFError):  # another Python's bytecode: as written
        return text
    return _code_meaning(code)


def _code_meaning(code) -> dict:
    """A code object's behaviour, nested code objects (inner functions) included."""
    import types

    return {
        "name": code.co_name,
        "bytecode": code.co_code.hex(),
        "constants": [
            _code_meaning(c) if isinstance(c, types.CodeType) else repr(c) for c in code.co_consts
        ],
        "names": list(code.co_names),
        "variables": list(code.co_varnames),
        "free": list(code.co_freevars),
        "cells": list(code.co_cellvars),
        "arguments": [code.co_argcount, code.co_kwonlyargcount, code.co_flags],
    }


def layer_configs(model) -> dict[str, dict]:
    """``{layer path: config}`` for ``model`` itself and every layer a reload restores
    from its config (``layer_tree.configured_layers``), as ``get_config()`` returns
    them (normalised only where two differ)."""
    found = {}
    for path, layer in [(root_key(model), model), *configured_layers(model)]:
        if has_graph(layer) and not rebuilt_by_code(layer):
            # A graph model's own config is its name and flag plus every layer's config
            # and the wiring: the layers are compared one by one, the wiring by the
            # predictions; serialising the whole graph per case would cost more than
            # the rest of the checks together.
            found[path] = {"name": layer.name, "trainable": layer.trainable}
            continue
        try:
            config = dict(layer.get_config())
        except NotImplementedError as error:
            config = {"get_config": f"raises NotImplementedError: {error}"}
        for key in CONTAINER_KEYS:
            config.pop(key, None)
        found[path] = config
    return found


def _rewritten(layer_class: str, key: str, rewrites: tuple[str, ...]) -> bool:
    return any(fnmatch.fnmatchcase(f"{layer_class}.{key}", pattern) for pattern in rewrites)


def config_findings(
    original: dict[str, dict], revived: dict[str, dict], classes: dict[str, str], rewrites=()
) -> list[Finding]:
    """Layers whose config keys differ (``classes``: path -> layer class, for rewrites)."""
    found = []
    for path, before in original.items():
        after = revived.get(path)
        if after is None or after == before:
            continue  # a missing layer shows as missing variables or state
        # Unequal as returned: compare as written (a tuple read back as a list is equal).
        before, after = _normalised(before), _normalised(after)
        keys = [
            key
            for key in sorted(set(before) | set(after))
            if before.get(key) != after.get(key)
            and not _rewritten(classes.get(path, ""), key, rewrites)
            and not _fresh_automatic_name(path, key, before, after, classes.get(path, ""))
        ]
        for key in keys:  # one finding per key: a baseline tells which came or went
            change = f"{key}: {_short(before.get(key))} -> {_short(after.get(key))}"
            text = f"layer {path} ({classes.get(path)}): {change}"
            found.append(Finding("configs", text, path, key))
    return found


def _fresh_automatic_name(path, key, before, after, layer_class) -> bool:
    """A subclassed model makes its layers anew on load; one its code did not name
    gets Keras's next automatic name (``dense`` -> ``dense_4``): not a difference.
    (Such layers are known by their place, ``Dense#0``; a name given by the model's
    code, or any name in a graph model, still counts.)"""
    if key != "name" or "#" not in path.rsplit("/", 1)[-1]:
        return False
    from keras.src.utils.naming import to_snake_case

    automatic = re.compile(rf"{re.escape(to_snake_case(layer_class))}(_\d+)?")
    return all(
        isinstance(value, str) and automatic.fullmatch(value)
        for value in (before.get(key), after.get(key))
    )


def _short(value) -> str:
    text = json.dumps(value, sort_keys=True)
    return text if len(text) <= 80 else text[:77] + "..."


class Configs(Check):
    """Every configured layer's ``get_config()``, less the keys the format rewrites."""

    name = "configs"
    repro = """
    def reproduce(ctx):
        ours, theirs = dict(layers(ctx.model)), dict(layers(ctx.revived))
        lines = []
        for path in CONFIG_LAYERS:  # the layers the gate found changed
            if path not in ours or path not in theirs:
                continue
            a = json.loads(json.dumps(ours[path].get_config(), default=repr, sort_keys=True))
            b = json.loads(json.dumps(theirs[path].get_config(), default=repr, sort_keys=True))
            keys = [k for k in sorted({*a, *b}) if a.get(k) != b.get(k)]
            if "#" in path.rsplit("/", 1)[-1]:
                keys = [k for k in keys if k != "name"]  # made anew by code, named anew
            lines += [f"layer {path}: {k}: {short(a.get(k))} -> {short(b.get(k))}" for k in keys]
        return lines
    """

    def findings(self, trip) -> list[Finding]:
        built = trip.built
        configs = built.reference("configs", layer_configs)
        classes = {
            path: type(layer).__name__ for path, layer in layers_by_path(built.model).items()
        }
        return config_findings(
            configs, layer_configs(trip.revived), classes, trip.fmt.config_rewrites
        )
