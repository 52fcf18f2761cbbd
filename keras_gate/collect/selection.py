"""Selection checks: a ``-m`` or ``-k`` that names no model says which ones exist."""

from __future__ import annotations

import difflib
import re

import pytest

from keras_gate.collect.cases import CASE_KINDS
from keras_gate.engine.formats import all_formats

_EXPRESSION_WORDS = {"and", "or", "not", "True", "False"}


def check_marker_expression(config, gate_markers: dict[str, str]) -> None:
    """Reject ``-m`` expressions naming an unregistered marker (a typo selects nothing);
    a model named in its constructor's spelling gets its marker suggested."""
    expression = config.getoption("markexpr", default="") or ""
    registered = {
        re.split(r"[:(]", line, maxsplit=1)[0].strip() for line in config.getini("markers")
    }
    words = re.findall(r"[A-Za-z_]\w*", re.sub(r"\([^)]*\)", "", expression))
    unknown = sorted(set(words) - registered - _EXPRESSION_WORDS)
    if not unknown:
        return
    hints = []
    for name in unknown:
        if name.lower() in registered:
            hints.append(f"{name!r} is spelled {name.lower()!r} as a marker")
        else:
            close = difflib.get_close_matches(name.lower(), sorted(gate_markers), n=1)
            if close:
                hints.append(f"did you mean {close[0]!r} for {name!r}?")
    hint = f" ({'; '.join(hints)})" if hints else ""
    raise pytest.UsageError(
        f"-m {expression!r}: unknown marker(s) {', '.join(unknown)}{hint}. "
        f"The gate's markers: {', '.join(sorted(gate_markers))} (all: pytest --markers)."
    )


def keyword_selection_message(config, exitstatus: int, model_names: list[str]) -> str | None:
    """When ``-k`` left nothing to run, a line naming the models that exist.

    The exit status stays pytest's (5: no tests collected).
    """
    keyword = config.getoption("keyword", default="") or ""
    if not keyword or exitstatus != pytest.ExitCode.NO_TESTS_COLLECTED or not model_names:
        return None
    return f"-k {keyword!r} selected no case; the models are: {', '.join(model_names)}"


def gate_markers(config, entries) -> dict[str, str]:
    """Every marker known before collection, with its help text."""
    markers = {fmt.name: f"cases on {fmt.description}" for fmt in all_formats()}
    markers.update(CASE_KINDS)
    for entry in entries:
        markers[entry.marker] = f"cases of {entry.text}"
    for found in config.hook.pytest_keras_gate_markers(config=config):
        markers.update(found)
    return markers
