"""Root conftest: the EfficientNet suite, built on the keras_gate plugin.

keras_gate itself is active through its pytest11 entry point once installed
(``pip install -e .``).
"""

pytest_plugins = ["fixtures.suite"]
