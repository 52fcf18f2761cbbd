"""What projects add to the engine through the hooks: formats and weight oracles.

Registered in every process that collects or runs cases (the controller too: a
format's name is a marker there), and forgotten when the run ends.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from keras_gate.engine.formats import register_format, unregister_format
from keras_gate.engine.oracle import register_weight_oracle, unregister_weight_oracle


@dataclass
class Registered:
    formats: list[str] = field(default_factory=list)
    oracles: list[str] = field(default_factory=list)


def register_extensions(config) -> Registered:
    """Register every project's formats (``pytest_keras_gate_formats``) and weight
    oracles (``pytest_keras_gate_weight_oracles``); ``ValueError`` naming a bad one."""
    done = Registered()
    try:
        for formats in config.hook.pytest_keras_gate_formats(config=config):
            for fmt in formats:
                register_format(fmt, origin="pytest_keras_gate_formats")
                done.formats.append(fmt.name)
        for oracles in config.hook.pytest_keras_gate_weight_oracles(config=config):
            for name, oracle in dict(oracles).items():
                register_weight_oracle(name, oracle)
                done.oracles.append(name)
    except Exception:
        unregister_extensions(done)
        raise
    return done


def unregister_extensions(done: Registered | None) -> None:
    if done is None:
        return
    for name in done.formats:
        unregister_format(name)
    for name in done.oracles:
        unregister_weight_oracle(name)
