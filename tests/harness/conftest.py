"""Shared fixtures of the harness self-tests: a private cache and a built EfficientNetB0."""

import os
from pathlib import Path

import pytest

from fixtures.model_registry import get_model
from fixtures.synthetic_weights import SyntheticWeights
from keras_gate.engine.runtime.weight_cache import WeightCache

HERE = Path(__file__).parent


def pytest_collection_modifyitems(items):
    # Every self-test carries the `harness` marker, so `-m "harness or quick"`
    # selects the self-tests plus the quick tier.
    for item in items:
        if item.path.is_relative_to(HERE):
            item.add_marker(pytest.mark.harness)
        if {"b0_seed_model", "b0_reference"} & set(getattr(item, "fixturenames", ())):
            # One xdist worker builds the session's EfficientNetB0, not each.
            item.add_marker(pytest.mark.xdist_group("harness-b0"))
        elif shared := _module_fixture(item):
            # A module's fixture is made once per process: its tests share one worker
            # (a project run twice costs 7 s when two workers each make it).
            item.add_marker(pytest.mark.xdist_group(f"{item.module.__name__}-{shared}"))


def _module_fixture(item) -> str | None:
    """The first module-scoped fixture ``item`` uses, if any."""
    info = getattr(item, "_fixtureinfo", None)
    for name in getattr(item, "fixturenames", ()):
        definitions = info.name2fixturedefs.get(name) if info else None
        if definitions and definitions[-1].scope == "module":
            return name
    return None


@pytest.fixture(scope="session")
def private_synthetic_weights(tmp_path_factory):
    """Synthetic weights in a fresh cache, so self-tests never read the user's cache; one
    per run, shared by its xdist workers (the cache's lock makes each file once)."""
    root = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        root = root.parent  # the run's directory, above each worker's own
    return SyntheticWeights(WeightCache(root / "harness-weight-cache"))


@pytest.fixture(scope="session")
def b0_spec():
    return get_model("EfficientNetB0")


@pytest.fixture(scope="session")
def b0_seed_model(b0_spec, private_synthetic_weights):
    """EfficientNetB0 with the seed's head on synthetic weights, built once."""
    from fixtures.seed_model import build_seed_model

    return build_seed_model(b0_spec, "synthetic", private_synthetic_weights)


@pytest.fixture(scope="session")
def b0_reference(b0_seed_model, tmp_path_factory):
    """EfficientNetB0 whose state is right on every Keras: the `.keras`-revived copy.

    On Keras < 3.6 the model built in memory has stale Normalization state
    (keras#20147); fault-injection tests need a correct original to perturb.
    """
    from dataclasses import replace

    from keras_gate import get_format

    revived = get_format("keras_v3").round_trip(
        b0_seed_model.model, tmp_path_factory.mktemp("b0-reference")
    )
    return replace(
        b0_seed_model, model=revived, outputs=b0_seed_model.predict(revived), _revived={}
    )
