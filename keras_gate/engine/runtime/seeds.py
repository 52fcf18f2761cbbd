"""Deterministic seeds, stable across runs, NumPy and Keras versions."""

from __future__ import annotations

import hashlib

import numpy as np

ROOT_SEED = "keras-serialization-gate/1"


def stable_seed(*identity: object) -> int:
    """A 32-bit seed derived from ``identity`` (no Python hash randomisation)."""
    text = "/".join([ROOT_SEED, *map(str, identity)])
    return int.from_bytes(hashlib.sha256(text.encode()).digest()[:4], "little")


def random_state(*identity: object) -> np.random.RandomState:
    """A legacy ``RandomState``: its stream is frozen by NumPy's compatibility policy."""
    return np.random.RandomState(stable_seed(*identity))


def build_seed(model: str, variant_id: str | None) -> int:
    """The seed a model's build starts from: the same in every run, worker and reproducer."""
    return stable_seed("build", model, variant_id or "default")


def seed_build(seed: int) -> None:
    """Seed Python's, NumPy's and the backend's global generators (Keras's
    ``set_random_seed``, as keras's own ``TestCase`` does) before a build: a factory that
    draws random weights draws the same ones in every run, so a chaotic model's verdict and
    its reproducer's model do not change from run to run."""
    import keras

    keras.utils.set_random_seed(seed)
