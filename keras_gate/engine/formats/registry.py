"""Every format a run knows: the built-in :data:`FORMATS` and those projects register.

A project registers its own with the ``pytest_keras_gate_formats`` hook (the plugin
calls :func:`register_format` for each, in every process that runs cases) or by
calling :func:`register_format` itself; from then on its name is a marker, a test-id
part and a ``formats=[...]`` entry like any built-in one.
"""

from __future__ import annotations

import re

from keras_gate.api import did_you_mean
from keras_gate.engine.formats.builtin import FORMATS
from keras_gate.engine.formats.deployment import DEPLOYMENT_FORMATS
from keras_gate.engine.formats.keras_hub_preset import HUB_FORMATS
from keras_gate.engine.formats.protocol import RoundTripFormat

_REGISTERED: dict[str, RoundTripFormat] = {}

CORE_FORMATS: tuple[str, ...] = tuple(fmt.name for fmt in FORMATS if fmt.core)
"""The built-in formats a model gets unless it names its own (see :func:`core_formats`)."""


class FormatRegistrationError(ValueError):
    """A format that cannot be registered; the message names it and where it came from."""


def register_format(fmt: RoundTripFormat, origin: str = "") -> RoundTripFormat:
    """Add ``fmt`` to the run's formats (again with the same object: nothing happens)."""
    where = f"{origin}: " if origin else ""
    if not isinstance(fmt, RoundTripFormat):
        raise FormatRegistrationError(
            f"{where}expected a keras_gate.RoundTripFormat, got {type(fmt).__name__}"
        )
    if not re.fullmatch(r"[a-z][a-z0-9_]*", fmt.name):
        raise FormatRegistrationError(
            f"{where}format name {fmt.name!r}: a marker and test-id part, so lowercase "
            "letters, digits and '_' only"
        )
    taken = {f.name: f for f in (*FORMATS, *DEPLOYMENT_FORMATS, *HUB_FORMATS)} | _REGISTERED
    if fmt.name in taken and taken[fmt.name] is not fmt:
        raise FormatRegistrationError(f"{where}format {fmt.name!r} is already registered")
    _REGISTERED[fmt.name] = fmt
    return fmt


def unregister_format(name: str) -> None:
    """Forget a registered format (the plugin does this when its run ends)."""
    _REGISTERED.pop(name, None)


def all_formats() -> tuple[RoundTripFormat, ...]:
    """The built-in formats (Keras's own, the deployment runtimes', keras-hub's), then
    the registered ones, in registration order."""
    return (*FORMATS, *DEPLOYMENT_FORMATS, *HUB_FORMATS, *_REGISTERED.values())


def core_formats() -> tuple[str, ...]:
    """A model's formats unless it names its own: the built-in core ones and any
    registered format marked ``core``."""
    return tuple(fmt.name for fmt in all_formats() if fmt.core)


def get_format(name: str) -> RoundTripFormat:
    for fmt in all_formats():
        if fmt.name == name:
            return fmt
    raise KeyError(
        f"unknown format {name!r}{did_you_mean(name, _names())}; "
        f"known formats: {', '.join(_names())}"
    )


def check_format_names(names, where: str | None) -> tuple[str, ...]:
    """``names`` as a tuple; ``ValueError`` naming ``where`` (if the caller's own error
    does not already), the close match and the known formats."""
    known = _names()
    unknown = [name for name in names if name not in known]
    if unknown:
        named = ", ".join(repr(name) + did_you_mean(name, known) for name in unknown)
        where = f"{where}: " if where else ""
        raise ValueError(f"{where}unknown format(s) {named}; known formats: {', '.join(known)}")
    return tuple(names)


def _names() -> list[str]:
    return [fmt.name for fmt in all_formats()]
