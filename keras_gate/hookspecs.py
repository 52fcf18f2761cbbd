"""Hooks a project implements (in a conftest or plugin) to put its models in the gate.

The EfficientNet suite of this repository is built on these alone
(``fixtures/suite.py``).
"""

from __future__ import annotations

import pluggy

hookspec = pluggy.HookspecMarker("pytest")


@hookspec
def pytest_keras_gate_cases(config) -> list:
    """Return :class:`keras_gate.GateCase` objects for tests that request
    ``roundtrip_case`` or ``oracle_case`` (e.g. ``keras_gate.gate_tests.test_round_trip``
    imported into a test module).

    Called once per process that collects (an xdist worker, or the single
    process), never in the xdist controller: building nothing, it may still
    import a project's model code. Cases of equal ``build_key`` share one build.
    """


@hookspec
def pytest_keras_gate_known_failures(config) -> list:
    """Return :class:`keras_gate.KnownFailure` entries for the project's cases
    (strict xfails while ``--known-failures=on``)."""


@hookspec
def pytest_keras_gate_markers(config) -> dict:
    """Return ``{marker: help}`` for the markers the project's cases carry, so
    ``-m`` expressions and ``--strict-markers`` know them before collection."""


@hookspec
def pytest_keras_gate_model_names(config) -> list:
    """Return the names of the project's models (their test-id part), without
    importing or building anything: a ``-k`` that selects none lists them."""
