"""Files saved by another Keras (``--save-artifacts``) load here and predict the same."""

import fixtures.subclassed_model  # noqa: F401  (registers the subclassed wrapper)
from keras_gate.gate_tests import test_load_artifact  # noqa: F401
