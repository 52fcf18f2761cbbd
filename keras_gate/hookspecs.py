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


@hookspec
def pytest_keras_gate_formats(config) -> list:
    """Return :class:`keras_gate.RoundTripFormat` objects: the project's own ways a
    model leaves Keras (save, load or copy, predict, what it carries, tolerance rows).

    Called in every process, the xdist controller included (a format's name is a
    marker and a test-id part there too): build nothing, import no framework. A
    registered format is one more name for ``formats=[...]``, markers and the
    known-failure ``format`` field (``docs/extending.md``, "A format").
    """


@hookspec
def pytest_keras_gate_weight_oracles(config) -> dict:
    """Return ``{name: oracle}``: ``oracle(model, weights_file, inputs) -> bool`` raises
    :class:`keras_gate.GroundTruthViolation` where a model contradicts its weight file
    and returns whether it found anything to check (``keras_gate.check_against_weights``
    runs each after the derived-state rules)."""
