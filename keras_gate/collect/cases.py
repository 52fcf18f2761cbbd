"""The case matrix: (model x variant x subject x check) as data, with markers and order.

A case's identity travels as a :class:`GateCase` in the item's stash and as
``user_properties`` on its reports, never joined into the node id and split back.
Importable without Keras.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from keras_gate.api import DEFAULT_VARIANT, GateModel
from keras_gate.engine.formats import all_formats, get_format
from keras_gate.engine.known_failures import (
    KnownFailure,
    KnownFailureReproduced,
    KnownFailuresFileError,
    find_known_failures,
    load_known_failures,
)
from keras_gate.report.record import CaseKey, case_properties

CASE_KINDS = {
    "roundtrip": "prediction and state equality across a save/load round trip or in-memory copy",
    "oracle": "ground truth: derived state and stem output against the model's own weights",
}
"""Kinds of case (a case's ``check`` and marker); a test requests the cases of one with
the ``<kind>_case`` argument. Not the checks of a round trip (``engine.checks``)."""

ORIGINAL = "original"
"""The subject of an oracle case on the model as built (no round trip)."""

CASE_KEY = pytest.StashKey["GateCase"]()


@dataclass(frozen=True)
class GateCase:
    """One cell of the matrix: a ``check`` of one model's variant on one subject."""

    model: GateModel
    subject: str
    """A format name, or ``original`` (the model as built, oracle only)."""
    check: str = "roundtrip"
    variant: object = DEFAULT_VARIANT
    markers: tuple[str, ...] = ()
    """Markers of this case only (e.g. a tier), besides the model's and variant's."""
    known_failures: tuple[KnownFailure, ...] = ()

    @property
    def key(self) -> CaseKey:
        """The case's identity in records, baselines and reports."""
        return CaseKey(self.check, self.model.name, self.variant.id or "default", self.subject)

    @property
    def id(self) -> str:
        """Test id: ``<model>[-<variant>]-<subject>``."""
        return self.key.case_id

    @property
    def build_key(self) -> tuple:
        """Cases with equal keys share one built model (and one xdist worker)."""
        return (self.model.name, self.variant)

    @property
    def build_label(self) -> str:
        """``<model>[-<variant>]``: how build announcements name the built model."""
        return "-".join(part for part in (self.model.name, self.variant.id) if part)

    @property
    def group(self) -> str:
        """The xdist group: one per built model."""
        return "-".join(part for part in (self.model.marker, self.variant.id) if part)

    @property
    def format(self):
        return get_format(self.subject)

    @property
    def is_format(self) -> bool:
        return self.subject != ORIGINAL

    def properties(self) -> list[tuple[str, str]]:
        """The case's identity as ``user_properties`` (reports, JUnit, the summary), and
        the known-failure entries that cover it."""
        return case_properties(self.key, tuple(entry.name for entry in self.known_failures))

    def marker_names(self) -> list[str]:
        names = [self.model.marker, *self.model.markers, self.check, *self.variant.names]
        if self.is_format:
            names.append(self.subject)
        return [*dict.fromkeys([*names, *self.markers])]


def with_known_failures(case: GateCase, table, keras_version: str, backend: str) -> GateCase:
    """``case`` with every entry of ``table`` that covers it."""
    entries = find_known_failures(
        case.model.name,
        case.subject,
        keras_version,
        backend,
        case.check,
        table=table,
        scenario=tuple(case.variant.names),
    )
    return GateCase(case.model, case.subject, case.check, case.variant, case.markers, entries)


def case_param(case: GateCase, backend: str):
    """``case`` as a ``pytest.param`` with its markers, xfail and skip."""
    marks = [getattr(pytest.mark, name) for name in case.marker_names()]
    marks.append(pytest.mark.xdist_group(case.group))  # one worker builds it once
    if case.known_failures:
        reason = " | or | ".join(entry.reason for entry in case.known_failures)
        marks.append(pytest.mark.xfail(reason=reason, strict=True, raises=KnownFailureReproduced))
    unsupported = case.format.unsupported_on(backend) if case.is_format else None
    unsupported = unsupported or getattr(case.variant, "unsupported", lambda: None)()
    backends = case.model.settings.backends
    if not unsupported and backends and backend not in backends:
        unsupported = (
            f"{case.model.name} runs on the {'/'.join(backends)} backend only (its "
            f"@keras_gate.model(backends=...)); this run uses {backend}"
        )
    if unsupported:
        marks.append(pytest.mark.skip(reason=unsupported))
    return pytest.param(case, id=case.id, marks=marks)


def case_of(item) -> GateCase | None:
    """The :class:`GateCase` of a collected item, if it is one."""
    stash = getattr(item, "stash", None)
    return stash.get(CASE_KEY, None) if stash is not None else None


FIXTURE_CASE_KEY = pytest.StashKey[CaseKey]()
FIXTURE_SUBJECT = ""
"""A fixture case's subject: its formats are what the test chose (the record's ``formats``)."""


def fixture_case(item, nodeid: str) -> CaseKey:
    """Make ``item`` (a test that requested ``keras_roundtrip``) a gate case named by its
    test id ``nodeid``: its reports carry the identity, so the table, the report files,
    baselines and comparisons hold it like a config-matrix case."""
    key = item.stash.get(FIXTURE_CASE_KEY, None)
    if key is None:
        key = CaseKey("roundtrip", nodeid, "default", FIXTURE_SUBJECT)
        item.stash[FIXTURE_CASE_KEY] = key
        item.user_properties.extend(case_properties(key))
    return key


def is_gate_item(item) -> bool:
    """Whether ``item`` is a gate case: a matrix case, or a test using ``keras_roundtrip``."""
    stash = getattr(item, "stash", None)
    return case_of(item) is not None or (stash is not None and FIXTURE_CASE_KEY in stash)


def remember_case(item) -> None:
    """Put the case parameter of ``item`` in its stash and its identity in its reports."""
    callspec = getattr(item, "callspec", None)
    if callspec is None:
        return
    for kind in CASE_KINDS:
        case = callspec.params.get(f"{kind}_case")
        if isinstance(case, GateCase):
            item.stash[CASE_KEY] = case
            item.user_properties.extend(case.properties())
            return


def order_cases(items) -> None:
    """Costliest models first (a deterministic order, the same on every xdist worker),
    all cases of a built model adjacent, and within it the checks of one subject
    adjacent (they share one reload); other tests keep their places."""
    slots = [i for i, item in enumerate(items) if case_of(item) is not None]
    first_seen: dict = {}
    for i in slots:
        first_seen.setdefault(case_of(items[i]).build_key, len(first_seen))
    kinds = list(CASE_KINDS)
    subjects = [ORIGINAL, *(fmt.name for fmt in all_formats())]

    def rank(item):
        case = case_of(item)
        return (
            -case.model.cost,
            first_seen[case.build_key],
            subjects.index(case.subject),
            kinds.index(case.check),
        )

    ranked = sorted((items[i] for i in slots), key=rank)
    for slot, item in zip(slots, ranked):
        items[slot] = item


KNOWN_FAILURES_KEY = pytest.StashKey[tuple]()
PROJECT_CASES_KEY = pytest.StashKey[list]()


def known_failures_file(config) -> tuple:
    """The entries of the ``keras_gate_known_failures`` TOML file (none with
    ``--known-failures=off``); a file that cannot be used is a usage error naming it.
    Pure TOML: read at configure time, in the controller too, before any collection."""
    name = config.getini("keras_gate_known_failures")
    if not name or config.getoption("known_failures") != "on":
        return ()
    path = Path(config.inipath).parent / name if config.inipath else Path(name)
    try:
        return load_known_failures(path)
    except KnownFailuresFileError as error:
        raise pytest.UsageError(f"keras_gate_known_failures: {error}") from None


def known_failure_table(config) -> tuple:
    """Every known-failure entry in force: the projects' tables (hook) and the TOML file
    of ``keras_gate_known_failures``; empty with ``--known-failures=off``."""
    if KNOWN_FAILURES_KEY not in config.stash:
        entries = []
        if config.getoption("known_failures") == "on":
            for table in config.hook.pytest_keras_gate_known_failures(config=config):
                entries += list(table)
            entries += known_failures_file(config)
        config.stash[KNOWN_FAILURES_KEY] = tuple(entries)
    return config.stash[KNOWN_FAILURES_KEY]


def project_cases(config) -> list:
    """The cases projects add through ``pytest_keras_gate_cases``, gathered once."""
    if PROJECT_CASES_KEY not in config.stash:
        found = []
        for cases in config.hook.pytest_keras_gate_cases(config=config):
            found += list(cases)
        config.stash[PROJECT_CASES_KEY] = found
    return config.stash[PROJECT_CASES_KEY]
