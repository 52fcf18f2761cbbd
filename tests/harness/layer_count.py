"""A check as docs/how-to/extending.md shows one ("A check"): the harness registers it the
way ``CHECKS`` lists one (``test_architecture.py``)."""

from keras_gate.engine.checks.protocol import Check, Finding


class LayerCount(Check):
    """The reload has as many layers as the model it was saved from."""

    name = "layer count"  # the findings' kind: `explains = "layer count: *"`
    repro = """
def reproduce(ctx):
    return [] if len(ctx.model.layers) == len(ctx.revived.layers) else ["layer count"]
"""  # the same check in plain Keras, for the standalone reproducer

    def applies_to(self, fmt):  # default: every format that gives back a Keras model
        return fmt.is_model

    def record(self, trip):  # before the save; kept as trip.recorded[name]
        return len(trip.built.model.layers)

    def findings(self, trip):  # after the load: trip.revived, trip.differences, ...
        before, after = trip.recorded[self.name], len(trip.revived.layers)
        return [Finding(self.name, f"{before} layers -> {after}")] if before != after else []
