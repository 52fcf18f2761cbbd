"""Files saved by another Keras (``--save-artifacts``) load here and predict the same."""

import pytest

from keras_gate.gate_tests import test_load_artifact  # noqa: F401


@pytest.fixture(autouse=True)
def _subclassed_wrapper_registered():
    # Imported here, not at module level: it imports Keras, which collection never needs.
    import fixtures.subclassed_model  # noqa: F401
