"""The shop's own deployment format, registered with the gate (the plugin itself is
loaded by its entry point: nothing here loads it)."""

from shop_models.deploy_format import NPZ_WEIGHTS


def pytest_keras_gate_formats(config):
    """Formats this project adds: its serving path."""
    return [NPZ_WEIGHTS]
