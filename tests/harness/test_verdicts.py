"""Verdict baselines: every class of change, the files, and the exit status they set."""

import json
import re

import pytest
from user_project import TWO_MODELS, run_project

from keras_gate.engine.checks.protocol import Finding
from keras_gate.report.record import CaseRecord
from keras_gate.report.verdicts import (
    Baseline,
    VerdictsFileError,
    classify_change,
    compare,
    load_verdicts,
    no_longer_reproducing,
    save_verdicts,
)


def _record(verdict, symptom="", shown=(), known=(), subject="h5", findings=()):
    return CaseRecord(
        "EfficientNetB0",
        subject,
        verdict=verdict,
        symptom=symptom,
        shown=shown,
        known_failures=known,
        findings=findings,
    )


PASS = _record("pass")
MISMATCH = _record("FAIL", "PredictionMismatch: head differs")
LOAD_ERROR = _record("FAIL", "RoundTripError: h5: load failed")
BOTH_DEFECTS = _record("xfail", "StateMismatch: ...", ("compile-config", "optimizer-slots"))
SLOTS_ONLY = _record("xfail", "StateMismatch: ...", ("optimizer-slots",))


@pytest.mark.parametrize(
    ("base", "now", "expected"),
    [
        (PASS, PASS, "still passing"),
        (MISMATCH, PASS, "fixed"),
        (BOTH_DEFECTS, _record("XPASS(strict)"), "fixed"),
        (PASS, MISMATCH, "new failure"),
        (PASS, SLOTS_ONLY, "known failure"),
        (BOTH_DEFECTS, SLOTS_ONLY, "changed"),
        (BOTH_DEFECTS, BOTH_DEFECTS, "still failing"),
        (BOTH_DEFECTS, MISMATCH, "new failure"),  # the known cause no longer explains it
        (MISMATCH, _record("FAIL", "PredictionMismatch: other figures"), "still failing"),
        (LOAD_ERROR, MISMATCH, "changed"),
        (None, PASS, "new case"),
        (None, MISMATCH, "new failure"),
        (PASS, None, "gone"),
    ],
)
def test_each_class_of_change_against_a_baseline_without_findings(base, now, expected):
    assert classify_change(base, now, by_findings=False)[0] == expected


AXIS = Finding("configs", "layer bn (BatchNormalization): axis: 3 -> -1", "bn", "axis")
HEAD = Finding("predictions", "head: max|diff|=0.891 max rel=2.1 DIFFERS", "head", "values")
HEAD_AGAIN = Finding("predictions", "head: max|diff|=0.5 max rel=1 DIFFERS", "head", "values")
LOAD = Finding("load", "h5: load failed: ValueError: Unknown layer", "load", "ValueError")
AXIS_ONLY = _record("FAIL", "StateMismatch: round trip changed", findings=(AXIS,))
AXIS_AND_HEAD = _record("FAIL", "PredictionMismatch: x", findings=(AXIS, HEAD))
KNOWN_HEAD = _record("xfail", "PredictionMismatch: x", shown=("nested-h5",), findings=(HEAD,))


@pytest.mark.parametrize(
    ("base", "now", "expected", "note"),
    [
        # 3.5.0 -> 3.15.1, EfficientNetB0 .h5: failed on a config key, now also predicts wrong.
        (AXIS_ONLY, AXIS_AND_HEAD, "new failure", f"new: {HEAD}"),
        (AXIS_AND_HEAD, AXIS_ONLY, "partly fixed", f"gone: {HEAD}"),
        # Figures move from release to release; the finding is the same.
        (
            AXIS_AND_HEAD,
            _record("FAIL", "PredictionMismatch: y", findings=(AXIS, HEAD_AGAIN)),
            "still failing",
            "",
        ),
        # A known defect that appears with this release is new to whoever upgrades.
        (PASS, KNOWN_HEAD, "new failure", f"new: {HEAD} (known failure nested-h5)"),
        (_record("FAIL", "x", findings=(HEAD,)), KNOWN_HEAD, "changed", None),
        (AXIS_ONLY, _record("FAIL", "RoundTripError: x", findings=(LOAD,)), "new failure", None),
        (AXIS_ONLY, PASS, "fixed", ""),
    ],
)
def test_each_class_of_change_finding_by_finding(base, now, expected, note):
    change, written = classify_change(base, now)
    assert change == expected
    assert note is None or written == note


def test_a_changed_known_failure_names_both_symptoms():
    change, note = classify_change(BOTH_DEFECTS, SLOTS_ONLY, by_findings=False)
    assert note == "known failure compile-config,optimizer-slots -> known failure optimizer-slots"


def test_verdicts_round_trip_through_their_file(tmp_path):
    records = [PASS, _record("xfail", shown=("x",), subject="keras_v3")]
    path = save_verdicts(tmp_path / "base" / "v.json", records, {"keras": "3.5.0"})
    baseline = load_verdicts(path)
    assert baseline.stack == {"keras": "3.5.0"}
    assert [c.change for c in compare(baseline, records)] == ["still failing", "still passing"]
    assert not list(tmp_path.glob("base/.*partial"))


def test_a_file_that_is_no_baseline_is_named(tmp_path):
    path = tmp_path / "v.json"
    path.write_text(json.dumps({"cases": []}))
    with pytest.raises(VerdictsFileError, match=f"--compare-verdicts={path}: schema None"):
        load_verdicts(path)


def test_a_partly_fixed_defect_names_the_entry_that_no_longer_shows():
    base = _record(
        "xfail",
        shown=("compile-config", "optimizer-slots"),
        known=("compile-config", "optimizer-slots"),
    )
    now = _record("xfail", shown=("optimizer-slots",), known=("compile-config", "optimizer-slots"))
    baseline = Baseline({"keras": "3.15.1"}, {base.key: base}, "base.json")
    (line,) = no_longer_reproducing([now], {"keras": "3.16.0.dev1"}, baseline)
    assert line.startswith(
        "known failure 'compile-config' no longer reproduces since keras 3.16.0.dev1"
    )


def test_a_known_failure_that_no_longer_reproduces_is_one_line():
    now = [_record("XPASS(strict)", known=("nested-h5",)), _record("pass")]
    baseline = Baseline({"keras": "3.15.1"}, {}, "base.json")
    (line,) = no_longer_reproducing(now, {"keras": "3.16.0"}, baseline)
    assert line == (
        "known failure 'nested-h5' no longer reproduces since keras 3.16.0 "
        "(reproduced on keras 3.15.1): 1 case(s), e.g. EfficientNetB0-h5"
    )


MODELS = TWO_MODELS


def _run(tmp_path, *args):
    return run_project(tmp_path, MODELS, ["dense", "forgets"], "-q", "-k", "keras_v3", *args)


def test_only_a_new_failure_fails_a_compared_run(tmp_path):
    baseline = tmp_path / "base.json"
    saved = _run(tmp_path, f"--save-verdicts={baseline}")
    assert saved.returncode == pytest.ExitCode.TESTS_FAILED, saved.stdout[-2000:]
    # The same failure on both sides: not new, the run passes under --fail-on=new.
    same = _run(tmp_path, f"--compare-verdicts={baseline}")
    assert "1 still failing, 1 still passing" in same.stdout, same.stdout[-2000:]
    assert same.returncode == pytest.ExitCode.OK
    assert _run(tmp_path, f"--compare-verdicts={baseline}", "--fail-on=any").returncode == 1
    # A baseline on which `forgets` passed: now it is a new failure, and the run fails.
    payload = json.loads(baseline.read_text())
    for case in payload["cases"]:
        case.update(verdict="pass", symptom="")
    baseline.write_text(json.dumps(payload))
    new = _run(tmp_path, f"--compare-verdicts={baseline}")
    assert re.search(r"new failure +forgets-keras_v3 +pass +FAIL", new.stdout), new.stdout[-2000:]
    assert new.returncode == pytest.ExitCode.TESTS_FAILED
    # The same defect, now a known failure here (an xfail): still new to whoever
    # upgrades, and the run still fails though no test did.
    (tmp_path / "known.toml").write_text(
        '[[known_failure]]\nid = "scale-forgets"\nmodels = "forgets"\nformat = "keras_v3"\n'
        'keras = ">=3.0"\nerror = "PredictionMismatch"\nmatch = "."\nreason = "ours"\n'
    )
    known = run_project(
        tmp_path,
        MODELS,
        ["dense", "forgets"],
        "-q",
        "-k",
        "keras_v3",
        f"--compare-verdicts={baseline}",
        extra_ini="keras_gate_known_failures = known.toml\n",
    )
    assert re.search(
        r"new failure +forgets-keras_v3 +pass +xfail .*known failure scale-forgets", known.stdout
    ), known.stdout[-2000:]
    assert known.returncode == pytest.ExitCode.TESTS_FAILED


def test_a_baseline_named_like_the_report_is_refused(tmp_path):
    result = _run(
        tmp_path, f"--save-verdicts={tmp_path}/r.json", f"--roundtrip-report={tmp_path}/r"
    )
    assert result.returncode == pytest.ExitCode.USAGE_ERROR
    assert "is a file --roundtrip-report" in result.stderr
