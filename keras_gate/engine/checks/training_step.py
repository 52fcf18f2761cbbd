"""The training-step check: one seeded ``train_on_batch`` on the original and on its
reload must report the same loss and metrics and leave the same variables and optimizer
state: an optimizer or loss setting that the config forgot changes the next ``fit``."""

from __future__ import annotations

import numpy as np

from keras_gate.engine.checks.evaluate import (
    compiled,
    log_differences,
    logs_as_numbers,
    predictions_moved,
    targets_of,
)
from keras_gate.engine.checks.protocol import Check, Finding, first_line
from keras_gate.engine.checks.state import variable_differences
from keras_gate.engine.runtime.eager_steps import eager_steps
from keras_gate.engine.runtime.layer_tree import variable_values
from keras_gate.engine.runtime.seeds import stable_seed
from keras_gate.engine.runtime.targets import TargetsUndefined
from keras_gate.engine.runtime.trial import (
    every_variable,
    restored_afterwards,
    same_randomness,
    share_seed_states,
)


def _optimizer_values(model) -> dict:
    # By position, as Keras restores them (their names follow scope-dependent paths).
    return {f"#{i}": np.asarray(v) for i, v in enumerate(model.optimizer.variables)}


class TrainingStep(Check):
    """One seeded training step on both; compiled models whose optimizer has stepped,
    through formats that carry the optimizer state."""

    name = "training step"
    computes = True
    repro = """
    def reproduce(ctx):
        model, revived = ctx.model, ctx.revived
        if not getattr(model, "compiled", False) or not getattr(model.optimizer, "built", False):
            return []
        targets = derive_targets(model, ctx.inputs, stable_seed(MODEL_NAME))
        theirs = dict(layers(revived))
        for path, layer in layers(model):  # the same dropout masks for both
            other = getattr(theirs.get(path), "_seed_generators", ())
            for a, b in zip(getattr(layer, "_seed_generators", ()), other):
                b.state.assign(a.state)
        model.reset_metrics()  # a reload's metric state starts empty
        revived.reset_metrics()
        keras.utils.set_random_seed(1)
        ours = model.train_on_batch(ctx.inputs, targets, return_dict=True)
        keras.utils.set_random_seed(1)
        try:
            logs = revived.train_on_batch(ctx.inputs, targets, return_dict=True)
        except Exception as error:
            first = (str(error).strip().splitlines() or [""])[0]
            return [f"the step raised {type(error).__name__}: {first[:200]}"]
        lines = [f"{k}: {ours[k]} -> {logs.get(k)}" for k in ours
                 if k not in logs or not np.allclose(logs[k], ours[k], RTOL, ATOL)]
        lines += compare_weights(model, revived)
        mine = [np.asarray(v).tobytes() for v in model.optimizer.variables]
        if mine != [np.asarray(v).tobytes() for v in revived.optimizer.variables]:
            lines.append("optimizer variables differ after the step")
        return lines
    """

    def applies_to(self, fmt) -> bool:
        return fmt.is_model and fmt.carries_compile and fmt.carries_optimizer_state

    def findings(self, trip) -> list[Finding]:
        built, original, revived = trip.built, trip.built.model, trip.revived
        if built.next_step is not None:
            return []  # the model's own step: the next-step check
        if not (compiled(original) and compiled(revived)) or original.optimizer is None:
            return []
        if predictions_moved(trip, self.name):
            return []
        if not getattr(original.optimizer, "built", True):
            trip.notes.append(
                f"{self.name}: not run: the optimizer has not taken a step "
                "(a step would build it on the model under test)"
            )
            return []
        try:
            targets = targets_of(built)
        except TargetsUndefined as why:
            trip.notes.append(
                f"{self.name}: not compared: no targets ({why}); give "
                "@keras_gate.model(targets=...)"
            )
            return []
        seed = stable_seed(self.name, built.name)
        with restored_afterwards([*every_variable(original), *every_variable(revived)]):
            with eager_steps(original, revived):
                share_seed_states(original, revived)
                # Both from empty metric state, as fit starts each epoch: a file holds no
                # metric state, and keras <= 3.14.1's train_on_batch logs a running mean
                # over every earlier call of the model (a false "logs: loss" otherwise).
                original.reset_metrics()
                revived.reset_metrics()
                try:
                    with same_randomness(seed):
                        ours = original.train_on_batch(built.inputs, targets, return_dict=True)
                except Exception as error:
                    trip.notes.append(
                        f"{self.name}: not compared: the model as built raised {first_line(error)}"
                    )
                    return []
                try:
                    with same_randomness(seed):
                        theirs = revived.train_on_batch(built.inputs, targets, return_dict=True)
                except Exception as error:
                    return [Finding.raised(self.name, error)]
                lines = log_differences(
                    "logs", logs_as_numbers(ours), logs_as_numbers(theirs), trip.tolerance
                )
                lines += variable_differences(
                    "variable",
                    variable_values(original),
                    variable_values(revived),
                    trip.tolerance,
                )
                lines += variable_differences(
                    "optimizer variable",
                    _optimizer_values(original),
                    _optimizer_values(revived),
                    trip.tolerance,
                )
        return [Finding.of(self.name, line) for line in lines]
