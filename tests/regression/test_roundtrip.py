"""The regression matrix: every model x scenario x format round trip keeps what it had."""

from fixtures.artifacts import save_artifact
from fixtures.comparison import PredictionMismatch
from fixtures.known_failures import expected_failure
from fixtures.model_state import StateMismatch
from fixtures.roundtrip import check_round_trip
from fixtures.seed_model import predict_revived, reference_outputs
from fixtures.stack_versions import stack_versions


def test_round_trip(
    roundtrip_case, seed_model, tmp_path, tolerance, record_property, artifact_target
):
    def record(differences):
        for difference in differences:
            record_property(f"max_abs_{difference.name}", difference.max_abs)
            record_property(f"max_rel_{difference.name}", difference.max_rel)

    try:
        with expected_failure(roundtrip_case.known_failures):
            try:
                differences = check_round_trip(
                    seed_model,
                    roundtrip_case.format,
                    tmp_path,
                    tolerance,
                    # An expected failure's cause is in its table entry: save the eager passes.
                    localise_failure=not roundtrip_case.known_failures,
                )
            except (PredictionMismatch, StateMismatch) as mismatch:
                record(mismatch.differences)  # the report shows failing figures too
                raise
            record(differences)
    finally:
        # Whatever the verdict: a file the old release wrote is what the new one must read.
        if artifact_target is not None and roundtrip_case.format.file_name:
            _save_artifact(artifact_target, roundtrip_case, seed_model, tmp_path)


def _save_artifact(target, case, seed_model, tmp_path):
    fmt = case.format
    if not (tmp_path / fmt.file_name).exists():
        return  # the save itself failed: nothing to hand on
    try:
        revived = seed_model.revived(fmt, tmp_path)
        revived_outputs = predict_revived(fmt, revived, seed_model.inputs)
    except Exception:
        revived_outputs = None  # the saving release could not reload it either
    save_artifact(
        target,
        case=case.id,
        saved_in=tmp_path,
        file_name=fmt.file_name,
        inputs=seed_model.inputs,
        outputs=reference_outputs(fmt, seed_model),
        revived_outputs=revived_outputs,
        description={
            "model": case.model.constructor,
            "scenario": case.scenario.id or "default",
            "compute_dtype": case.scenario.dtype.compute_dtype,
            "format": fmt.name,
            "stack": stack_versions(),
            "weights": {"source": seed_model.weights.source, "file": seed_model.weights.path},
        },
    )
