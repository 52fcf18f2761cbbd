"""Why a case did not pass, in one short line: the terminal table's and the HTML
grid's reason."""

from __future__ import annotations

from keras_gate.report.record import CaseRecord, Verdict

REASON_WIDTH = 72


def reason(record: CaseRecord, width: int = REASON_WIDTH) -> str:
    """Why a case did not pass, short: its first finding, else its symptom ("" if it
    passed or nothing was said); cut at ``width`` characters (0: whole)."""
    if record.verdict is Verdict.PASS:
        return ""
    if record.findings:
        first = record.findings[0]
        text = f"{first.check}: {first.text}"
        if len(record.findings) > 1:
            text += f" (+{len(record.findings) - 1})"
    else:
        text = record.symptom
    if record.verdict is Verdict.XFAIL and record.shown:
        text = f"known [{', '.join(record.shown)}]: {text}"
    text = " ".join(text.split())
    return text if not width or len(text) <= width else text[: width - 1] + "…"
