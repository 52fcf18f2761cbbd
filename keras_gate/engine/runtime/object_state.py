"""The state of every object a model holds, as plain values by path: what a user meets
in ``revived.<layer>.<setting>``, whatever ``get_config()`` chose to write down.

A setting that a class's ``get_config()`` forgets is absent from both configs, so the
configs agree while the reloaded object has taken the default. Compared here instead:
each layer's (and sublayer's) settings — its public attributes named like a
constructor argument of its class, of plain value (bool, int, float, str, None, dtypes,
and tuples, lists and dicts of those) — and, recursively, the Keras objects it holds
(initializers, regularizers, constraints, seed generators), and for a compiled model
its loss(es), metrics, optimizer and learning-rate schedule. Variables and tensors are
the variables check's; functions are known by their name.

What is not a constructor argument is state Keras or the class derives (an adapt
summary, output names, caches), set lazily or rebuilt: not a setting. An attribute
only one side has is such state too (a forgotten setting leaves the attribute with its
default, on both sides).
"""

from __future__ import annotations

import contextlib
import fnmatch
import functools
import inspect
import math
from dataclasses import dataclass

import numpy as np

from keras_gate.engine.runtime.layer_tree import layers_by_path


@dataclass(frozen=True)
class Rule:
    """An attribute that is legitimately rebuilt differently, by ``Class.attribute``
    pattern (fnmatch), with the reason."""

    pattern: str
    reason: str


RULES: tuple[Rule, ...] = (
    Rule(
        "*.name",
        "Keras's automatic names come from a process-wide counter; the configs check "
        "compares the names a user or a graph gave",
    ),
    Rule(
        "Initializer.seed",
        "an initializer given no seed draws one from the process when it is made; the "
        "variables it initialised are loaded, not drawn again",
    ),
)
"""Attributes not compared, each with why (``object_state``'s exceptions, as data)."""

FLATTENED = ("_fn_kwargs",)
"""Private attributes whose entries are settings of the object itself: the keyword
arguments a loss or metric wrapper passes to its function (``Huber(delta=2.0)``)."""

RENAMED = {"_learning_rate": "learning_rate"}
"""Private attributes that hold a setting a user sets by another name (an optimizer's
learning-rate schedule)."""

_DEPTH = 4


def _nested_types() -> tuple[type, ...]:
    """Keras objects whose state is compared recursively (not layers: those by path)."""
    import keras

    found = [
        keras.initializers.Initializer,
        keras.regularizers.Regularizer,
        keras.constraints.Constraint,
        keras.losses.Loss,
        keras.metrics.Metric,
        keras.optimizers.Optimizer,
        keras.optimizers.schedules.LearningRateSchedule,
        keras.random.SeedGenerator,
    ]
    return tuple(found)


_PARAMETERS: dict[type, frozenset] = {}


def constructor_arguments(cls: type) -> frozenset:
    """The named parameters of ``cls``'s constructors, its bases' included (a layer's
    ``**kwargs`` reach ``Layer.__init__``)."""
    if cls not in _PARAMETERS:
        names = set()
        for klass in cls.__mro__:
            init = klass.__dict__.get("__init__")
            if init is None or klass is object:
                continue
            try:
                parameters = inspect.signature(init).parameters.values()
            except (TypeError, ValueError):
                continue
            names |= {
                p.name
                for p in parameters
                if p.kind not in (p.VAR_KEYWORD, p.VAR_POSITIONAL) and p.name != "self"
            }
        _PARAMETERS[cls] = frozenset(names)
    return _PARAMETERS[cls]


def _skipped(owner, attribute: str, rules=RULES) -> bool:
    """Whether a rule names ``attribute`` of ``owner``'s class or of a class it derives
    from (``Initializer.seed`` covers every initializer)."""
    return _skipped_in_class(type(owner), attribute, tuple(rules))


@functools.lru_cache(maxsize=65536)
def _skipped_in_class(cls, attribute: str, rules) -> bool:
    # Per (class, attribute): a model's walk asks the same question of every layer.
    names = [f"{base.__name__}.{attribute}" for base in cls.__mro__]
    return any(fnmatch.fnmatchcase(n, rule.pattern) for rule in rules for n in names)


_NOT_PLAIN = object()


def _plain(value):
    """``value`` as a comparable plain value, or ``_NOT_PLAIN``."""
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        value = float(value)
        return "nan" if math.isnan(value) else value
    if isinstance(value, np.dtype):
        return str(value)
    if isinstance(value, (tuple, list)):
        items = [_plain(item) for item in value]
        return _NOT_PLAIN if any(item is _NOT_PLAIN for item in items) else items
    if isinstance(value, dict):
        items = {str(k): _plain(v) for k, v in value.items()}
        return _NOT_PLAIN if any(v is _NOT_PLAIN for v in items.values()) else items
    if isinstance(value, np.ndarray) and value.size <= 1024 and value.dtype.kind in "biuf":
        return _plain(value.tolist())
    if inspect.isfunction(value) and "." not in value.__qualname__:
        return f"function {value.__qualname__}"  # an activation, a loss function
    if any(cls.__name__ == "DTypePolicy" for cls in type(value).__mro__):
        return value.name  # by class name: layers have compute_dtype too
    return _NOT_PLAIN


def _object_state(
    obj, prefix: str, found: dict, nested: tuple, depth: int, rules, objects=None
) -> None:
    """Every plain attribute of ``obj`` under ``prefix``, nested Keras objects recursively
    (and each object itself by its path, into ``objects`` where given)."""
    import keras

    if objects is not None:
        objects[prefix] = obj

    attributes = dict(vars(obj))
    for private in FLATTENED:
        extra = attributes.pop(private, None)
        if isinstance(extra, dict):
            attributes.update({k: v for k, v in extra.items() if k not in attributes})
    for private, public in RENAMED.items():
        if private in attributes and public not in attributes:
            attributes[public] = attributes.pop(private)
    settings = constructor_arguments(type(obj))
    for attribute, value in sorted(attributes.items()):
        if attribute.startswith("_") or _skipped(obj, attribute, rules):
            continue
        if attribute not in settings:
            continue  # derived state, not an argument the object was made with
        path = f"{prefix}.{attribute}"
        if isinstance(value, keras.layers.Layer):
            if not hasattr(value, "layers") and depth < _DEPTH:  # a wrapped layer's own
                _object_state(value, path, found, nested, depth + 1, rules, objects)
            continue
        if isinstance(value, nested):
            found[path] = type(value).__name__
            if depth < _DEPTH:
                _object_state(value, path, found, nested, depth + 1, rules, objects)
            continue
        plain = _plain(value)
        if plain is not _NOT_PLAIN:
            found[path] = plain


def object_state(model, compiled: bool = True, rules=RULES) -> dict[str, object]:
    """``{path: plain value}`` of every object ``model`` holds (``layer/path.attribute``,
    ``loss.delta``, ``optimizer.learning_rate.decay_rate``). ``compiled``: include the
    loss, metrics and optimizer (where the format carries the compile setup)."""
    return _walk(model, compiled, rules)


_HELD: dict | None = None
"""Inside :func:`one_walk`: ``{(id(model), compiled): held objects}``."""


@contextlib.contextmanager
def one_walk():
    """Within it, :func:`held_objects` walks each model once: every built-in entry's
    trigger asks it of the same unchanged model."""
    global _HELD
    outer, _HELD = _HELD, {} if _HELD is None else _HELD
    try:
        yield
    finally:
        _HELD = outer


def held_objects(model, compiled: bool = True) -> dict[str, object]:
    """``{path: object}`` of every Keras object ``model`` holds, by the paths
    :func:`object_state` gives their settings under (layers, their initializers and the
    like, and for a compiled model its loss, metrics and optimizer)."""
    key = (id(model), compiled)
    if _HELD is not None and key in _HELD:
        return _HELD[key]
    objects: dict[str, object] = {}
    _walk(model, compiled, RULES, objects)
    if _HELD is not None:
        _HELD[key] = objects
    return objects


def _walk(model, compiled: bool, rules, objects=None) -> dict[str, object]:
    nested = _nested_types()
    found: dict[str, object] = {}
    for path, layer in layers_by_path(model).items():
        _object_state(layer, path, found, nested, 0, rules, objects)
    if compiled and getattr(model, "compiled", False):
        _compiled_state(model, found, nested, rules, objects)
    return found


def settings_of(obj, prefix: str = "", rules=RULES) -> dict[str, object]:
    """``{path: plain value}`` of one Keras object (a layer, loss, metric, optimizer,
    schedule, initializer, regularizer, constraint) and the Keras objects it holds, by the
    same rules as :func:`object_state`: what ``keras_gate.tools.sweep`` compares."""
    found: dict[str, object] = {}
    _object_state(obj, prefix or type(obj).__name__, found, _nested_types(), 0, rules)
    return found


def _compiled_state(model, found: dict, nested: tuple, rules, objects=None) -> None:
    import keras

    losses = getattr(model, "loss", None)
    items = losses.items() if isinstance(losses, dict) else None
    if items is None:
        items = enumerate(losses) if isinstance(losses, (list, tuple)) else [("", losses)]
    for key, loss in items:
        path = f"loss.{key}" if key != "" else "loss"
        if isinstance(loss, str):  # "mse" and the function .h5 gives back are one loss
            try:
                loss = keras.losses.get(loss)
            except (ValueError, TypeError):
                pass
        if isinstance(loss, keras.losses.Loss):
            found[path] = type(loss).__name__
            _object_state(loss, path, found, nested, 1, rules, objects)
        elif _plain(loss) is not _NOT_PLAIN:
            found[path] = _plain(loss)
    metrics = getattr(getattr(model, "_compile_metrics", None), "_user_metrics", None)
    for index, metric in enumerate(keras.tree.flatten(metrics) if metrics else ()):
        if isinstance(metric, keras.metrics.Metric):
            path = f"metrics.{index}"
            found[path] = type(metric).__name__
            _object_state(metric, path, found, nested, 1, rules, objects)
    optimizer = getattr(model, "optimizer", None)
    if isinstance(optimizer, keras.optimizers.Optimizer):
        found["optimizer"] = type(optimizer).__name__
        _object_state(optimizer, "optimizer", found, nested, 1, rules, objects)


def state_differences(original: dict, revived: dict) -> list[tuple[str, object, object]]:
    """``(path, before, after)`` for every setting both sides have and that differs (one
    side only: set lazily, or under an object the other side holds otherwise, which its
    parent's own value shows)."""
    return [
        (path, value, revived[path])
        for path, value in original.items()
        if path in revived and revived[path] != value
    ]
