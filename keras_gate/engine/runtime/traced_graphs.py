"""Free the graphs TensorFlow keeps for every ``tf.custom_gradient`` it traced.

Tracing a function that goes through ``tf.custom_gradient`` (``tf.nn.silu``, so
every EfficientNet; Keras's losses) registers a fresh ``CustomGradient-<n>``
entry in TensorFlow's process-wide gradient registry, and nothing ever removes
it. The entry's closure holds the traced graph (a whole train step, an export
trace), so each model's traced functions stayed in a worker after the model was
dropped: measured +0.18 GiB per trained MobileNetV2, +0.25-0.33 GiB per
EfficientNetB3 export, never returned (``docs/how-to/sharding.md``, "Memory").

The gate snapshots the registry when it starts building a model and, once the
model and everything it traced are released, drops the entries added since.
"""

from __future__ import annotations

import sys

PREFIX = "CustomGradient-"
"""Names ``tf.custom_gradient`` gives its per-trace registrations (TensorFlow 2.x)."""


def _registry() -> dict | None:
    """TensorFlow's gradient registry, if TensorFlow is loaded and still keeps one there."""
    if "tensorflow" not in sys.modules:  # never import TensorFlow for this
        return None
    try:
        from tensorflow.python.framework import ops
    except ImportError:
        return None
    found = getattr(getattr(ops, "_gradient_registry", None), "_registry", None)
    return found if isinstance(found, dict) else None


def registrations() -> frozenset[str]:
    """The per-trace gradient registrations now (empty without TensorFlow)."""
    registry = _registry()
    if registry is None:
        return frozenset()
    return frozenset(name for name in registry if name.startswith(PREFIX))


def drop_registrations_since(snapshot: frozenset[str]) -> int:
    """Remove the per-trace registrations added after ``snapshot``; how many.

    Only for graphs nothing uses any more: a graph still alive that needs its
    gradient later would no longer find it.
    """
    registry = _registry()
    if registry is None:
        return 0
    added = [name for name in registry if name.startswith(PREFIX) and name not in snapshot]
    for name in added:
        del registry[name]
    return len(added)
