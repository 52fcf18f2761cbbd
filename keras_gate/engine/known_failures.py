"""Known upstream failures: each is one entry, matched to cases as a strict xfail.

A matching case must fail *with the recorded symptom*: then it is reported as
xfail. If it passes, strict xfail turns it into a failure (XPASS(strict)), which
is how an upstream fix announces itself; if it fails differently, the original
error is reported as a plain failure.
"""

from __future__ import annotations

import contextlib
import fnmatch
import re
from dataclasses import dataclass
from pathlib import Path

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.version import Version

from keras_gate.api import did_you_mean


@dataclass(frozen=True)
class KnownFailure:
    """One upstream defect and the cases it breaks."""

    models: str
    """Model names (constructor or factory), fnmatch patterns joined by ``|``, e.g.
    ``EfficientNetB?``."""
    format: str
    """Round-trip format name (or ``original``), fnmatch patterns joined by ``|``."""
    keras: str
    """Keras versions affected, as a PEP 440 specifier (``>=3.0,<3.6.0``)."""
    error: str
    """Name of the exception class the case raises (matched along its MRO)."""
    match: str
    """Regular expression searched in the exception message."""
    reason: str
    """Link or explanation, shown as the xfail reason."""
    backend: str = "*"
    """Keras backends affected, fnmatch patterns joined by ``|`` (``*``: all)."""
    check: str = "roundtrip"
    """Which cases: ``roundtrip`` (prediction equality), ``oracle`` (ground truth), ``*``."""
    scenario: str = "*"
    """Variants affected (by their names, ``Variant.names``), fnmatch patterns
    joined by ``|``: the entry applies when any pattern matches any of the case's
    variant names."""
    explains: str = "*"
    """The entry's full signature: ``check: text`` fnmatch patterns, ``|``-joined, of
    the findings this defect causes (``checks.findings``), e.g. ``predictions: *|
    derived state: layer */normalization *``. A case with any finding no matching
    entry explains fails, naming it: the known failure absorbs its own cause only."""
    id: str = ""
    """Short stable name of the defect, used in reports and verdict comparisons
    (default: ``<models>/<format>/<error>``)."""

    @property
    def name(self) -> str:
        return self.id or f"{self.models}/{self.format}/{self.error}"

    def patterns(self, name: str) -> tuple[str, ...]:
        """The fnmatch patterns of one ``|``-joined field (``models``, ``format``,
        ``backend``, ``scenario``, ``explains``): the one place they are split."""
        return tuple(pattern.strip() for pattern in getattr(self, name).split("|"))

    def _any(self, name: str, values) -> bool:
        return any(fnmatch.fnmatchcase(v, p) for p in self.patterns(name) for v in values)

    def applies_to(
        self,
        model: str,
        fmt: str,
        keras_version: str,
        backend: str,
        check: str = "roundtrip",
        scenario: tuple[str, ...] = (),
    ) -> bool:
        return (
            fnmatch.fnmatchcase(check, self.check)
            and (self.scenario == "*" or self._any("scenario", scenario))
            and self._any("models", [model])
            and self._any("format", [fmt])
            and self._any("backend", [backend])
            and Version(keras_version) in SpecifierSet(self.keras)
        )

    def explains_finding(self, finding) -> bool:
        """Whether ``finding`` is part of this defect's signature (``explains``)."""
        return finding.matches(self.patterns("explains"))

    def can_show(self, checks) -> bool:
        """Whether a case running ``checks`` can show this entry's signature (``explains``
        names the checks its findings come from; ``*``: any)."""
        return any(
            fnmatch.fnmatchcase(check, pattern.split(":", 1)[0].strip())
            for pattern in self.patterns("explains")
            for check in checks
        )

    def matches(self, error: BaseException) -> bool:
        """Whether ``error``, or an error it was raised from, shows this symptom.

        The chain counts: a failed load is a ``RoundTripError`` raised from
        Keras's own exception, which is what entries name. So does an error raised while
        another was handled: Keras re-raises a layer's error as "Exception encountered when
        calling X.call()", and the error it handled is the defect's own.
        """
        from keras_gate.engine.runtime.error_chain import error_chain

        for each in error_chain(error):
            names = {cls.__name__ for cls in type(each).__mro__} | _implied(each)
            if self.error in names and re.search(self.match, str(each)) is not None:
                return True
        return False


def find_known_failures(
    model: str,
    fmt: str,
    keras_version: str,
    backend: str,
    check: str = "roundtrip",
    table=(),
    scenario: tuple[str, ...] = (),
) -> tuple[KnownFailure, ...]:
    """Every entry of ``table`` covering this case: a case can meet several defects
    (a mixed-precision EfficientNet .h5 loses its statistics *and* its policy), and
    fails with whichever shows first. ``scenario``: the case's variant names.

    A round trip through a format that does not run the checks an entry's signature
    names cannot show it (an export is held to its predictions only): not covered.
    """
    from keras_gate.engine.formats import all_formats

    checks = {f.name: f.checks for f in all_formats()}.get(fmt) if check == "roundtrip" else None
    return tuple(
        entry
        for entry in table
        if entry.applies_to(model, fmt, keras_version, backend, check, scenario)
        and (checks is None or entry.can_show(checks))
    )


class UnexplainedDifferences(AssertionError):
    """A case shows its known failure and something more: the more fails the case."""


class KnownFailureReproduced(Exception):
    """The case failed exactly as one of its known-failure entries says."""

    __module__ = "keras_gate"  # its public name: reports read keras_gate.<Name>: ...

    def __init__(self, message: str, entries: tuple[KnownFailure, ...] = ()):
        super().__init__(message)
        self.entries = entries
        """Every entry whose symptom the error shows (a case can show several defects)."""


@contextlib.contextmanager
def expected_failure(entries):
    """Turn an error matching one of ``entries`` into :class:`KnownFailureReproduced`.

    ``entries``: a :class:`KnownFailure`, several, or None. Any other error
    propagates unchanged, so it fails the case outright.
    """
    if isinstance(entries, KnownFailure):
        entries = (entries,)
    try:
        yield
    except Exception as error:
        shown = tuple(entry for entry in entries or () if entry.matches(error))
        if not shown:
            raise
        unexplained = [
            finding
            for finding in getattr(error, "findings", ())
            if not any(entry.explains_finding(finding) for entry in shown)
        ]
        if unexplained:
            names = ", ".join(entry.name for entry in shown)
            lines = "\n".join(f"  {finding}" for finding in unexplained)
            raise UnexplainedDifferences(
                f"known failure {names} shows, but it does not explain:\n{lines}\n"
                f"--- the whole failure: {error}"
            ) from error
        reasons = "\n".join(f"[{entry.name}] {entry.reason}" for entry in shown)
        raise KnownFailureReproduced(f"{reasons}\n--- observed: {error}", shown) from error


def _implied(error) -> set[str]:
    """The mismatch classes a round trip's findings stand for: every check ran, so a
    failure whose predictions moved (a ``PredictionMismatch``) can also carry the
    findings of a ``StateMismatch``, and an entry naming either one matches."""
    return {
        "PredictionMismatch" if finding.check == "predictions" else "StateMismatch"
        for finding in getattr(error, "findings", ())
    }


FIELDS = tuple(KnownFailure.__dataclass_fields__)


class KnownFailuresFileError(ValueError):
    """A known-failures TOML file that cannot be used; the message names file and entry."""


def load_known_failures(path: Path) -> tuple[KnownFailure, ...]:
    """The ``[[known_failure]]`` tables of a TOML file, each a :class:`KnownFailure`.

    Same fields and strict semantics as entries a project returns from the
    ``pytest_keras_gate_known_failures`` hook; an unknown
    field, a missing one, a bad version specifier or regular expression names the
    file and the entry.
    """
    try:
        import tomllib
    except ModuleNotFoundError:  # Python 3.10
        import tomli as tomllib

    path = Path(path)
    try:
        document = tomllib.loads(path.read_text())
    except (OSError, ValueError) as error:
        raise KnownFailuresFileError(f"{path}: {error}") from None
    entries = document.get("known_failure", [])
    unknown_top = sorted(set(document) - {"known_failure"})
    if unknown_top or not isinstance(entries, list):
        raise KnownFailuresFileError(
            f"{path}: expected only [[known_failure]] tables, found {unknown_top or entries!r}"
        )
    found = []
    for index, entry in enumerate(entries, 1):
        where = f"{path}: [[known_failure]] #{index}"
        unknown = sorted(set(entry) - set(FIELDS))
        required = [
            name
            for name in ("models", "format", "keras", "error", "match", "reason")
            if name not in entry
        ]
        if unknown or required:
            problems = []
            if unknown:
                named = (repr(name) + did_you_mean(name, FIELDS) for name in unknown)
                problems.append(f"unknown field(s) {', '.join(named)}")
            if required:
                problems.append(f"missing {', '.join(map(repr, required))}")
            raise KnownFailuresFileError(
                f"{where}: {'; '.join(problems)}; fields: {', '.join(FIELDS)}"
            )
        try:
            SpecifierSet(entry["keras"])
            re.compile(entry["match"])
        except (InvalidSpecifier, re.error) as error:
            raise KnownFailuresFileError(f"{where}: {error}") from None
        found.append(KnownFailure(**{k: str(v) for k, v in entry.items()}))
    return tuple(found)
