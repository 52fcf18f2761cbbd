"""Root conftest: loads the gate's pytest plugin (options, markers, fixtures)."""

pytest_plugins = ["fixtures.plugin"]
