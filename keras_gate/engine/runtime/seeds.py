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
