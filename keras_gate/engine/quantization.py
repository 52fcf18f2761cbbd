"""Keras's ``model.quantize`` modes: one table for the suite's quantized scenarios and the
quantize-after-reload check."""

from __future__ import annotations

QUANTIZATION_MODES: dict[str, str] = {"int8": "3.1.0", "float8": "3.3.0", "int4": "3.11.0"}
"""Each mode and the first Keras release that has it."""


def available_modes() -> tuple[str, ...]:
    """The modes the installed Keras quantizes in."""
    from packaging.version import Version

    from keras_gate.engine.runtime.versions import keras_version

    here = Version(keras_version())
    return tuple(mode for mode, first in QUANTIZATION_MODES.items() if here >= Version(first))
