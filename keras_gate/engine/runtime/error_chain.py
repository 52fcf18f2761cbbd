"""An error and the errors behind it, as the gate reads them for a verdict."""

from __future__ import annotations

import re

LIMIT = 16
"""A chain is short; a cycle must not hang the run."""


def error_chain(error: BaseException | None) -> list[BaseException]:
    """``error``, then what it was raised from (``__cause__``) or raised while handling
    (``__context__``), and so on. Keras re-raises a layer's error as "Exception
    encountered when calling X.call()" while handling it, and jax raises its own error
    from the one that says what went wrong: the defect's words are further down."""
    chain: list[BaseException] = []
    while error is not None and len(chain) < LIMIT:
        chain.append(error)
        error = error.__cause__ or error.__context__
    return chain


def chain_text(error: BaseException) -> str:
    """Every message of :func:`error_chain`, one after another, without terminal colours
    (Keras's messages bold the inner error)."""
    return "\n".join(re.sub(r"\x1b\[[0-9;]*m", "", str(each)) for each in error_chain(error))
