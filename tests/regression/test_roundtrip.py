"""The regression matrix: every model x scenario x format round trip keeps what it had."""

from keras_gate.gate_tests import test_round_trip  # noqa: F401
