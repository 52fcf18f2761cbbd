"""The next-step check: a model saved mid-training takes one more identical step after
the reload and must end where the original does."""

from __future__ import annotations

from keras_gate.engine.checks.protocol import Check, Finding
from keras_gate.engine.checks.state import variable_differences
from keras_gate.engine.runtime.eager_steps import eager_steps
from keras_gate.engine.runtime.layer_tree import variable_values
from keras_gate.engine.runtime.trial import restored_afterwards, share_seed_states
from keras_gate.engine.tolerances import Tolerance


def next_step_differences(original, revived, step, tolerance: Tolerance) -> list[str]:
    """Both models take the identical ``step(model)``; the variables that then differ.

    ``revived`` gets ``original``'s seed-generator states first (identical dropout);
    ``original`` is restored afterwards (other cases share it). Both step eagerly
    (``runtime.eager_steps``): one code path, no traced step per reload.
    """
    share_seed_states(original, revived)
    with restored_afterwards([*original.variables, *original.optimizer.variables]):
        with eager_steps(original, revived):
            step(original)
            step(revived)
        return variable_differences(
            "variable", variable_values(original), variable_values(revived), tolerance
        )


class NextStep(Check):
    """One more identical training step on both; only where the optimizer state comes back."""

    name = "next step"
    computes = True
    repro = """
    def reproduce(ctx):
        step = globals().get("next_step")  # the model source's, for a model saved mid-training
        model, revived = ctx.model, ctx.revived
        if step is None or not getattr(model, "compiled", False):
            return []
        theirs = dict(layers(revived))
        for path, layer in layers(model):  # the same dropout masks for both
            other = getattr(theirs.get(path), "_seed_generators", ())
            for a, b in zip(getattr(layer, "_seed_generators", ()), other):
                b.state.assign(a.state)
        step(model)
        try:
            step(revived)
        except Exception as error:  # the step itself fails on the reload
            first = (str(error).strip().splitlines() or [""])[0]
            return [f"the step raised {type(error).__name__}: {first[:200]}"]
        lines = compare_weights(model, revived)
        ours = [np.asarray(v).tobytes() for v in model.optimizer.variables]
        if ours != [np.asarray(v).tobytes() for v in revived.optimizer.variables]:
            lines.append("optimizer variables differ after the step")
        return lines
    """

    def applies_to(self, fmt) -> bool:
        return fmt.is_model and fmt.carries_optimizer_state

    def findings(self, trip) -> list[Finding]:
        step = trip.built.next_step
        if step is None:
            return []
        try:
            lines = next_step_differences(trip.built.model, trip.revived, step, trip.tolerance)
        except Exception as error:  # the step itself failed on the revived model
            return [Finding.raised(self.name, error)]
        return [Finding.of(self.name, line) for line in lines]
