"""Formats: the protocol (``protocol``), the built-in tables (``builtin``: Keras's own;
``deployment``: other runtimes; ``keras_hub_preset``: keras-hub's presets) and the run's
registry (``registry``: built-in plus what projects register)."""

from keras_gate.engine.formats.builtin import FORMATS, export_format
from keras_gate.engine.formats.deployment import DEPLOYMENT_FORMATS
from keras_gate.engine.formats.keras_hub_preset import HUB_FORMATS
from keras_gate.engine.formats.protocol import (
    FormatLimitation,
    FormatUnavailable,
    RoundTripError,
    RoundTripFormat,
)
from keras_gate.engine.formats.registry import (
    CORE_FORMATS,
    FormatRegistrationError,
    all_formats,
    check_format_names,
    core_formats,
    get_format,
    register_format,
    unregister_format,
)

__all__ = [
    "CORE_FORMATS",
    "DEPLOYMENT_FORMATS",
    "FORMATS",
    "FormatLimitation",
    "FormatRegistrationError",
    "FormatUnavailable",
    "HUB_FORMATS",
    "RoundTripError",
    "RoundTripFormat",
    "all_formats",
    "check_format_names",
    "core_formats",
    "export_format",
    "get_format",
    "register_format",
    "unregister_format",
]
