"""The ``keras_roundtrip`` fixture's work: round-trip one model inside a user's test."""

from __future__ import annotations

from pathlib import Path

import pytest

from keras_gate.api import ModelSettings
from keras_gate.engine.built_model import prepare_model
from keras_gate.engine.checks.failures import PredictionMismatch, StateMismatch
from keras_gate.engine.conditioning import CannotJudge
from keras_gate.engine.formats import (
    FormatUnavailable,
    check_format_names,
    core_formats,
    get_format,
)
from keras_gate.engine.roundtrip import RoundTripResult, check_round_trip
from keras_gate.engine.runtime.memory import available_bytes, shortfall


def round_trip_model(
    model,
    directory: Path,
    *,
    inputs=None,
    formats=None,
    custom_objects=None,
    tolerance,
    memory_guard: bool = True,
    targets=None,
    record=lambda name, differences: None,
    note=lambda text: None,
) -> dict[str, RoundTripResult]:
    """Round-trip ``model`` through each of ``formats``; raise on the first that fails.
    With ``memory_guard``, a format measured to need more memory than is free skips the
    test, saying so (``engine.runtime.memory``). ``record(name, differences)`` is told
    each format as it starts (no differences yet) and its outputs' differences, failing
    ones too; ``note(text)`` what a check could not compare. ``targets``: the compiled
    loss's targets for ``inputs`` (default: derived from the loss)."""
    names = check_format_names(formats or core_formats(), "keras_roundtrip(formats=...)")
    settings = ModelSettings(custom_objects=custom_objects, targets=targets)
    built = prepare_model(model.name, model, inputs=inputs, settings=settings)
    results = {}
    for name in names:
        fmt = get_format(name)
        short = shortfall(fmt, model, available_bytes()) if memory_guard else None
        if short:
            pytest.skip(short)
        record(name, ())
        notes = []
        try:
            differences = check_round_trip(
                built, fmt, Path(directory) / name, tolerance, notes=notes
            )
        except (PredictionMismatch, StateMismatch) as mismatch:
            record(name, mismatch.differences)
            raise
        except FormatUnavailable as unavailable:  # a package it needs: not a verdict
            pytest.skip(str(unavailable))
        except CannotJudge as not_judged:  # neither a pass nor a failure: said so
            record(name, not_judged.differences)
            pytest.skip(str(not_judged))
        finally:
            for text in notes:
                note(f"{name}: {text}")
        record(name, differences)
        results[name] = RoundTripResult(name, tuple(differences))
    return results
