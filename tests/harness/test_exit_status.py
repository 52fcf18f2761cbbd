"""The exit status under ``--compare-verdicts``: the comparison decides for the gate's
cases that have a baseline entry, pytest's rules for everything else; and round trips
through the ``keras_roundtrip`` fixture are gate cases like the config matrix's."""

import json
import re

import pytest
from user_project import TWO_MODELS, run_project

MODELS = TWO_MODELS  # dense passes, forgets does not

PLAIN = """
def test_arithmetic():
    assert 1 + 1 == 3
"""

FIXTURE_TESTS = """
import keras
from user_models import Scale


def test_forgetful_scale(keras_roundtrip):
    inputs = keras.Input((4,))
    model = keras.Model(inputs, Scale(3.0)(keras.layers.Dense(2)(inputs)))
    keras_roundtrip(model, formats=["keras_v3"])


def test_plain_dense(keras_roundtrip):
    inputs = keras.Input((4,))
    keras_roundtrip(keras.Model(inputs, keras.layers.Dense(2)(inputs)), formats=["keras_v3"])
"""


def _project(tmp_path, plain=True):
    (tmp_path / "test_fixture_cases.py").write_text(FIXTURE_TESTS)
    if plain:
        (tmp_path / "test_plain.py").write_text(PLAIN)


def _run(tmp_path, *args):
    return run_project(tmp_path, MODELS, ["dense"], "-q", "-p", "no:randomly", *args)


def test_a_failing_plain_test_and_fixture_case_fail_a_compared_run(tmp_path):
    _project(tmp_path)
    baseline = tmp_path / "base.json"
    saved = _run(tmp_path, f"--save-verdicts={baseline}")
    assert saved.returncode == pytest.ExitCode.TESTS_FAILED, saved.stdout[-3000:]
    compared = _run(tmp_path, f"--compare-verdicts={baseline}")
    out = compared.stdout
    # The fixture's failing case is still failing against the baseline: the comparison
    # passes it; the plain test is outside the comparison and fails the run as pytest would.
    assert compared.returncode == pytest.ExitCode.TESTS_FAILED, out[-3000:]
    assert re.search(r"exit status 1: 1 failure\(s\) outside the comparison", out), out[-3000:]
    assert "test_plain.py::test_arithmetic" in out.split("exit status 1")[-1]


def test_without_plain_failures_the_comparison_decides(tmp_path):
    _project(tmp_path, plain=False)
    baseline = tmp_path / "base.json"
    _run(tmp_path, f"--save-verdicts={baseline}")
    compared = _run(tmp_path, f"--compare-verdicts={baseline}")
    assert compared.returncode == pytest.ExitCode.OK, compared.stdout[-3000:]
    assert re.search(r"exit status 0: --fail-on=new decided", compared.stdout)


def test_fixture_round_trips_are_gate_cases(tmp_path):
    _project(tmp_path, plain=False)
    baseline, report = tmp_path / "base.json", tmp_path / "report"
    ran = _run(tmp_path, f"--save-verdicts={baseline}", f"--roundtrip-report={report}")
    assert ran.returncode == pytest.ExitCode.TESTS_FAILED, ran.stdout[-3000:]
    cases = {case["model"]: case for case in json.loads(baseline.read_text())["cases"]}
    forgetful = cases["test_fixture_cases.py::test_forgetful_scale"]
    assert forgetful["verdict"] == "FAIL"
    # The cause first (the forgotten setting), then what it moved (the predictions).
    checks = [finding["check"] for finding in forgetful["findings"]]
    assert checks[0] == "settings" and "predictions" in checks, checks
    assert cases["test_fixture_cases.py::test_plain_dense"]["verdict"] == "pass"
    # The table and the report files show them too.
    assert re.search(
        r"test_fixture_cases.py::test_forgetful_scale +default +keras_v3 +FAIL", ran.stdout
    )
    html = (tmp_path / "report.html").read_text()
    assert "test_forgetful_scale" in html


def test_a_case_skipped_in_either_run_is_not_passing(tmp_path):
    from keras_gate.report.record import CaseRecord
    from keras_gate.report.verdicts import classify_change

    passed, skipped = (
        CaseRecord("m", "onnx", verdict="pass"),
        CaseRecord("m", "onnx", verdict="skip"),
    )
    failed = CaseRecord("m", "onnx", verdict="FAIL", symptom="RoundTripError: x")
    assert classify_change(skipped, skipped)[0] == "skipped"
    assert classify_change(passed, skipped)[0] == "skipped"
    assert classify_change(skipped, passed)[0] == "skipped"
    assert classify_change(failed, skipped)[0] == "skipped"


def _failure_sections(out: str) -> dict[str, list[str]]:
    """Each failure's section of pytest's output (``___ name ___`` to the next rule)."""
    sections, name = {}, None
    for line in out.splitlines():
        header = re.fullmatch(r"_{3,} (.+?) _{3,}", line)
        if header:
            name = header.group(1)
            sections[name] = []
        elif re.fullmatch(r"={3,}.*={3,}", line):
            name = None
        elif name is not None:
            sections[name].append(line)
    return sections


def test_a_failure_reads_in_one_screen_without_the_gates_frames(tmp_path):
    (tmp_path / "test_fixture_cases.py").write_text(FIXTURE_TESTS)
    junit = tmp_path / "junit.xml"
    ran = run_project(
        tmp_path,
        MODELS,
        ["forgets"],
        "-k",
        "keras_v3 or forgetful",
        f"--junitxml={junit}",
        f"--repro-dir={tmp_path / 'repro'}",
        env={"COLUMNS": "100"},
    )
    out = ran.stdout
    sections = _failure_sections(out)
    assert set(sections) == {"test_round_trip[forgets-keras_v3]", "test_forgetful_scale"}, out
    for lines in sections.values():
        text = "\n".join(lines)
        assert len(lines) <= 25, text
        assert "keras_gate/" not in text and "_pytest" not in text, text
        assert "predictions: scale: max|diff|=" in text, text
    assert "reproducer: " in "\n".join(sections["test_round_trip[forgets-keras_v3]"])
    # The user's own line stays: where their test called the fixture.
    assert "keras_roundtrip(model" in "\n".join(sections["test_forgetful_scale"])
    assert "keras_gate/" not in junit.read_text()
    # The table wraps its reasons to the terminal, whole.
    assert "scale.factor: 3.0 -> 1.0 (+2)" in " ".join(out.split())
    assert "…" not in out.split("keras gate: round trips")[-1]


def test_a_baseline_is_recorded_without_a_red_step_and_plain_failures_still_count(tmp_path):
    # Recording on a release with known defects: --fail-on=none lets no gate verdict
    # decide (the fixture case and the matrix's `forgets` fail), plain tests still do.
    _project(tmp_path, plain=False)
    baseline = tmp_path / "base.json"
    models = ["dense", "forgets"]
    ran = run_project(
        tmp_path, MODELS, models, "-q", f"--save-verdicts={baseline}", "--fail-on=none"
    )
    assert ran.returncode == pytest.ExitCode.OK, ran.stdout[-3000:]
    assert "exit status 0: --fail-on=none: 3 failing gate case(s) recorded" in ran.stdout
    assert baseline.exists()
    (tmp_path / "test_plain.py").write_text(PLAIN)
    ran = run_project(tmp_path, MODELS, models, "-q", "--fail-on=none")
    assert ran.returncode == pytest.ExitCode.TESTS_FAILED, ran.stdout[-3000:]
    assert "test_plain.py::test_arithmetic" in ran.stdout.split("exit status 1")[-1]
