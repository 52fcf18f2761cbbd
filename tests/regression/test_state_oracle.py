"""Ground truth: each model, as built and as revived, computes what its weights say."""

import pytest

from keras_gate import check_against_weights, expected_failure


def test_state_oracle(oracle_case, built_model, tmp_path, record_property):
    with expected_failure(oracle_case.known_failures):
        model = (
            built_model.revived(oracle_case.format, tmp_path)
            if oracle_case.is_format
            else built_model.model
        )
        verdict = check_against_weights(model, built_model.weights_file, built_model.inputs)
    record_property("derived_state_checks", verdict.derived_checks)
    # The suite's stem oracle (fixtures/stem_oracle.py, registered in fixtures/suite.py).
    record_property("stem_checked", "stem" in verdict.oracles)
    if not verdict.derived_checks and not verdict.oracles:
        pytest.skip(
            f"{oracle_case.model.name} has no state derived from its weights "
            "and no stored-statistics stem: nothing for the oracle to check"
        )
