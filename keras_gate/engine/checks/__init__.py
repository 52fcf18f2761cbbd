"""The checks of a round trip: one module each, one line each in :data:`CHECKS`.

The order of :data:`CHECKS` is the order they run in and the order a failure lists
their findings in. A new check: a module with a :class:`~keras_gate.engine.checks.
protocol.Check` subclass, and its line here (``docs/extending.md``, "A check").
"""

from __future__ import annotations

from keras_gate.engine.checks.configs import Configs
from keras_gate.engine.checks.derived_state import DerivedState
from keras_gate.engine.checks.evaluate import Evaluate
from keras_gate.engine.checks.load import Load
from keras_gate.engine.checks.next_step import NextStep
from keras_gate.engine.checks.original import Original
from keras_gate.engine.checks.predictions import Predictions
from keras_gate.engine.checks.preprocessing import Preprocessing
from keras_gate.engine.checks.protocol import Check, Finding
from keras_gate.engine.checks.quantize_after_reload import QuantizeAfterReload
from keras_gate.engine.checks.settings import Settings
from keras_gate.engine.checks.signature import Signature
from keras_gate.engine.checks.state import State
from keras_gate.engine.checks.training_pass import TrainingPass
from keras_gate.engine.checks.training_step import TrainingStep
from keras_gate.engine.checks.variables import Variables

CHECKS: tuple[Check, ...] = (
    Load(),
    Variables(),
    Configs(),
    Settings(),
    Predictions(),
    Signature(),
    Preprocessing(),
    DerivedState(),
    State(),
    Original(),
    TrainingPass(),
    Evaluate(),
    NextStep(),
    TrainingStep(),
    QuantizeAfterReload(),
)
"""Every check of a round trip, in the order a failure lists their findings."""

CHECK_NAMES: tuple[str, ...] = tuple(check.name for check in CHECKS)


def checks_for(fmt) -> tuple[Check, ...]:
    """The checks a round trip through ``fmt`` runs."""
    return tuple(check for check in CHECKS if check.applies_to(fmt))


def findings_text(findings, shown: int = 5) -> str:
    """The findings grouped by check (registry order), one indented line each; of each
    kind of difference (check and ``what``) the first ``shown``, then how many more."""
    order = {name: i for i, name in enumerate(CHECK_NAMES)}
    ranked = sorted(findings, key=lambda f: order.get(f.check, len(order)))
    lines, counts = [], {}
    for finding in ranked:
        group = (finding.check, finding.what)
        counts[group] = counts.get(group, 0) + 1
        if counts[group] <= shown:
            lines.append(f"  {finding}")
    for (check, what), count in counts.items():
        if count > shown:
            lines.append(f"  {check}: ... {count - shown} more {what or 'findings'}")
    return "\n".join(lines)


__all__ = ["CHECKS", "CHECK_NAMES", "Check", "Finding", "checks_for", "findings_text"]
