"""The settings check: every object's state after the reload, not only its config.

A constructor argument that ``get_config()`` forgets is absent from both configs; the
reloaded object has silently taken the default (``runtime.object_state``). A format's
declared config rewrites apply here too: they name the same settings.
"""

from __future__ import annotations

import json

from keras_gate.engine.checks.protocol import Check, Finding
from keras_gate.engine.runtime.object_state import RULES, Rule, object_state, state_differences


def _short(value) -> str:
    text = json.dumps(value, sort_keys=True, default=str)
    return text if len(text) <= 80 else text[:77] + "..."


def _rules(fmt) -> tuple[Rule, ...]:
    return RULES + tuple(
        Rule(pattern, f"{fmt.name} rewrites it") for pattern in fmt.config_rewrites
    )


class Settings(Check):
    """Each layer's, loss's, metric's and optimizer's attributes of plain value."""

    name = "settings"
    repro = """
    def reproduce(ctx):
        plain_types = (bool, int, float, str, type(None))
        nested = (keras.initializers.Initializer, keras.regularizers.Regularizer,
                  keras.constraints.Constraint, keras.losses.Loss, keras.metrics.Metric,
                  keras.optimizers.schedules.LearningRateSchedule)
        import inspect

        def arguments(cls):  # what the object was made with: its constructors' parameters
            names = set()
            for klass in cls.__mro__[:-1]:
                init = klass.__dict__.get("__init__")
                if init is not None:
                    names |= set(inspect.signature(init).parameters)
            return names - {"self", "args", "kwargs", "name"}

        def walk(obj, prefix, found, depth=0):
            values = dict(vars(obj))
            values.update(values.pop("_fn_kwargs", None) or {})  # a loss wrapper's arguments
            if "_learning_rate" in values:
                values["learning_rate"] = values.pop("_learning_rate")
            settings = arguments(type(obj))
            for key, value in sorted(values.items()):
                if key.startswith("_") or key not in settings:
                    continue
                if isinstance(obj, keras.initializers.Initializer) and key == "seed":
                    continue  # drawn from the process where none was given
                path = f"{prefix}.{key}"
                if isinstance(value, plain_types):
                    found[path] = value
                elif isinstance(value, (tuple, list)) and all(
                    isinstance(v, plain_types) for v in value
                ):
                    found[path] = list(value)
                elif isinstance(value, nested) and depth < 4:
                    found[path] = type(value).__name__
                    walk(value, path, found, depth + 1)
            return found

        def settings(model):
            found = {}
            for path, layer in layers(model):
                walk(layer, path, found)
            if getattr(model, "compiled", False) and isinstance(model.loss, keras.losses.Loss):
                walk(model.loss, "loss", found)
            return found

        ours, theirs = settings(ctx.model), settings(ctx.revived)
        both = [key for key in ours if key in theirs]  # one side only: set lazily
        return differences(
            "settings", {k: ours[k] for k in both}, {k: theirs[k] for k in both}
        )
    """

    def record(self, trip):
        return object_state(trip.built.model, trip.fmt.carries_compile, _rules(trip.fmt))

    def findings(self, trip) -> list[Finding]:
        revived = object_state(trip.revived, trip.fmt.carries_compile, _rules(trip.fmt))
        return [
            Finding(
                self.name,
                f"{path}: {_short(before)} -> {_short(after)}",
                path,
                path.rsplit(".", 1)[-1],
            )
            for path, before, after in state_differences(trip.recorded[self.name], revived)
        ]
