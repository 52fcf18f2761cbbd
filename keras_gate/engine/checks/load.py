"""The load check: the save, the load (or the in-memory copy) and the first prediction
of what came back must not raise.

The round trip itself runs these stages (``RoundTripFormat.round_trip``); a stage
that raises ends the case as a :class:`keras_gate.RoundTripError` naming the stage,
with Keras's error as its cause. This entry gives the finding kind its place in the
registry: known failures name it (``explains = "load: *"``), reproducers repeat it.
"""

from __future__ import annotations

from keras_gate.engine.checks.protocol import Check


class Load(Check):
    """Save, load or copy, and predict, without an exception (every format)."""

    name = "load"
    repro = """
    def reproduce(ctx):
        return ctx.load_error  # the save, load or first prediction raised (main() tried it)
    """

    def applies_to(self, fmt) -> bool:
        return True
