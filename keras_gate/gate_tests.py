"""The gate's test functions. A project's test module imports them to run its cases::

    from keras_gate.gate_tests import test_round_trip  # noqa: F401

(the config matrix collects this module under the ini file). ``test_round_trip``
requests ``roundtrip_case``, ``test_load_artifact`` an ``artifact`` (only with
``--load-artifacts``); the plugin parametrizes both.
"""

import warnings

import pytest
from packaging.version import Version

from keras_gate.engine.built_model import predict_revived, reference_outputs
from keras_gate.engine.checks.failures import PredictionMismatch, StateMismatch
from keras_gate.engine.conditioning import CannotJudge
from keras_gate.engine.formats import FormatLimitation, FormatUnavailable, get_format
from keras_gate.engine.known_failures import KnownFailureReproduced, expected_failure
from keras_gate.engine.roundtrip import check_round_trip
from keras_gate.engine.runtime.memory import available_bytes
from keras_gate.engine.runtime.memory import shortfall as memory_shortfall
from keras_gate.engine.runtime.outputs import predict_outputs
from keras_gate.engine.runtime.versions import keras_backend, keras_version, stack_versions
from keras_gate.engine.tolerances import CROSS_VERSION, tolerance_for
from keras_gate.engine.upstream import upstream_failures
from keras_gate.report.artifacts import (
    ARTIFACT_VERDICTS,
    ArtifactMismatch,
    artifact_verdict,
    save_artifact,
    verify_hashes,
)
from keras_gate.report.record import XPASS_STRICT_PROPERTY, figure_properties


def test_round_trip(
    roundtrip_case,
    built_model,
    tmp_path,
    tolerance,
    record_property,
    artifact_target,
    pytestconfig,
):
    """The model saved and loaded back (or copied) predicts and holds what it did."""

    def record(differences):
        for name, value in figure_properties(differences):
            record_property(name, value)

    not_for = roundtrip_case.format.unsupported_model
    why = not_for(built_model.model) if not_for is not None else None
    if not why and pytestconfig.getoption("memory_guard") == "on":
        why = memory_shortfall(roundtrip_case.format, built_model.model, available_bytes())
    if why:
        pytest.skip(why)
    done_with_files = False  # passed, or failed as a known failure says
    notes = []  # what a check could not compare here, and why
    upstream = _upstream_entries(roundtrip_case, built_model, pytestconfig)
    for entry in upstream:
        record_property("known_failures", entry.name)
    try:
        with expected_failure(roundtrip_case.known_failures or upstream):
            try:
                differences = check_round_trip(
                    built_model,
                    roundtrip_case.format,
                    tmp_path,
                    tolerance,
                    # An expected failure's cause is in its table entry: save the eager passes.
                    localise_failure=not roundtrip_case.known_failures,
                    notes=notes,
                )
            except (PredictionMismatch, StateMismatch) as mismatch:
                record(mismatch.differences)  # the report shows failing figures too
                raise
            except FormatUnavailable as unavailable:  # a package it needs: not a verdict
                done_with_files = True
                pytest.skip(str(unavailable))
            except CannotJudge as not_judged:
                record(not_judged.differences)
                record_property("not_judged", str(not_judged))
                done_with_files = True
                pytest.skip(str(not_judged))
            except FormatLimitation as limitation:
                raw = pytestconfig.getoption("known_failures") == "off"
                if raw or any(e.matches(limitation) for e in roundtrip_case.known_failures):
                    raise  # raw, or a known failure of the project's: its entry decides
                record_property("limitation", str(limitation))
                pytest.xfail(str(limitation))
            record(differences)
        done_with_files = True
        due = _could_show(upstream, notes)
        if due:  # strict: the defect no longer shows on this release
            record_property(*XPASS_STRICT_PROPERTY)
            pytest.fail(_no_longer_shows(due), pytrace=False)
    except KnownFailureReproduced as known:
        done_with_files = True
        if upstream:  # the plugin's own entry: an xfail decided here, not by a marker
            xfailed = pytest.xfail.Exception(str(known))
            xfailed.entries = known.entries  # what the record reads (failure_properties)
            raise xfailed from known.__cause__
        raise
    except pytest.xfail.Exception:
        done_with_files = True
        raise
    finally:
        for note in notes:
            record_property("not_compared", note)
        # Whatever the verdict: a file the old release wrote is what the new one must read.
        if artifact_target is not None and roundtrip_case.format.file_name:
            _save_artifact(artifact_target, roundtrip_case, built_model, tmp_path)
        if done_with_files:
            _remove_saved_files(tmp_path)


def _upstream_entries(case, built, config) -> tuple:
    """The plugin's own upstream entries for this case (``engine.upstream``): where no
    entry of the project covers it, known failures are on, and its model has a trigger."""
    if case.known_failures or config.getoption("known_failures") == "off":
        return ()
    return upstream_failures(built.model, case.format.name, keras_version(), keras_backend())


def _could_show(entries, notes) -> list:
    """The entries whose defect a check that ran would have shown: one whose checks all
    said they did not compare this case (``not_compared``) cannot have shown it."""
    idle = {note.split(":", 1)[0] for note in notes}
    return [
        entry
        for entry in entries
        if any(p.split(":", 1)[0].strip() not in idle for p in entry.patterns("explains"))
    ]


def _no_longer_shows(entries) -> str:
    names = ", ".join(entry.name for entry in entries)
    return (
        f"[XPASS(strict)] the upstream defect {names} did not show on keras "
        f"{keras_version()}: the plugin's entry expected it for this model "
        "(keras_gate/engine/upstream.py); Keras may have fixed it"
    )


def _remove_saved_files(directory) -> None:
    """A passing case's saved model goes as soon as its checks are done, and so does a
    known failure's (its entry explains it, ``--repro-dir`` rebuilds it): a run's disk
    stays about one model's files, not the matrix's. A case that failed unexpectedly
    keeps its own; ``--save-artifacts`` has copied them by now."""
    import shutil

    for path in directory.iterdir():
        if path.is_dir():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)


def _save_artifact(target, case, built, tmp_path):
    fmt = case.format
    if not (tmp_path / fmt.file_name).exists():
        return  # the save itself failed: nothing to hand on
    try:
        revived = built.revived(fmt, tmp_path)
        revived_outputs = predict_revived(fmt, built, revived)
    except Exception:
        revived_outputs = None  # the saving release could not reload it either
    save_artifact(
        target,
        case=case.id,
        saved_in=tmp_path,
        file_name=fmt.file_name,
        inputs=built.inputs,
        outputs=reference_outputs(fmt, built),
        revived_outputs=revived_outputs,
        description={
            "model": case.model.name,
            "scenario": case.variant.id or "default",
            "compute_dtype": case.variant.compute_dtype,
            "probes": built.settings.probes,
            "format": fmt.name,
            "stack": stack_versions(),
            "weights": {"source": built.weight_source, "file": built.weights_file},
        },
    )


def test_load_artifact(artifact, device, record_property):
    """A file saved by another Keras (``--save-artifacts``) loads here and predicts the same."""
    fmt = get_format(artifact.format)
    saved_by = artifact.manifest["stack"]
    record_property("saved_by", saved_by)
    unsupported = fmt.unsupported_on(keras_backend())
    if unsupported:
        pytest.skip(unsupported)
    verify_hashes(artifact)
    here = f"keras {keras_version()} ({keras_backend()})"
    source = f"{artifact.path.name} written by keras {saved_by.get('keras')}"
    try:
        loaded = fmt.load(artifact.path)
    except Exception as error:
        first_line = str(error).strip().splitlines()[0] if str(error).strip() else ""
        message = f"{here} cannot load {source}: {type(error).__name__}: {first_line}"
        if artifact.outputs("revived_outputs") is None:
            pytest.xfail(f"[load_error] {message} (the saving release could not load it either)")
        if Version(keras_version()) < Version(saved_by.get("keras", "0")):
            # Keras promises to read older files, not newer ones: classified, not a failure.
            pytest.xfail(f"[load_error, older release] {message}")
        raise ArtifactMismatch("load_error", message) from error
    stored = artifact.outputs()
    if fmt.is_model:
        outputs = predict_outputs(loaded, artifact.inputs(), artifact.manifest.get("probes"))
    else:
        outputs = fmt.predict(loaded, artifact.inputs(), list(stored))
    dtype = artifact.manifest["compute_dtype"]
    tolerance = CROSS_VERSION if dtype == "float32" else tolerance_for(dtype, device.split(":")[0])
    verdict = artifact_verdict(artifact, outputs, tolerance)
    record_property("artifact_verdict", verdict)
    if verdict == "differs":
        raise ArtifactMismatch(verdict, f"{here} on {source}: {ARTIFACT_VERDICTS[verdict]}")
    if verdict == "same_as_saving_reload":
        # Not this release's doing, but the user must hear it: what they saw in
        # memory back then is not what their file holds.
        warnings.warn(f"{artifact.id}: {source}: {ARTIFACT_VERDICTS[verdict]}", stacklevel=1)
