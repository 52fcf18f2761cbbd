"""The run's report as one self-contained HTML page (``--roundtrip-report=PATH`` →
``PATH.html``): counts first, then a model × format grid coloured by verdict, each
cell that did not pass opening its findings, localisation and reproducer; the
comparison with a baseline first where there is one. No external file, font or
script: a CI artifact opens as it is.
"""

from __future__ import annotations

from html import escape

from keras_gate._version import __version__
from keras_gate.report.reasons import reason
from keras_gate.report.record import CaseRecord, Verdict

KINDS = {
    # verdict -> (class, what the legend calls it)
    Verdict.PASS: ("kg-pass", "pass"),
    Verdict.XFAIL: ("kg-known", "known failure"),
    Verdict.FAIL: ("kg-fail", "failure"),
    Verdict.XPASS_STRICT: ("kg-fail", "known failure passed (XPASS strict)"),
    Verdict.XPASS: ("kg-pass", "pass (XPASS)"),
    Verdict.ERROR: ("kg-error", "error"),
    Verdict.SKIP: ("kg-skip", "skipped"),
    Verdict.NOT_RUN: ("kg-skip", "not run"),
}

PAGE_STYLE = """
body{font:14px/1.45 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:24px;color:#1f2328}
h1{font-size:20px;margin:0 0 4px} h2{font-size:16px;margin:28px 0 8px}
details{border:1px solid #d0d7de;border-radius:6px;margin:8px 0;padding:6px 10px}
details[open]{background:#fcfcfd} summary{cursor:pointer;font-weight:600}
pre{white-space:pre-wrap;font-size:12px;background:#f6f8fa;padding:8px;border-radius:6px}
code{font-size:12px}
"""

GRID_STYLE = """
.kg-stack{color:#57606a;font-size:12px;margin-bottom:16px}
.kg-counts{display:flex;gap:10px;flex-wrap:wrap;margin:8px 0 4px}
.kg-count{border-radius:6px;padding:6px 12px;font-weight:600}
.kg-count b{font-size:20px;margin-right:6px}
table.kg-grid{border-collapse:collapse;margin-top:6px}
.kg-grid th,.kg-grid td{border:1px solid #d0d7de;padding:4px 8px;text-align:left;vertical-align:top}
.kg-grid th{background:#f6f8fa;font-weight:600} td.kg-model{font-weight:600;white-space:nowrap}
td.kg-cell{text-align:center;min-width:74px;font-weight:600}
td.kg-cell a{color:inherit;text-decoration:none;display:block}
.kg-pass{background:#dafbe1;color:#116329} .kg-known{background:#fff8c5;color:#7d4e00}
.kg-fail{background:#ffebe9;color:#a40e26} .kg-error{background:#f5e0ff;color:#6e2b99}
.kg-skip{background:#f6f8fa;color:#6e7781} .kg-absent{color:#afb8c1;font-weight:400}
.kg-new{outline:3px solid #cf222e;outline-offset:-3px} .kg-muted{color:#57606a}
"""
"""Only ``kg-`` classes: the grid also sits inside pytest-html's page."""

SCRIPT = """
const opened = location.hash && document.getElementById(location.hash.slice(1));
if (opened && opened.tagName === 'DETAILS') opened.open = true;
for (const a of document.querySelectorAll('a[href^="#case-"]')) {
  a.addEventListener('click', () => {
    const d = document.getElementById(a.getAttribute('href').slice(1));
    if (d) d.open = true;
  });
}
"""


def html_report(
    records: list[CaseRecord], stack: dict[str, str], comparison=None, title: str = ""
) -> str:
    """The page for ``records`` (every gate case of the run); ``comparison``: a
    ``verdicts.ComparisonTable`` against a baseline, or None."""
    changes = comparison.by_key() if comparison is not None else {}
    anchors = {record.key: f"case-{i}" for i, record in enumerate(records)}
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{escape(title or 'Keras serialization gate')}</title>",
        f"<style>{PAGE_STYLE}{GRID_STYLE}</style></head><body>",
        f"<h1>{escape(title or 'Keras serialization gate')}</h1>",
        f'<div class="kg-stack">keras-serialization-gate {__version__} · '
        f"{escape(', '.join(f'{k} {v}' for k, v in stack.items()))}</div>",
        _counts(records, changes),
    ]
    if comparison is not None:
        parts.append(_comparison(comparison, anchors))
    for heading, chosen in _grids(records):
        parts += [f"<h2>{heading}</h2>", _grid(chosen, changes, anchors)]
    order = sorted(records, key=lambda r: (r.check != "roundtrip", r.model, r.scenario))
    failing = [r for r in order if r.verdict not in (Verdict.PASS, Verdict.SKIP)]
    if failing:
        parts.append("<h2>Cases that did not pass</h2>")
        parts += [_details(record, changes, anchors) for record in failing]
    skipped = [r for r in order if r.verdict is Verdict.SKIP]
    if skipped:
        parts.append(f"<h2>Skipped ({len(skipped)})</h2>")
        parts += [_details(record, changes, anchors) for record in skipped]
    parts += [f"<script>{SCRIPT}</script>", "</body></html>"]
    return "\n".join(parts) + "\n"


def summary_fragment(records: list[CaseRecord], comparison=None) -> str:
    """Counts and the round-trip grid (no per-case details), for another page: the
    gate's summary in pytest-html's report."""
    changes = comparison.by_key() if comparison is not None else {}
    anchors = {record.key: f"case-{i}" for i, record in enumerate(records)}
    parts = [f"<style>{GRID_STYLE}</style>", "<h2>Keras serialization gate</h2>"]
    parts.append(_counts(records, changes))
    for heading, chosen in _grids(records):
        if chosen[0].check == "roundtrip":
            parts += [f"<h3>{heading}</h3>", _grid(chosen, changes, anchors, links=False)]
    return "\n".join(parts)


def _grids(records: list[CaseRecord]):
    """(heading, records) of each grid: the seed scenario's models × formats first (what a
    glance needs), the other scenarios apart (their few formats, no empty columns)."""
    headings = {"roundtrip": "Round trips", "oracle": "Ground-truth oracle"}
    for check, heading in headings.items():
        chosen = [record for record in records if record.check == check]
        seed = [record for record in chosen if record.scenario == "default"]
        others = [record for record in chosen if record.scenario != "default"]
        if seed:
            yield (f"{heading}, seed scenario" if others else heading), seed
        if others:
            yield f"{heading}, other scenarios", others


def _counts(records: list[CaseRecord], changes: dict) -> str:
    found: dict[tuple[str, str], int] = {}
    for record in records:
        kind = KINDS[record.verdict]
        found[kind] = found.get(kind, 0) + 1
    order = ["kg-pass", "kg-known", "kg-fail", "kg-error", "kg-skip"]
    boxes = [
        f'<div class="kg-count {css}"><b>{n}</b>{escape(label)}</div>'
        for (css, label), n in sorted(found.items(), key=lambda item: order.index(item[0][0]))
    ]
    new = sum(1 for change in changes.values() if change == "new failure")
    if changes:
        boxes.append(
            f'<div class="kg-count kg-fail kg-new"><b>{new}</b>new against the baseline</div>'
        )
    total = f'<div class="kg-muted">{len(records)} gate cases</div>'
    return f'<div class="kg-counts">{"".join(boxes)}</div>{total}'


def _grid(records: list[CaseRecord], changes: dict, anchors: dict, links: bool = True) -> str:
    subjects = list(dict.fromkeys(record.subject for record in records))
    rows: dict[tuple[str, str], dict[str, CaseRecord]] = {}
    for record in records:
        rows.setdefault((record.model, record.scenario), {})[record.subject] = record
    # A keras_roundtrip case's subject is empty: its formats are the test's choice.
    head = "".join(f"<th>{escape(subject or 'keras_roundtrip')}</th>" for subject in subjects)
    lines = [f'<table class="kg-grid"><tr><th>model</th><th>scenario</th>{head}</tr>']
    for (model, scenario), cells in rows.items():
        tds = "".join(_cell(cells.get(s), changes, anchors, links) for s in subjects)
        lines.append(
            f'<tr><td class="kg-model">{escape(model)}</td>'
            f'<td class="kg-muted">{escape(scenario)}</td>{tds}</tr>'
        )
    return "\n".join([*lines, "</table>"])


def _cell(record: CaseRecord | None, changes: dict, anchors: dict, links: bool) -> str:
    if record is None:
        return '<td class="kg-cell kg-absent" title="not in this run\'s matrix">·</td>'
    css, label = KINDS[record.verdict]
    change = changes.get(record.key)
    if change == "new failure":
        css += " kg-new"
    text = escape(str(record.verdict))
    why = reason(record)
    hint = escape(label + (f"; {change}" if change else "") + (f": {why}" if why else ""))
    if links and record.verdict is not Verdict.PASS:
        text = f'<a href="#{anchors[record.key]}">{text}</a>'
    return f'<td class="kg-cell {css}" title="{hint}">{text}</td>'


def _details(record: CaseRecord, changes: dict, anchors: dict) -> str:
    css, label = KINDS[record.verdict]
    change = changes.get(record.key)
    summary = (
        f'<span class="{css}">&nbsp;{escape(str(record.verdict))}&nbsp;</span> '
        f"{escape(record.key.label)}" + (f" — {escape(change)}" if change else "")
    )
    body = [f'<div class="kg-muted">{escape(label)}; weights: {escape(record.weight_source)}</div>']
    if record.known_failures:
        body.append(f"<div>known-failure entries: {escape(', '.join(record.known_failures))}</div>")
    if record.findings:
        items = "".join(
            f"<li><code>{escape(f.check)}</code>: {escape(f.text)}</li>" for f in record.findings
        )
        body.append(f"<div>findings ({len(record.findings)}):</div><ul>{items}</ul>")
    elif record.symptom:
        body.append(f"<div>{escape(record.symptom)}</div>")
    if record.detail:
        body.append(f"<pre>{escape(record.detail)}</pre>")
    if record.not_compared:
        items = "".join(f"<li>{escape(text)}</li>" for text in record.not_compared)
        body.append(f"<div>not compared:</div><ul>{items}</ul>")
    if record.reproducer:
        body.append(
            f"<div>reproducer: <code>{escape(record.reproducer)}</code> "
            "(keras + numpy + the backend; exit 1 when it reproduces)</div>"
        )
    # A red cell's reason is open: the reader came for it.
    opened = " open" if record.verdict.fails_run else ""
    head = f'<details id="{anchors[record.key]}"{opened}><summary>{summary}</summary>'
    return f"{head}{''.join(body)}</details>"


def _comparison(comparison, anchors: dict) -> str:
    lines = [
        "<h2>Against the baseline</h2>",
        f"<div>{escape(comparison.heading())}</div>",
        '<table class="kg-grid"><tr>'
        + "".join(f"<th>{escape(h)}</th>" for h in comparison.HEADER)
        + "</tr>",
    ]
    for row in comparison.rows():
        css = "kg-fail kg-new" if row[0] == "new failure" else ""
        cells = "".join(f"<td>{escape(cell)}</td>" for cell in row)
        lines.append(f'<tr class="{css}">{cells}</tr>')
    return "\n".join([*lines, "</table>"])
