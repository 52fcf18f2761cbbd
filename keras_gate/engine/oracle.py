"""Ground-truth oracle: does a model compute what its own weights say it must?

Independent of any round trip, so it also catches the *equal but wrong* case
(keras 3.5.0: the in-memory EfficientNet and its ``.h5`` copy agree, and both
normalise with 0/1 instead of the ImageNet statistics in their weights).

Checks every layer's derived state against its stored weights
(``checks.derived_state``), then every weight oracle a project registered
(``pytest_keras_gate_weight_oracles``: the EfficientNet suite's stem oracle
computes the stem's output from the weight file in NumPy).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from keras_gate.engine.checks.derived_state import check_derived_state

_ORACLES: dict[str, Callable] = {}


class GroundTruthViolation(AssertionError):
    """A model's runtime behaviour contradicts its own stored weights."""


@dataclass(frozen=True)
class OracleVerdict:
    derived_checks: int
    """How many (layer, derived-state rule) pairs were checked."""
    oracles: tuple[str, ...] = ()
    """The registered weight oracles that found something to check on this model."""


def register_weight_oracle(name: str, oracle: Callable) -> None:
    """``oracle(model, weights_file, inputs) -> bool``: raises
    :class:`GroundTruthViolation` where the model contradicts its weight file, returns
    whether the model had anything for it to check."""
    if not callable(oracle):
        raise TypeError(f"weight oracle {name!r}: {oracle!r} is not callable")
    _ORACLES[name] = oracle


def unregister_weight_oracle(name: str) -> None:
    _ORACLES.pop(name, None)


def check_against_weights(model, weights_file: str, images) -> OracleVerdict:
    """Raise :class:`GroundTruthViolation` unless ``model`` computes what its weights say."""
    checked, mismatches = check_derived_state(model)
    if mismatches:
        raise GroundTruthViolation(
            f"{model.name}: derived state disagrees with stored weights:\n"
            + "\n".join(f"  {m}" for m in mismatches)
        )
    found = tuple(name for name, oracle in _ORACLES.items() if oracle(model, weights_file, images))
    return OracleVerdict(checked, found)
