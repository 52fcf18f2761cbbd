"""Upstream defects that apply to any model, shipped with the plugin.

The suite and the corpus name their models in their own tables; a user's project meets
the same Keras defects in models nobody has listed. Each entry here is a
:class:`~keras_gate.engine.known_failures.KnownFailure` for every model (``models =
"*"``) plus what in a model triggers it (``trigger``), looked for in the built model
where its case runs: a case whose model has the trigger is a strict expected failure of
that entry (it must fail with the symptom, and one that passes fails, saying the entry
no longer holds); a model without it is judged raw. Every entry names its plain-Keras
reproducer and the way out, which ``tests/harness/test_upstream.py`` shows to pass.

A project's own entries win: a case one of them covers is judged by those alone.
``--known-failures=off`` runs without either.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass

from keras_gate.engine.known_failures import KnownFailure


def op_nodes(model) -> list[str]:
    """Class names of the operation nodes (``keras.ops`` calls, not layers) in a
    functional model's graph, nested graphs included."""
    import keras

    found, seen, models = [], set(), [model]
    while models:
        current = models.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        graph = getattr(current, "_functional", None) or current
        for nodes in getattr(graph, "_nodes_by_depth", {}).values():
            for node in nodes:
                operation = node.operation
                if isinstance(operation, keras.Model):
                    models.append(operation)
                elif operation is not None and not isinstance(operation, keras.layers.Layer):
                    found.append(type(operation).__name__)
    return sorted(set(found))


def _ops(names: set[str] | None = None, exclude: set[str] = frozenset()):
    def trigger(model) -> str | None:
        ops = [n for n in op_nodes(model) if n not in exclude and (names is None or n in names)]
        return f"operation nodes {', '.join(ops)} in its graph" if ops else None

    return trigger


def _compiled_with(predicate) -> Callable:
    def trigger(model) -> str | None:
        if not getattr(model, "compiled", False):
            return None
        return predicate(model)

    return trigger


def _optimizer(model) -> str | None:
    return "a compile setup with an optimizer" if getattr(model, "optimizer", None) else None


def _optimizer_slots(model) -> str | None:
    optimizer = getattr(model, "optimizer", None)
    if optimizer is None or not getattr(optimizer, "built", False):
        return None
    own = {"iteration", "iterations", "learning_rate"}
    slots = [v for v in optimizer.variables if v.name not in own]
    return f"{type(optimizer).__name__} slot variables ({len(slots)})" if slots else None


def _stepped_optimizer(model) -> str | None:
    optimizer = getattr(model, "optimizer", None)
    if optimizer is None or not getattr(optimizer, "built", False):
        return None
    return f"a {type(optimizer).__name__} that has stepped"


def _string_losses(model) -> str | None:
    import keras

    loss = getattr(model, "loss", None)
    named = [x for x in keras.tree.flatten(loss) if isinstance(x, str)] if loss else []
    return f"loss given as a string ({', '.join(map(repr, named))})" if named else None


@dataclass(frozen=True)
class UpstreamFailure:
    """A Keras defect for any model that has :attr:`trigger`."""

    entry: KnownFailure
    trigger: Callable
    """``trigger(model) -> str | None``: what in the model meets the defect, or None."""
    way_out: str
    """What a user does instead; tested to pass on a model with the trigger."""

    def for_model(self, model) -> KnownFailure | None:
        """The entry, its reason naming what in ``model`` triggers it (None: it has not)."""
        found = self.trigger(model)
        if not found:
            return None
        reason = f"{self.entry.reason}; this model has {found}. Way out: {self.way_out}"
        return dataclasses.replace(self.entry, reason=reason)


def _entry(**fields) -> KnownFailure:
    return KnownFailure(models="*", **fields)


UPSTREAM: tuple[UpstreamFailure, ...] = (
    UpstreamFailure(
        _entry(
            id="h5-mask-op-layers-unknown",
            format="h5",
            keras=">=3.0,<3.16.0.dev0",  # fixed in keras-nightly 3.16.0.dev2026102704
            error="ValueError",
            match="Unknown layer: 'NotEqual'",
            explains="load: *",
            reason="legacy .h5 cannot reload a functional model holding the NotEqual "
            "operation node that Embedding(mask_zero=True) and Masking make ('Unknown "
            "layer: NotEqual'; custom_objects does not help) "
            "(docs/reproducers/corpus/h5_op_layers.py)",
        ),
        _ops({"NotEqual"}),
        "save as .keras (the default format), which reloads it",
    ),
    UpstreamFailure(
        _entry(
            id="h5-op-layers-unknown",
            format="h5",
            keras=">=3.0",
            error="ValueError",
            match=r"Unknown layer: '(?!NotEqual')\w+'|Only input tensors may be passed as "
            "positional arguments",
            explains="load: *",
            reason="legacy .h5 cannot reload a functional model holding keras.ops "
            "operation nodes (keras.ops.abs makes Absolute; x + 3.0 makes Add with a "
            "constant) (docs/reproducers/corpus/h5_op_layers.py)",
        ),
        _ops(exclude={"NotEqual"}),
        "save as .keras (the default format), which reloads it",
    ),
    UpstreamFailure(
        _entry(
            id="h5-save-edits-compile-config",
            format="h5",
            keras=">=3.0,<3.16.0.dev0",  # fixed in keras-nightly 3.16.0.dev2026102704
            error="StateMismatch",
            match="original: changed by saving: compile config lost 'optimizer'",
            explains="original: changed by saving: compile config lost 'optimizer'",
            reason="saving a compiled model as legacy .h5 pops 'optimizer' from the "
            "model's own compile config: a later clone_model or .keras save of it compiles "
            "RMSprop (docs/findings.md)",
        ),
        _compiled_with(_optimizer),
        "save as .keras; or compile a fresh model after an .h5 save",
    ),
    UpstreamFailure(
        _entry(
            id="h5-optimizer-slots-lost",
            format="h5",
            keras=">=3.0",
            error="StateMismatch",
            match=r"optimizer variable: \d+ missing after reload",
            explains="state: optimizer variable: * missing after reload*|next step: *"
            "|training step: *",
            reason="legacy .h5 reload builds the optimizer on the Functional's own "
            "(empty) variable list: no slot variable comes back and the next training "
            "step raises 'Unknown variable' (docs/findings.md)",
        ),
        _compiled_with(_optimizer_slots),
        "save as .keras, which restores the optimizer's slots",
    ),
    UpstreamFailure(
        _entry(
            id="h5-next-step-unknown-variable",
            format="h5",
            keras=">=3.0",
            error="StateMismatch",
            match="training step: raised ValueError: Unknown variable",
            explains="training step: *|next step: *",
            reason="a model trained with any optimizer (plain SGD too) and reloaded from "
            "legacy .h5 cannot take another training step: its optimizer is built on the "
            "Functional's own (empty) variable list, so train_on_batch and fit raise "
            "'Unknown variable' (docs/reproducers/behaviour/h5_next_step_unknown_variable.py)",
        ),
        _compiled_with(_stepped_optimizer),
        "save as .keras, which reloads a model that trains on",
    ),
    UpstreamFailure(
        _entry(
            id="h5-loss-string-metric",
            format="h5",
            keras=">=3.0,<3.16.0.dev0",  # fixed in keras-nightly 3.16.0.dev2026102704
            error="Exception",  # ValueError; TypeError on keras 3.5.0
            match=r"Could not deserialize 'keras\.metrics\.\w+'|Could not interpret "
            "(loss|metric)",
            explains="load: *",
            reason="a model compiled with a loss given as a string ('mse') does not "
            "reload from legacy .h5 (docs/reproducers/corpus/h5_metric_string.py)",
        ),
        _compiled_with(_string_losses),
        "save as .keras; or compile with the loss object (keras.losses.MeanSquaredError())",
    ),
)
"""Every upstream defect the plugin knows for any model."""


def upstream_failures(model, fmt: str, keras_version: str, backend: str, table=None):
    """The entries of ``table`` (default :data:`UPSTREAM`) that apply to this case, each
    naming what in ``model`` triggers it."""
    found = []
    for known in UPSTREAM if table is None else table:
        if not known.entry.applies_to("*", fmt, keras_version, backend):
            continue
        entry = known.for_model(model)
        if entry is not None:
            found.append(entry)
    return tuple(found)
