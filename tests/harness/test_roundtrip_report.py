"""The round-trip report: verdicts from test reports, and its JSON and Markdown files."""

import json
import re
from pathlib import Path
from types import SimpleNamespace

from keras_gate.report.files import RoundTripReport
from keras_gate.report.record import XPASS_STRICT_PROPERTY, record_from_json

NODE = "tests/regression/test_roundtrip.py::test_round_trip[{}]"


def _identity(case: str) -> list[tuple[str, str]]:
    """The properties the plugin puts on a case's reports (this test's data only)."""
    model, *scenario, subject = case.split("-")
    return [
        ("model", model),
        ("scenario", "-".join(scenario) or "default"),
        ("subject", subject),
        ("check", "roundtrip"),
    ]


def _report(case, when, outcome, duration=1.0, props=(), longrepr=None, wasxfail=None):
    report = SimpleNamespace(
        nodeid=NODE.format(case),
        when=when,
        duration=duration,
        user_properties=_identity(case) + list(props),
        longrepr=longrepr,
        passed=outcome == "passed",
        failed=outcome == "failed",
        skipped=outcome == "skipped",
    )
    if wasxfail is not None:
        report.wasxfail = wasxfail
    return report


def _filled_report():
    report = RoundTripReport()
    source = [("weight_source", "synthetic"), ("device", "cpu")]
    report.add(_report("EfficientNetB0-keras_v3", "setup", "passed", 5.0, source))
    report.add(
        _report(
            "EfficientNetB0-keras_v3",
            "call",
            "passed",
            2.0,
            source
            + [
                ("max_abs_head", 0.0),
                ("max_abs_features", 0.0),
                ("max_rel_head", 0.0),
                ("max_rel_features", 0.0),
            ],
        )
    )
    report.add(
        _report(
            "EfficientNetB0-h5",
            "call",
            "skipped",
            3.0,
            source
            + [("max_abs_head", 0.9), ("max_abs_features", 13.6), ("max_rel_head", float("inf"))]
            + [("max_peak_rel_head", 0.09), ("max_peak_rel_features", 0.5)],
            wasxfail="nested",
        )
    )
    report.add(
        _report(
            "MobileNetV3Small-h5",
            "call",
            "failed",
            1.0,
            source + [XPASS_STRICT_PROPERTY],
            longrepr="[XPASS(strict)] fixed upstream",
        )
    )
    report.add(_report("MobileNetV2-h5", "setup", "failed", 0.5))
    report.add(_report("MobileNetV2-h5", "teardown", "passed", 0.0))
    report.add(
        SimpleNamespace(nodeid="tests/harness/test_x.py::test_y", when="call", user_properties=[])
    )
    report.add(_report("EfficientNetB0-sequential-fine_tuned-keras_v3", "call", "passed"))
    return report


def test_scenario_cases_get_their_own_rows_after_the_seed_scenario():
    rows = [(r.model, r.scenario, r.subject) for r in _filled_report().rows()]
    assert rows.index(("EfficientNetB0", "default", "h5")) < rows.index(
        ("EfficientNetB0", "sequential-fine_tuned", "keras_v3")
    )


def test_verdicts_figures_and_seconds_per_case():
    rows = {(r.model, r.subject): r for r in _filled_report().rows() if r.scenario == "default"}
    assert len(rows) == 4
    ok = rows[("EfficientNetB0", "keras_v3")]
    assert (ok.verdict, ok.max_abs, ok.seconds, ok.weight_source) == ("pass", 0.0, 7.0, "synthetic")
    xfail = rows[("EfficientNetB0", "h5")]
    assert (xfail.verdict, xfail.max_abs, xfail.max_rel) == ("xfail", 13.6, float("inf"))
    # Each figure is the largest over the outputs, read from its own properties only.
    assert (xfail.max_peak_rel, ok.max_peak_rel) == (0.5, None)
    assert rows[("MobileNetV3Small", "h5")].verdict == "XPASS(strict)"
    assert rows[("MobileNetV2", "h5")].verdict == "ERROR"


def test_rows_are_sorted_by_model_then_seed_scenario_first():
    assert [r.model for r in _filled_report().rows()] == [
        "EfficientNetB0",
        "EfficientNetB0",
        "EfficientNetB0",
        "MobileNetV2",
        "MobileNetV3Small",
    ]


def test_a_report_base_with_dots_keeps_them():
    assert [p.name for p in RoundTripReport.paths(Path("out/keras-3.15.1"))] == [
        "keras-3.15.1.json",
        "keras-3.15.1.md",
        "keras-3.15.1.html",
    ]
    assert RoundTripReport.paths(Path("out/gate.json"))[1] == Path("out/gate.md")


def test_json_and_markdown_files(tmp_path):
    paths = _filled_report().write(tmp_path / "out" / "gate.json", {"keras": "3.15.1"})
    assert [p.name for p in paths] == ["gate.json", "gate.md", "gate.html"]
    payload = json.loads(paths[0].read_text())
    assert payload["stack"] == {"keras": "3.15.1"}
    assert payload["cases"][1]["max_rel"] == "inf"
    assert record_from_json(payload["cases"][1]).max_peak_rel == 0.5
    markdown = paths[1].read_text()
    assert (
        "| model | scenario | format | verdict | max abs | max rel | weights | device | seconds "
        "| reason |" in markdown
    )
    assert (
        "| EfficientNetB0 | default | h5 | xfail | 13.6 | inf | synthetic | cpu | 3.0 |  |"
        in markdown
    )


def test_the_html_page_colours_each_cell_by_verdict_and_opens_what_did_not_pass():
    from keras_gate.report.html import html_report
    from keras_gate.report.record import CaseKey

    records = _filled_report().rows(None)
    new = CaseKey("roundtrip", "MobileNetV3Small", "default", "h5")
    comparison = SimpleNamespace(
        by_key=lambda: {new: "new failure"},
        heading=lambda: "1 new failure",
        HEADER=("change", "case", "baseline", "here", "note"),
        rows=lambda: [("new failure", "MobileNetV3Small-h5", "pass", "XPASS(strict)", "")],
    )
    page = html_report(records, {"keras": "3.15.1"}, comparison)
    cells = re.findall(r'<td class="kg-cell ([^"]+)" title="[^"]*">(.*?)</td>', page)
    verdicts = {re.sub("<[^>]+>", "", text): css for css, text in cells}
    assert verdicts == {
        "pass": "kg-pass",
        "xfail": "kg-known",
        "ERROR": "kg-error",
        "XPASS(strict)": "kg-fail kg-new",  # outlined: new against the baseline
        "·": "kg-absent",  # a format this model has no case for
    }
    # Every cell that did not pass links to its details; a passing one does not.
    links = re.findall(r'href="#(case-\d+)"', page)
    assert len(links) == 3 and all(f'<details id="{link}"' in page for link in links)
    # The red cells' reasons are open (the error, the strict XPASS), a known failure's not.
    assert len(re.findall(r'<details id="case-\d+" open>', page)) == 2
    assert page.index("Against the baseline") < page.index("Round trips")
    assert "<link" not in page and "src=" not in page  # self-contained


def test_a_case_is_identified_by_its_properties_not_its_node_id():
    report = RoundTripReport()
    props = [("model", "text-classifier"), ("scenario", "default"), ("subject", "h5")]
    report.add(
        SimpleNamespace(
            nodeid="pyproject.toml::test_round_trip[whatever-name]",
            when="call",
            duration=1.0,
            user_properties=[*props, ("check", "roundtrip")],
            longrepr=None,
            passed=True,
            failed=False,
            skipped=False,
        )
    )
    (row,) = report.rows()
    assert (row.model, row.subject, row.verdict) == ("text-classifier", "h5", "pass")
