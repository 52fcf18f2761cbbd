"""The original check: saving a model must leave the model it saved alone (its compile
config and its state), or every later case of that model would test something else."""

from __future__ import annotations

from keras_gate.engine.checks.protocol import Check, Difference, Finding
from keras_gate.engine.checks.state import compile_config, model_state, state_differences


class Original(Check):
    """The saved model after the save (or a failed save or load), against before it."""

    name = "original"
    repro = """
    def reproduce(ctx):
        lines = differences("changed by saving", ctx.before_state, state(ctx.model))
        before, after = ctx.before_compile, compile_config(ctx.model)
        lines += [f"changed by saving: compile config lost {k!r}" for k in before if k not in after]
        changed = [k for k in before if k in after and before[k] != after[k]]
        return lines + [f"changed by saving: compile config {k!r} changed" for k in changed]
    """

    def applies_to(self, fmt) -> bool:
        return True

    def record(self, trip):
        return compile_config(trip.built.model), trip.before("model state", model_state)

    def after_save(self, trip) -> list[Finding]:
        config_before, state_before = trip.recorded[self.name]
        model = trip.built.model
        lines = []
        config_after = compile_config(model)
        for key in sorted(set(config_before) | set(config_after)):
            if key not in config_after:
                lines.append(Difference(f"compile config lost {key!r}", key, "compile config lost"))
            elif config_before.get(key) != config_after[key]:
                lines.append(Difference(f"compile config {key!r} changed", key, "compile config"))
        lines += state_differences(
            state_before, model_state(model), trip.tolerance, optimizer_state=False
        )
        return [Finding.of(self.name, line, "changed by saving: ") for line in lines]
