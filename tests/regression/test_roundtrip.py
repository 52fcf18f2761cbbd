"""The regression matrix: every model x format round trip predicts what it did before."""

from fixtures.comparison import PredictionMismatch
from fixtures.known_failures import expected_failure
from fixtures.roundtrip import check_round_trip


def test_round_trip(roundtrip_case, seed_model, tmp_path, tolerance, record_property):
    def record(differences):
        for difference in differences:
            record_property(f"max_abs_{difference.name}", difference.max_abs)
            record_property(f"max_rel_{difference.name}", difference.max_rel)

    with expected_failure(roundtrip_case.known_failure):
        try:
            differences = check_round_trip(
                seed_model,
                roundtrip_case.format,
                tmp_path,
                tolerance,
                # An expected failure's cause is in its table entry: save the eager passes.
                localise_failure=roundtrip_case.known_failure is None,
            )
        except PredictionMismatch as mismatch:
            record(mismatch.differences)  # the report shows failing figures too
            raise
        record(differences)
