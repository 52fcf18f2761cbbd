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
from keras_gate.engine.lost_settings import LOST_SETTINGS, LostSetting


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


@dataclass(frozen=True)
class Met:
    """What in a model meets a defect, and the entry's symptom narrowed to this model."""

    what: str
    match: str = ""
    """The symptom for this model (empty: the entry's own ``match``)."""


def _unknown_ops(only: set[str] | None = None, exclude: set[str] = frozenset()):
    """Operation nodes the legacy loader cannot name: no layer has their class name.
    (One that shares a layer's name, ``Concatenate``, loads as that layer, or fails
    otherwise: not this defect.)"""

    def trigger(model) -> Met | None:
        import keras

        ops = [
            name
            for name in op_nodes(model)
            if not hasattr(keras.layers, name)
            and name not in exclude
            and (only is None or name in only)
        ]
        if not ops:
            return None
        return Met(
            f"operation nodes {', '.join(ops)} in its graph", f"Unknown layer: '({'|'.join(ops)})'"
        )

    return trigger


def _compiled_with(predicate) -> Callable:
    def trigger(model) -> Met | None:
        if not getattr(model, "compiled", False):
            return None
        found = predicate(model)
        return Met(found) if found else None

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


def _attention_dot(model) -> Met | None:
    import keras

    from keras_gate.engine.runtime.layer_tree import layers_by_path

    found = [
        path
        for path, layer in layers_by_path(model).items()
        if isinstance(layer, keras.layers.Attention)
        and not isinstance(layer, keras.layers.AdditiveAttention)
        and getattr(layer, "score_mode", None) == "dot"
    ]
    return Met(f"Attention layers with score_mode 'dot' ({', '.join(found)})") if found else None


H5_UNPICKLABLE_LAYERS = (
    "RandomBrightness",
    "RandomColorDegeneration",
    "RandomPosterization",
    "RandomSaturation",
    "RandomSharpness",
    "Solarization",
)
"""Layers whose legacy ``.h5`` save raises ``cannot pickle 'module' object``."""


def _layers_of(classes: tuple[str, ...]):
    def trigger(model) -> Met | None:
        from keras_gate.engine.runtime.layer_tree import layers_by_path

        found = [
            f"{path} ({type(layer).__name__})"
            for path, layer in layers_by_path(model).items()
            if type(layer).__name__ in classes
        ]
        return Met(", ".join(found)) if found else None

    return trigger


H5_UNREADABLE_COMPILE = {
    "loss": {"CategoricalGeneralizedCrossEntropy": ">=3.10.0,<3.16.0.dev0"},
    "optimizer": {"Lamb": ">=3.10.0,<3.16.0.dev0", "Muon": ">=3.10.0,<3.14.0"},
}
"""Compile objects legacy ``.h5`` writes but cannot read back, with the Keras releases
that cannot (``docs/reproducers/corpus/h5_compile_objects.py loss|optimizer|muon``)."""


def _h5_unreadable_compile(model) -> str | None:
    import keras
    from packaging.specifiers import SpecifierSet

    from keras_gate.engine.runtime.versions import keras_version

    release = keras_version()

    def unreadable(kind: str, obj) -> bool:
        releases = H5_UNREADABLE_COMPILE[kind].get(type(obj).__name__)
        return releases is not None and SpecifierSet(releases, prereleases=True).contains(release)

    losses = getattr(model, "loss", None)
    found = [
        f"the loss {type(loss).__name__}"
        for loss in (keras.tree.flatten(losses) if losses is not None else [])
        if unreadable("loss", loss)
    ]
    optimizer = getattr(model, "optimizer", None)
    if unreadable("optimizer", optimizer):
        found.append(f"the optimizer {type(optimizer).__name__}")
    return ", ".join(found) or None


def _unbuilt(optimizer_class: str) -> Callable:
    """A model compiled with an ``optimizer_class`` that has not stepped (not built)."""

    def found(model) -> str | None:
        optimizer = getattr(model, "optimizer", None)
        if type(optimizer).__name__ != optimizer_class or getattr(optimizer, "built", True):
            return None
        return f"a {optimizer_class} that has not stepped"

    return found


def _stepped_optimizer(model) -> str | None:
    optimizer = getattr(model, "optimizer", None)
    if optimizer is None or not getattr(optimizer, "built", False):
        return None
    return f"a {type(optimizer).__name__} that has stepped"


METRIC_ALIASES = {"mse", "mae", "mape", "msle", "kld"}
"""The loss names .h5 writes as ``keras.metrics.<name>`` and cannot read back (seen on
3.15.1 for each, in either case; ``mean_squared_error``, ``categorical_crossentropy``,
``huber``, ``kl_divergence`` and the like load)."""


def _string_losses(model) -> str | None:
    import keras

    loss = getattr(model, "loss", None)
    named = [
        x
        for x in (keras.tree.flatten(loss) if loss else [])
        if isinstance(x, str) and x.lower() in METRIC_ALIASES
    ]
    return f"a loss given by its alias ({', '.join(map(repr, named))})" if named else None


@dataclass(frozen=True)
class UpstreamFailure:
    """A Keras defect for any model that has :attr:`trigger`."""

    entry: KnownFailure
    trigger: Callable
    """``trigger(model) -> Met | None``: what in the model meets the defect, or None."""
    way_out: str
    """What a user does instead; tested to pass on a model with the trigger."""

    def for_model(self, model) -> KnownFailure | None:
        """The entry for ``model``: its reason naming what meets the defect, its symptom
        narrowed to it (None: the model does not meet it)."""
        met = self.trigger(model)
        if met is None:
            return None
        reason = f"{self.entry.reason}; this model has {met.what}. Way out: {self.way_out}"
        return dataclasses.replace(self.entry, reason=reason, match=met.match or self.entry.match)


def _h5_entry(**fields) -> KnownFailure:
    """An entry for every model through legacy ``.h5`` (each defect here is of that path)."""
    return KnownFailure(models="*", format="h5", **fields)


_FAMILY_BASE = {
    "layers": "layers.Layer",
    "losses": "losses.Loss",
    "metrics": "metrics.Metric",
    "initializers": "initializers.Initializer",
}
"""The Keras base class of each sweep family a model can hold."""

_LOST_SETTING_FORMATS = {
    # A loss or metric lives in the compile setup, which these write as a config
    # (clone and from_config recompile from the model's compile config).
    "losses": "keras_v3|h5|clone|from_config",
    "metrics": "keras_v3|h5|clone|from_config",
    # A layer (and what it holds) is rebuilt from its config by these; the weights-only
    # formats rebuild the architecture from model.to_json().
    "layers": "keras_v3|h5|clone|from_config|preset|weights_h5|sharded_weights",
    "initializers": "keras_v3|h5|clone|from_config|preset|weights_h5|sharded_weights",
}

_LOST_SETTING_EFFECTS = {
    # What else a lost setting changes, by where the object acts.
    "losses": "|evaluate: *|training step: *",
    "metrics": "|evaluate: *|training step: *",
    "layers": "|predictions: *|training pass: *|evaluate: *|training step: *",
    "initializers": "",  # acts only when variables are made: nothing else changes
}


def _not_rebuilt(lost: LostSetting):
    """The objects of the row's classes in a model whose setting their own config does
    not rebuild (``type(obj).from_config(obj.get_config())``, compared as the settings
    check compares), each by its path."""
    import re

    def trigger(model) -> Met | None:
        import keras

        from keras_gate.engine.runtime.object_state import held_objects, settings_of

        base = keras
        for part in _FAMILY_BASE[lost.family].split("."):
            base = getattr(base, part)
        classes, arguments = lost.classes.split("|"), lost.argument.split("|")
        hits = []
        for path, obj in held_objects(model).items():
            if type(obj).__name__ not in classes or not isinstance(obj, base):
                continue
            try:
                rebuilt = type(obj).from_config(obj.get_config())
            except Exception:  # the config does not make the object again
                if lost.raises:
                    hits.append((path, type(obj).__name__))
                continue
            before, after = settings_of(obj, path), settings_of(rebuilt, path)
            hits += [
                (f"{path}.{argument}", type(obj).__name__)
                for argument in arguments
                if f"{path}.{argument}" in before
                and before[f"{path}.{argument}"] != after.get(f"{path}.{argument}")
            ]
        if not hits:
            return None
        what = ", ".join(f"{where} ({cls})" for where, cls in hits)
        if lost.raises:
            return Met(f"{what}, whose config does not rebuild it")
        where = "|".join(re.escape(p) for p, _ in hits)
        return Met(f"{what} set away from what its config rebuilds", f"settings: ({where}): ")

    return trigger


def _lost_setting_failure(lost: LostSetting) -> UpstreamFailure:
    arguments = "|".join(f"*.{argument}: *" for argument in lost.argument.split("|"))
    settings = "|".join(f"settings: {pattern}" for pattern in arguments.split("|"))
    # A config that writes another value (AugMix's swapped chains), not none: the reload's
    # config then differs from the original's in that argument too.
    settings += "".join(
        f"|configs: *({cls}): {argument}: *"
        for cls in lost.classes.split("|")
        for argument in lost.argument.split("|")
    )
    entry = KnownFailure(
        id=f"lost-setting-{lost.id}",
        models="*",
        format=_LOST_SETTING_FORMATS[lost.family],
        keras=lost.keras,
        error="RoundTripError" if lost.raises else "StateMismatch",
        match=r"(load|copy) failed: TypeError" if lost.raises else "settings: ",
        explains="load: *" if lost.raises else settings + _LOST_SETTING_EFFECTS[lost.family],
        reason=f"{lost.classes.replace('|', ', ')}: {lost.reason} ({lost.reproducers()[0]})",
    )
    way_out = (
        "leave the argument at its default, or register a subclass whose get_config() "
        "writes it (keras.saving.register_keras_serializable)"
        + (", or upgrade Keras" if "<" in lost.keras else "")
    )
    return UpstreamFailure(entry, _not_rebuilt(lost), way_out)


UPSTREAM: tuple[UpstreamFailure, ...] = (
    UpstreamFailure(
        _h5_entry(
            id="h5-mask-op-layers-unknown",
            keras=">=3.0,<3.16.0.dev0",  # fixed in keras-nightly 3.16.0.dev2026102704
            error="ValueError",
            match="Unknown layer: 'NotEqual'",
            explains="load: *",
            reason="legacy .h5 cannot reload a functional model holding the NotEqual "
            "operation node that Embedding(mask_zero=True) and Masking make ('Unknown "
            "layer: NotEqual'; custom_objects does not help) "
            "(docs/reproducers/corpus/h5_op_layers.py)",
        ),
        _unknown_ops(only={"NotEqual"}),
        "save as .keras (the default format), which reloads it",
    ),
    UpstreamFailure(
        _h5_entry(
            id="h5-op-layers-unknown",
            keras=">=3.0",
            error="ValueError",
            match="Unknown layer: ",  # narrowed to the model's own operations
            explains="load: *",
            reason="legacy .h5 cannot reload a functional model holding keras.ops "
            "operation nodes that no layer is named like (keras.ops.abs makes Absolute, "
            "keras.ops.transpose Transpose) (docs/reproducers/corpus/h5_op_layers.py)",
        ),
        _unknown_ops(exclude={"NotEqual"}),
        "save as .keras (the default format), which reloads it",
    ),
    UpstreamFailure(
        _h5_entry(
            id="h5-save-edits-compile-config",
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
        _h5_entry(
            id="h5-optimizer-slots-lost",
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
        _h5_entry(
            id="h5-next-step-unknown-variable",
            keras=">=3.0",
            error="StateMismatch",
            # jax says it as optimizer_variables not matching the trainable variables 1:1
            match="training step: raised ValueError: (Unknown variable|Argument "
            "`optimizer_variables` must be a list of tensors corresponding 1:1)",
            # (a project's own next_step is the suite's: its own table says so there)
            explains="training step: *",
            reason="a model trained with any optimizer (plain SGD too) and reloaded from "
            "legacy .h5 cannot take another training step: its optimizer is built on the "
            "Functional's own (empty) variable list, so train_on_batch and fit raise "
            "'Unknown variable' (on jax: 'optimizer_variables must be ... 1:1') "
            "(docs/reproducers/behaviour/h5_next_step_unknown_variable.py)",
        ),
        _compiled_with(_stepped_optimizer),
        "save as .keras, which reloads a model that trains on",
    ),
    UpstreamFailure(
        _h5_entry(
            id="h5-loss-string-metric",
            keras=">=3.0,<3.16.0.dev0",  # fixed in keras-nightly 3.16.0.dev2026102704
            error="ValueError",  # seen on 3.15.1; other releases' message not checked
            match=r"Could not deserialize 'keras\.metrics\.\w+'",
            explains="load: *",
            reason="a model compiled with a loss given as a string ('mse') does not "
            "reload from legacy .h5 (docs/reproducers/corpus/h5_metric_string.py)",
        ),
        _compiled_with(_string_losses),
        "save as .keras; or compile with the loss object (keras.losses.MeanSquaredError())",
    ),
    UpstreamFailure(
        _h5_entry(
            id="h5-attention-score-mode",
            keras=">=3.14.0",  # 3.10.0 ... 3.13.2 load it; keras-nightly 3.16.0.dev does not
            error="RoundTripError",
            match="Error when deserializing class 'Attention'",
            explains="load: *",
            reason="legacy .h5 reload hands Attention's score_mode 'dot' (the default) to "
            "the constructor as a function named dot, which it refuses "
            "(docs/reproducers/corpus/h5_attention_score_mode.py)",
        ),
        _attention_dot,
        "save as .keras, which reloads it; or score_mode='concat'",
    ),
    UpstreamFailure(
        _h5_entry(
            id="h5-image-layer-save-pickle",
            keras=">=3.5.0",  # seen on 3.5.0, 3.10.0 ... 3.15.1 and keras-nightly 3.16.0.dev
            error="RoundTripError",
            match="save failed: TypeError: cannot pickle 'module' object",
            explains="load: *",
            reason="a model holding " + ", ".join(H5_UNPICKLABLE_LAYERS) + " cannot be saved "
            "as legacy .h5 ('cannot pickle module object') "
            "(docs/reproducers/corpus/h5_image_layer_save.py)",
        ),
        _layers_of(H5_UNPICKLABLE_LAYERS),
        "save as .keras, which saves and reloads it",
    ),
    UpstreamFailure(
        _h5_entry(
            id="h5-compile-object-unknown",
            keras=">=3.10.0,<3.16.0.dev0",  # keras-nightly 3.16.0.dev2026102704 reads both
            error="RoundTripError",
            match=r"Could not interpret (loss|optimizer) identifier",
            explains="load: *",
            reason="legacy .h5 writes a model compiled with the loss "
            "CategoricalGeneralizedCrossEntropy or the optimizer Lamb (or Muon, up to "
            "3.13.2) but cannot read it back ('Could not interpret ... identifier') "
            "(docs/reproducers/corpus/h5_compile_objects.py)",
        ),
        _compiled_with(_h5_unreadable_compile),
        "save as .keras, which reloads the compile setup",
    ),
    UpstreamFailure(
        KnownFailure(
            id="keras-v3-schedule-free-stale-slot",
            models="*",
            format="keras_v3",
            keras=">=3.14.0",  # ScheduleFreeAdamW is new in 3.14; the nightly has it too
            error="StateMismatch",
            match="optimizer variable: .* built by the reload with other values",
            explains="state: optimizer variable: * built by the reload*",
            reason="a model compiled with ScheduleFreeAdamW and saved before its first step "
            "reloads with the optimizer's slot started from the freshly initialised weights, "
            "not the saved ones: its first step trains differently "
            "(docs/reproducers/behaviour/keras_v3_schedule_free_stale_slot.py)",
        ),
        _compiled_with(_unbuilt("ScheduleFreeAdamW")),
        "take one training step before saving (or build the optimizer: "
        "model.optimizer.build(model.trainable_variables)), then save",
    ),
    UpstreamFailure(
        KnownFailure(
            id="jax-onnx-maxpool",
            models="*",
            format="onnx",
            keras=">=3.15.1",  # seen on 3.15.1 (jax 0.10.2, jax2onnx 0.17.1); older not run
            backend="jax",
            error="RoundTripError",
            match="MaxPool node.*Unsupported pooling size",
            explains="load: *",
            reason="a MaxPooling2D exported to ONNX on the jax backend (jax2onnx) is refused "
            "by onnxruntime ('Unsupported pooling size'); tf2onnx's export of the same model "
            "runs (docs/reproducers/deployment/jax_onnx_maxpool.py)",
        ),
        _layers_of(("MaxPooling2D",)),
        "export to ONNX from the tensorflow backend, or leave onnx out of the formats on jax",
    ),
    UpstreamFailure(
        _h5_entry(
            id="h5-loss-scale-optimizer-positional",
            keras=">=3.10.0",  # seen on 3.10.0, 3.13.2, 3.14.1, 3.15.1 and the nightly
            error="StateMismatch",
            match="optimizer variable: .* built by the reload with other values",
            explains="state: optimizer variable: *|training step: *",
            reason="legacy .h5 restores an unbuilt LossScaleOptimizer's saved variables by "
            "position onto the longer list a reload builds: its dynamic loss scale holds the "
            "inner optimizer's learning rate instead of 32768 "
            "(docs/reproducers/behaviour/h5_loss_scale_optimizer_positional.py)",
        ),
        _compiled_with(_unbuilt("LossScaleOptimizer")),
        "save as .keras, which restores the loss scale",
    ),
    *(_lost_setting_failure(lost) for lost in LOST_SETTINGS),
)
"""Every upstream defect the plugin knows for any model."""


def upstream_entry(entry_id: str) -> KnownFailure:
    """The built-in entry ``entry_id`` as it stands for any model: a project narrows it to
    its own models or scenarios (``dataclasses.replace``) instead of writing it again."""
    for known in UPSTREAM:
        if known.entry.id == entry_id:
            return known.entry
    raise KeyError(
        f"no built-in upstream entry {entry_id!r}; known: {[u.entry.id for u in UPSTREAM]}"
    )


def upstream_failures(model, fmt: str, keras_version: str, backend: str, table=None):
    """The entries of ``table`` (default :data:`UPSTREAM`) that apply to this case, each
    naming what in ``model`` triggers it."""
    from keras_gate.engine.runtime.object_state import one_walk

    found = []
    with one_walk():
        for known in UPSTREAM if table is None else table:
            if not known.entry.applies_to("*", fmt, keras_version, backend):
                continue
            entry = known.for_model(model)
            if entry is not None:
                found.append(entry)
    return tuple(found)
