"""A gate failure as a person reads it: the findings, the localisation and the
reproducer first, none of the gate's own frames.

pytest shows a failing test's traceback; for a gate case every frame below the user's
test is the gate's own machinery (110-150 lines before the findings). As pytest plugins
do (``__tracebackhide__``, ``pytrace=False``), the report keeps the user's frames, in
short form, and the gate's exception with its message; ``--fulltrace`` shows everything.
"""

from __future__ import annotations

import contextlib
from pathlib import Path

import _pytest
import pluggy

import keras_gate

_HIDDEN_ROOTS = tuple(
    Path(package.__file__).resolve().parent for package in (keras_gate, _pytest, pluggy)
)
"""The gate's frames, and pytest's and pluggy's that run a test (pytest cuts those at
the test function; a traceback filter replaces that cut, so it cuts them too)."""
_HIDDEN_FILES = (Path(contextlib.__file__).resolve(),)
"""The standard library's context-manager glue that the gate's ``with`` blocks add
(``contextlib.py: in __exit__``): no frame of the user's."""


def is_gate_exception(error: BaseException) -> bool:
    """An exception the gate raises as a verdict (its classes live in ``keras_gate``)."""
    return type(error).__module__.split(".")[0] == "keras_gate"


def _public_name(error: BaseException) -> str:
    kind = type(error)
    module = kind.__module__
    return kind.__name__ if module == "builtins" else f"{module}.{kind.__name__}"


def _hidden(path) -> bool:
    try:
        resolved = Path(path).resolve()
    except (TypeError, ValueError, OSError):
        return False
    return resolved in _HIDDEN_FILES or any(resolved.is_relative_to(r) for r in _HIDDEN_ROOTS)


def concise_longrepr(excinfo, config):
    """The failure's report without the gate's frames, or None to keep pytest's own
    (``--fulltrace``, ``--tb=no|line|native``, an exception that is not the gate's, or
    one this cannot render: the failure is shown either way, never lost)."""
    try:
        return _concise(excinfo, config)
    except Exception:  # noqa: BLE001
        return None


def _concise(excinfo, config):
    from _pytest._code.code import Traceback

    style = config.getoption("tbstyle", "auto")
    if (
        config.getoption("fulltrace", False)
        or style in ("no", "line", "native")
        or not is_gate_exception(excinfo.value)
    ):
        return None

    def outside_gate(info):
        return Traceback(
            [entry for entry in info.traceback.filter(info) if not _hidden(entry.path)]
        )

    user_frames = outside_gate(excinfo)
    if not len(user_frames):  # a matrix case: the test itself is the gate's
        found = excinfo.getrepr(style="value", chain=False)
        # Its message, under the exception's public name (PredictionMismatch,
        # RoundTripError, ...): what kind of failure it is, in one line.
        entry = found.reprtraceback.reprentries[-1]
        if entry.lines:
            entry.lines[0] = f"{_public_name(excinfo.value)}: {entry.lines[0]}"
        return found
    return excinfo.getrepr(
        style="short" if style == "auto" else style,
        tbfilter=outside_gate,
        chain=False,
        showlocals=config.getoption("showlocals", False),
    )
