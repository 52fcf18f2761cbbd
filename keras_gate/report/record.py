"""The case record: the one schema every reader and writer of a run's results uses.

A gate case's identity (:class:`CaseKey`), its verdict (:class:`Verdict`), the
known-failure entries that cover it and those it showed (tuples of ids), its
findings (structured), figures and how it ran. Built from pytest's test reports
(``user_properties``, the only thing that travels from an xdist worker to the
controller), written to and read from JSON here, nowhere else.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field, fields
from enum import Enum
from pathlib import Path
from typing import NamedTuple

from keras_gate.engine.checks.protocol import Finding


class Verdict(str, Enum):
    """A case's outcome (the string is what reports and baselines store)."""

    PASS = "pass"
    FAIL = "FAIL"
    ERROR = "ERROR"
    XFAIL = "xfail"
    XPASS = "XPASS"
    XPASS_STRICT = "XPASS(strict)"
    SKIP = "skip"
    NOT_RUN = "not run"

    def __str__(self) -> str:
        return self.value

    @property
    def failing(self) -> bool:
        """The case does not hold (a known failure included): what baselines compare."""
        return self in (Verdict.FAIL, Verdict.ERROR, Verdict.XFAIL)

    @property
    def unexpected(self) -> bool:
        """A failure no known-failure entry explains."""
        return self in (Verdict.FAIL, Verdict.ERROR)

    @property
    def fails_run(self) -> bool:
        """The outcomes that fail a run under ``--fail-on=any``."""
        return self in (Verdict.FAIL, Verdict.ERROR, Verdict.XPASS_STRICT)


class CaseKey(NamedTuple):
    """A case's identity: equal to the plain ``(check, model, scenario, subject)`` tuple."""

    check: str
    model: str
    scenario: str
    subject: str

    @property
    def case_id(self) -> str:
        """``<model>[-<scenario>]-<subject>``: the test-id part of the case."""
        scenario = "" if self.scenario == "default" else self.scenario
        return "-".join(part for part in (self.model, scenario, self.subject) if part)

    @property
    def label(self) -> str:
        """How tables name the case: its id, and its check where not a round trip."""
        return self.case_id if self.check == "roundtrip" else f"{self.case_id} ({self.check})"


IDENTITY = ("model", "scenario", "subject", "check")
"""The properties that make a report a gate case's."""

FIGURES = ("abs", "rel", "peak_rel")
"""The differences a case records (``max_<kind>_<output>`` properties, the largest of
them as the record's ``max_<kind>``)."""


@dataclass
class CaseRecord:
    model: str
    subject: str
    """A format name, or ``original``."""
    scenario: str = "default"
    check: str = "roundtrip"
    verdict: Verdict = Verdict.NOT_RUN
    symptom: str = ""
    """``ExceptionClass: first line`` of a failure (the upstream error, for a known one)."""
    known_failures: tuple[str, ...] = ()
    """Ids of the known-failure entries that cover the case."""
    shown: tuple[str, ...] = ()
    """Ids of the entries whose symptom the failure showed."""
    findings: tuple[Finding, ...] = ()
    """What the checks found (a failing round trip's every finding)."""
    max_abs: float | None = None
    max_rel: float | None = None
    max_peak_rel: float | None = None
    """The largest |difference| over its output's largest magnitude (what ``peak_rtol``
    bounds); none in reports written before it was recorded."""
    weight_source: str = "?"
    build_seed: int | None = None
    """The global seed the model's build started from (none in reports before it was kept)."""
    device: str = "?"
    seconds: float = 0.0
    safe_mode: bool = True
    """Off only where the user turned it off for the model: the report says so."""
    inference: str = "graph walk"
    """How predictions were computed (``runtime.outputs.inference_path``)."""
    formats: tuple[str, ...] = ()
    """The formats a ``keras_roundtrip`` case went through (its subject is empty: the
    test chose them); empty for a matrix case, whose subject is its format."""
    reproducer: str = ""
    """The standalone reproducer written for the failure (``--repro-dir``), if any."""
    not_compared: tuple[str, ...] = ()
    """What a check could not compare on this case, and why (``evaluate: not compared:
    no targets ...``): the case's verdict does not cover it."""
    detail: str = ""
    """The failure's message as the case reported it: every finding and, for predictions
    that moved, the localisation (:data:`DETAIL_LINES` lines at most)."""
    xpass_strict: bool = field(default=False, repr=False)

    def __post_init__(self):
        self.verdict = Verdict(self.verdict)
        for name in ("known_failures", "shown", "findings", "formats", "not_compared"):
            value = getattr(self, name)
            if isinstance(value, str):
                raise TypeError(f"CaseRecord.{name}: a tuple, not the string {value!r}")
            setattr(self, name, tuple(value))

    @property
    def key(self) -> CaseKey:
        return CaseKey(self.check, self.model, self.scenario, self.subject)

    @property
    def failing(self) -> bool:
        return self.verdict.failing

    @property
    def format_label(self) -> str:
        """How tables name the case's format: its subject, or the formats a
        ``keras_roundtrip`` case went through."""
        return self.subject or ", ".join(self.formats) or "keras_roundtrip"

    def add(self, report) -> None:
        """Fold in one of the case's test reports (setup, call, teardown)."""
        props = report.user_properties or ()
        single = dict(props)
        for name in (
            "symptom",
            "weight_source",
            "build_seed",
            "device",
            "safe_mode",
            "inference",
            "reproducer",
        ):
            if name in single:
                setattr(self, name, single[name])
        self.known_failures = _all(props, "known_failures") or self.known_failures
        self.shown = _all(props, "shown") or self.shown
        self.formats = _all(props, "format") or self.formats
        self.not_compared = _all(props, "not_compared") or self.not_compared
        if "findings" in single:
            self.findings = tuple(Finding(**f) for f in json.loads(single["findings"]))
        self.xpass_strict |= bool(single.get("xpass_strict"))
        self.detail = getattr(report, DETAIL_ATTRIBUTE, "") or self.detail
        if report.skipped and not hasattr(report, "wasxfail") and not self.symptom:
            longrepr = report.longrepr  # (path, line, "Skipped: why") for a skip
            if isinstance(longrepr, tuple) and len(longrepr) == 3:
                self.symptom = str(longrepr[2]).removeprefix("Skipped: ")
        self.seconds += report.duration
        for kind in FIGURES:
            values = [v for k, v in props if k.startswith(f"max_{kind}_")]
            if values:
                setattr(self, f"max_{kind}", max(values))
        verdict = self._verdict(report)
        if verdict is not None and (report.when == "call" or verdict is not Verdict.PASS):
            self.verdict = verdict

    def _verdict(self, report) -> Verdict | None:
        if hasattr(report, "wasxfail"):
            return Verdict.XFAIL if report.skipped else Verdict.XPASS
        if report.failed:
            if self.xpass_strict and report.when == "call":
                return Verdict.XPASS_STRICT
            return Verdict.FAIL if report.when == "call" else Verdict.ERROR
        if report.skipped:
            return Verdict.SKIP
        return Verdict.PASS if report.when == "call" else None


def _all(props, name: str) -> tuple:
    """Every value of a repeated property, in order, once each."""
    return tuple(dict.fromkeys(value for key, value in props if key == name))


def is_case_report(report) -> bool:
    return all(name in dict(report.user_properties or ()) for name in IDENTITY)


def record_for(report) -> CaseRecord:
    """A new record named by the identity properties of a gate case's report."""
    props = dict(report.user_properties)
    return CaseRecord(props["model"], props["subject"], props["scenario"], props["check"])


def case_properties(key: CaseKey, known_failures: tuple[str, ...] = ()) -> list[tuple]:
    """A case's identity and covering entries as ``user_properties`` (one property
    per entry: JUnit shows them, the record reads them back as a tuple)."""
    found = [
        ("model", key.model),
        ("scenario", key.scenario),
        ("subject", key.subject),
        ("check", key.check),
    ]
    return found + [("known_failures", name) for name in known_failures]


def figure_properties(differences) -> list[tuple]:
    """Each output's largest differences as ``max_<kind>_<output>`` properties (the
    record keeps the largest of each kind)."""
    return [
        (f"max_{kind}_{difference.name}", getattr(difference, f"max_{kind}"))
        for difference in differences
        for kind in FIGURES
    ]


def failure_properties(error: BaseException) -> list[tuple]:
    """What a failed case reports besides its verdict: the symptom (the upstream error
    where a known failure wraps it), the known-failure entries it showed, and the
    checks' findings."""
    shown = getattr(error, "entries", None)
    cause = error.__cause__ if shown and error.__cause__ is not None else error
    lines = str(cause).strip().splitlines()
    found = [("symptom", f"{type(cause).__name__}: {lines[0][:300] if lines else ''}")]
    found += [("shown", entry.name) for entry in shown or ()]
    findings = findings_of(error)
    if findings:
        found.append(("findings", json.dumps([f.as_json() for f in findings])))
    return found


def findings_of(error: BaseException) -> tuple[Finding, ...]:
    """The checks' findings along the chain; a save, load, copy or predict that raised
    is one ``load`` finding (where: the stage, what: Keras's exception class)."""
    from keras_gate.engine.formats import RoundTripError

    link = error
    while link is not None:
        if getattr(link, "findings", None):
            return tuple(link.findings)
        if isinstance(link, RoundTripError):
            cause = link.__cause__ if link.__cause__ is not None else link
            text = (str(link).strip().splitlines() or [""])[0]
            return (Finding("load", text, link.stage, type(cause).__name__),)
        link = link.__cause__
    return ()


DETAIL_ATTRIBUTE = "keras_gate_detail"
"""A failed case's report attribute holding its message (not a user property: JUnit
has the message already). xdist sends a report's attributes to the controller."""
DETAIL_LINES = 60


def failure_detail(error: BaseException) -> str:
    """The message of a case's failure, for the report's ``detail``."""
    return "\n".join(str(error).strip().splitlines()[:DETAIL_LINES])


XPASS_STRICT_PROPERTY = ("xpass_strict", True)
"""Added to the call report of a case that passed where a strict xfail was expected."""


def record_to_json(record: CaseRecord) -> dict:
    """One record as JSON data (JSON has no inf/nan: such a figure is written as text)."""
    data = asdict(record)
    data.pop("xpass_strict")
    data["verdict"] = str(record.verdict)
    data["known_failures"] = list(record.known_failures)
    data["shown"] = list(record.shown)
    data["findings"] = [f.as_json() for f in record.findings]
    data["formats"] = list(record.formats)
    data["not_compared"] = list(record.not_compared)
    return {
        k: (str(v) if isinstance(v, float) and not math.isfinite(v) else v) for k, v in data.items()
    }


_FIELDS = {f.name for f in fields(CaseRecord)} - {"xpass_strict"}


def record_from_json(entry: dict) -> CaseRecord:
    """The record of one JSON case; ``ValueError``/``TypeError`` for one that is not.

    Reads every version written so far: entries ids written ``,``-joined (schema 1)
    and no findings load as tuples and none."""
    values = {k: v for k, v in entry.items() if k in _FIELDS}
    for figure in (f"max_{kind}" for kind in FIGURES):
        if isinstance(values.get(figure), str):  # inf, nan: written as text
            values[figure] = float(values[figure])
    values["formats"] = tuple(values.get("formats", ()))
    values["not_compared"] = tuple(values.get("not_compared", ()))
    for ids in ("known_failures", "shown"):
        value = values.get(ids, ())
        if isinstance(value, str):  # schema 1 joined them
            value = filter(None, value.split(","))
        values[ids] = tuple(value)
    values["findings"] = tuple(Finding(**f) for f in values.get("findings", ()))
    return CaseRecord(**values)


class RecordsFileError(ValueError):
    """A file of case records that cannot be read; the message names it."""


def read_records(path: Path) -> tuple[dict, list[CaseRecord]]:
    """``(payload, records)`` of a report or verdicts file (the one reader of both)."""
    try:
        text = Path(path).read_text()
    except OSError as error:
        raise RecordsFileError(f"{path}: cannot be read ({error.strerror})") from None
    try:
        payload = json.loads(text)
        entries = payload["cases"]
    except (ValueError, KeyError, TypeError) as error:
        raise RecordsFileError(f"{path}: not a gate report or verdicts file ({error!r})") from None
    records = []
    for number, entry in enumerate(entries, 1):
        try:
            records.append(record_from_json(entry))
        except (TypeError, ValueError, AttributeError) as error:
            raise RecordsFileError(
                f"{path}: case #{number} is not a case record ({error})"
            ) from None
    return payload, records


def write_json(path: Path, payload: dict, **dump) -> Path:
    """Write ``payload`` to ``path`` whole, then rename: a reader never sees half a file."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.partial")
    partial.write_text(json.dumps(payload, **dump) + "\n")
    partial.replace(path)
    return path
