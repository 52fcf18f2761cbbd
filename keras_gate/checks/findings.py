"""What a round trip changed: one :class:`Finding` per difference, named by its check.

Every check runs on every case and reports findings; a known-failure entry
explains some of them (``KnownFailure.explains``), and anything it does not
explain fails the case.
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass

CHECKS = (
    "load",
    "variables",
    "configs",
    "predictions",
    "derived state",
    "state",
    "original",
    "next step",
)
"""The round trip's checks, in the order a failure lists them."""


@dataclass(frozen=True)
class Finding:
    """One difference: which check saw it, and what it is."""

    check: str
    text: str

    def __str__(self) -> str:
        return f"{self.check}: {self.text}"

    def matches(self, patterns: str) -> bool:
        """Whether ``check: text`` matches one of the ``|``-joined fnmatch patterns."""
        return any(fnmatch.fnmatchcase(str(self), p.strip()) for p in patterns.split("|"))


def findings_text(findings) -> str:
    """The findings grouped by check, one indented line each."""
    order = {check: i for i, check in enumerate(CHECKS)}
    ranked = sorted(findings, key=lambda f: order.get(f.check, len(order)))
    return "\n".join(f"  {finding}" for finding in ranked)
