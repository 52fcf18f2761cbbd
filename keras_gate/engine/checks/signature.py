"""The signature check: an exported artifact serves the inputs and outputs the model
declares (names, dtypes, shapes with the batch dimension), or the ``input_signature``
the export was given (``keras_gate.export_format``)."""

from __future__ import annotations

from keras_gate.engine.checks.protocol import Check, Finding
from keras_gate.engine.runtime.outputs import has_graph
from keras_gate.engine.runtime.signatures import model_signature, signature_differences


class Signature(Check):
    """The served signature against the declared one; formats that can read theirs."""

    name = "signature"
    repro = """
    def reproduce(ctx):
        served = getattr(getattr(ctx.revived, "_reloaded_obj", None), "serve", None)
        if served is None:
            return []
        specs = [(tuple(s.shape), s.dtype.name) for s in served.input_signature]
        model = [(tuple(t.shape), str(t.dtype)) for t in keras.tree.flatten(ctx.model.inputs)]
        return [f"input {i}: {a} -> {b}" for i, (a, b) in enumerate(zip(model, specs)) if a != b]
    """

    def applies_to(self, fmt) -> bool:
        return fmt.signature is not None

    def record(self, trip):
        given = trip.fmt.export_arguments.get("input_signature")
        if given is None and not has_graph(trip.built.model):
            return None  # a subclassed model declares no inputs: nothing to hold it to
        return model_signature(trip.built.model, given)

    def findings(self, trip) -> list[Finding]:
        declared = trip.recorded[self.name]
        if declared is None:
            trip.notes.append(
                f"{self.name}: not compared: the model declares no inputs (a subclassed "
                "model); give the export an input_signature (keras_gate.export_format)"
            )
            return []
        served = trip.fmt.signature(trip.revived)
        lines = signature_differences(declared, served)
        return [Finding.of(self.name, line) for line in lines]
