"""One round trip: save the built model, load it into a new object, run every check.

Every check of the registry (``engine.checks.CHECKS``) that applies to the format
runs on every case and reports what it found; one failure lists them all, so a
known failure can absorb exactly its own cause and nothing else.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from keras_gate.engine.built_model import BuiltModel, predict_revived, reference_outputs
from keras_gate.engine.checks import checks_for, findings_text
from keras_gate.engine.checks.failures import PredictionMismatch, StateMismatch
from keras_gate.engine.checks.predictions import OutputDifference, compare_outputs
from keras_gate.engine.checks.protocol import RoundTrip
from keras_gate.engine.conditioning import CannotJudge, judge_conditioning, judge_repeatability
from keras_gate.engine.formats import FormatLimitation, RoundTripError
from keras_gate.engine.localisation import localise
from keras_gate.engine.tolerances import Tolerance, judged_at


@dataclass(frozen=True)
class RoundTripResult:
    """What one format's round trip measured (it passed)."""

    format: str
    differences: tuple[OutputDifference, ...]

    @property
    def max_abs(self) -> float:
        return max((d.max_abs for d in self.differences), default=0.0)


def describe(built: BuiltModel, fmt) -> str:
    """``<model> [<variant>] via <format> (<weights>)``: how failures name the case."""
    variant = f" [{built.variant.id}]" if built.variant.id else ""
    unsafe = ", safe_mode off" if not built.settings.safe_mode else ""
    return f"{built.name}{variant} via {fmt.name} ({built.weight_source} weights{unsafe})"


def check_round_trip(
    built: BuiltModel,
    fmt,
    directory: Path,
    tolerance: Tolerance,
    localise_failure: bool = True,
    notes: list | None = None,
) -> list[OutputDifference]:
    """Round-trip ``built`` through ``fmt``; raise on any change a user could see.

    ``RoundTripError`` if the save, load or copy raised. Otherwise every check of
    ``fmt`` runs and a failure lists every finding: ``PredictionMismatch`` if the
    predictions moved (with localisation), else ``StateMismatch``.

    ``localise_failure=False`` skips localisation: for a known failure, whose
    cause is already in its known-failures entry. ``notes`` receives what a check
    could not compare on this model and why (``RoundTrip.notes``), failing or not.
    """
    tolerance = judged_at(tolerance, fmt, built)
    checks = checks_for(fmt)
    trip = RoundTrip(built, fmt, tolerance)
    for check in checks:
        trip.recorded[check.name] = check.record(trip)
    try:
        trip.revived = built.revived(fmt, directory)
    finally:
        # A save must leave the model it saved alone; if it did not, later
        # cases need a fresh build, even when the load then failed.
        for check in checks:
            trip.saved[check.name] = check.after_save(trip)
        if any(trip.saved.values()):
            built.tainted = f"saving through {fmt.name} changed it"
    if trip.revived is built.model:
        raise AssertionError(f"{fmt.name}: load returned the original object")
    expected = reference_outputs(fmt, built)
    try:
        predicted = predict_revived(fmt, built, trip.revived)
    except Exception as error:  # it loaded but cannot predict: the round trip broke it
        explanation = fmt.limitation(built.model, "predict", error) if fmt.limitation else None
        if explanation:  # unless the format documents that it cannot run this model
            raise FormatLimitation(fmt.name, "predict", error, explanation) from error
        raise RoundTripError(fmt.name, "predict", error) from error
    # A Keras model's outputs keep their tensor kind and dtype; a runtime's are values.
    trip.differences = compare_outputs(expected, predicted, tolerance, exact_type=fmt.is_model)
    findings = [finding for check in checks for finding in check.findings(trip)]
    if notes is not None:
        notes.extend(trip.notes)
    if not findings:
        return trip.differences
    predictions_moved = any(f.check == "predictions" for f in findings)
    if predictions_moved:
        why = judge_repeatability(expected, lambda: _expected_again(fmt, built), trip.tolerance)
        if why:  # what it computes is noise: only what it holds can still be judged
            computed = {check.name for check in checks if check.computes}
            findings = [finding for finding in findings if finding.check not in computed]
            if notes is not None:
                notes.append(f"{', '.join(sorted(computed))}: not compared: {why}")
            if not findings:
                raise CannotJudge(f"{describe(built, fmt)}: not judged: {why}", trip.differences)
            predictions_moved = False
    if predictions_moved and fmt.deployment:
        # Another runtime's kernels, judged within a tolerance: only where the model's
        # own float32 noise is below it (engine/conditioning.py).
        judge_conditioning(built, expected, tolerance, fmt.name, trip.differences)
    headline = "revived model predicts differently" if predictions_moved else "round trip changed"
    message = f"{describe(built, fmt)}: {headline} ({tolerance})\n{findings_text(findings)}"
    if predictions_moved and fmt.is_model and localise_failure:
        # Localisation costs two eager passes: only failing cases pay for it.
        message += "\n" + localise(built.model, trip.revived, built.inputs, tolerance)
    error = PredictionMismatch if predictions_moved else StateMismatch
    raise error(message, trip.differences, findings)


def _expected_again(fmt, built: BuiltModel) -> dict:
    """What ``reference_outputs`` gave, computed afresh from the model as built."""
    if fmt.reference is not None:
        return reference_outputs(fmt, built)
    return built.predict(built.model)
