"""What a check is: a name, the formats it applies to, what it records on the model as
built, and the findings it returns for one round trip.

A check is one module under ``keras_gate/engine/checks/`` with one :class:`Check`
subclass, and one line in the registry (``checks/__init__.py: CHECKS``). The round
trip (``engine.roundtrip``) runs the registry; a format's checks
(``RoundTripFormat.checks``), the order a failure lists findings in, the known
failures' signatures and the reproducer's sections all come from it.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

_FIGURES = re.compile(r"[-+]?\d+(\.\d+)?(e[-+]?\d+)?")


class Difference(str):
    """One line of a comparison, with what it is about: ``where`` (the layer, variable,
    output or setting) and ``what`` differs about it (``values``, ``dtype policy``,
    ``missing``), without the figures that move from release to release."""

    where: str
    what: str

    def __new__(cls, text: str, where: str = "", what: str = ""):
        line = super().__new__(cls, text)
        line.where, line.what = where, what
        return line


def first_line(error: BaseException) -> str:
    """``Type: first line`` of an error, for a finding or a note."""
    text = next((line.strip() for line in str(error).splitlines() if line.strip()), "")
    return f"{type(error).__name__}: {text[:200]}"


@dataclass(frozen=True)
class Finding:
    """One difference: which check saw it, what it is, and where (structured)."""

    check: str
    text: str
    where: str = ""
    """The layer, variable, output or setting that differs (empty: the whole model)."""
    what: str = ""
    """What about it differs, without figures (``values``, ``axis``, ``missing``)."""

    @classmethod
    def of(cls, check: str, line, prefix: str = "") -> Finding:
        """A finding of ``check`` from a :class:`Difference` (or a plain line)."""
        return cls(check, f"{prefix}{line}", getattr(line, "where", ""), getattr(line, "what", ""))

    @classmethod
    def raised(cls, check: str, error: BaseException) -> Finding:
        """The finding of a step that raised on the reload where the original did not."""
        return cls(check, f"raised {first_line(error)}", what=f"raised {type(error).__name__}")

    def __str__(self) -> str:
        return f"{self.check}: {self.text}"

    @property
    def key(self) -> tuple[str, str, str]:
        """The finding's identity from release to release: its check, where and what
        (figures move, they are not part of it); a finding that names neither is
        known by its text with the figures taken out."""
        if self.where or self.what:
            return (self.check, self.where, self.what)
        return (self.check, "", _FIGURES.sub("#", self.text))

    def matches(self, patterns: Iterable[str] | str) -> bool:
        """Whether ``check: text`` matches one of the fnmatch ``patterns`` (a string is
        one pattern)."""
        if isinstance(patterns, str):
            patterns = (patterns,)
        return any(fnmatch.fnmatchcase(str(self), pattern) for pattern in patterns)

    def as_json(self) -> dict:
        return {"check": self.check, "text": self.text, "where": self.where, "what": self.what}


@dataclass
class RoundTrip:
    """What the checks see of one round trip."""

    built: object
    """The :class:`keras_gate.BuiltModel` (its model is the original)."""
    fmt: object
    """The :class:`keras_gate.RoundTripFormat`."""
    tolerance: object
    recorded: dict = field(default_factory=dict)
    """Check name -> what :meth:`Check.record` returned before the save."""
    saved: dict = field(default_factory=dict)
    """Check name -> what :meth:`Check.after_save` returned (findings on the original)."""
    revived: object = None
    """What the format gave back (None while the save or load has not succeeded)."""
    differences: list = field(default_factory=list)
    """Every output's :class:`OutputDifference`, passing ones too (the predictions)."""
    notes: list = field(default_factory=list)
    """What a check could not compare on this model, and why (``evaluate: not compared:
    ...``): said in the record, never a verdict."""
    _before: dict = field(default_factory=dict, repr=False)

    def before(self, name: str, compute):
        """``compute(original)`` before the save, once per round trip: a snapshot that
        several checks compare against (the model state) is taken once."""
        if name not in self._before:
            self._before[name] = compute(self.built.model)
        return self._before[name]


class Check:
    """One check of a round trip. Subclasses set :attr:`name` and override what they use."""

    name: str = ""
    """The findings' kind (``variables``): marker-free, shown in failures, matched by the
    ``explains`` patterns of known failures (``variables: *``)."""
    repro: str = ""
    """This check in plain Keras for a standalone reproducer (``report.repro``): the source
    of ``def reproduce(ctx):`` returning its findings as lines, empty where none. ``ctx``
    has ``model``, ``revived``, ``inputs``, ``before`` (the outputs), ``before_state``,
    ``before_compile`` and ``load_error``; the file's helpers (``outputs``, ``layers``,
    ``compare_weights``, ``state``, ``differences``, ...) are in scope. Every check of the
    registry has one."""

    computes: bool = False
    """Whether its findings are values the model computes (outputs, losses, updated
    variables): meaningless where the model as built does not compute the same values
    twice (``conditioning.judge_repeatability``)."""

    def applies_to(self, fmt) -> bool:
        """Whether a round trip through ``fmt`` runs this check (from what the format
        promises): by default, whenever it gives back a Keras model."""
        return fmt.is_model

    def record(self, trip: RoundTrip):
        """What this check needs of the original, taken before the save (None); the
        round trip keeps it as ``trip.recorded[name]``."""
        return None

    def after_save(self, trip: RoundTrip) -> list[Finding]:
        """Findings on the *original* right after the save (or a failed save or load):
        a save must leave the model it saved alone. Any finding here means the model
        is no longer as built (``BuiltModel.tainted``)."""
        return []

    def findings(self, trip: RoundTrip) -> list[Finding]:
        """What differs after the round trip."""
        return list(trip.saved.get(self.name, ()))
