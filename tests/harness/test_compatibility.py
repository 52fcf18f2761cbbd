"""The compatibility matrix: one column per release and backend, a cell per case."""

import pytest

from keras_gate.report.record import CaseRecord, RecordsFileError
from keras_gate.report.verdicts import save_verdicts
from keras_gate.tools import compatibility


def _file(tmp_path, keras, records):
    return save_verdicts(tmp_path / f"{keras}.json", records, {"keras": keras, "backend": "jax"})


def test_each_cell_says_pass_which_defect_or_new(tmp_path, capsys):
    old = _file(
        tmp_path,
        "3.10.0",
        [
            CaseRecord("B0", "h5", verdict="xfail", shown=("nested-h5",)),
            CaseRecord("B0", "keras_v3", verdict="FAIL", symptom="PredictionMismatch: x"),
        ],
    )
    new = _file(
        tmp_path,
        "3.9.2",
        [CaseRecord("B0", "h5", verdict="XPASS(strict)", known_failures=("nested-h5",))],
    )
    # A release in the name keeps its dots: m-3.10 writes m-3.10.md, not m-3.md.
    assert compatibility.main([str(old), str(new), "--out", str(tmp_path / "m-3.10")]) == 0
    text = (tmp_path / "m-3.10.md").read_text()
    assert "| case | 3.9.2 (jax) | 3.10.0 (jax) |" in text  # releases in order, not by file
    assert "| B0-h5 | fixed: nested-h5 | known: nested-h5 |" in text
    assert "| B0-keras_v3 | - | FAIL |" in text
    assert "| 3.9.2 (jax) | backend jax, keras 3.9.2 |" in text
    assert "written:" in capsys.readouterr().out


def test_two_files_of_one_release_are_refused(tmp_path):
    first = _file(tmp_path, "3.5.0", [])
    second = save_verdicts(tmp_path / "again.json", [], {"keras": "3.5.0", "backend": "jax"})
    with pytest.raises(RecordsFileError, match="keras 3.5.0 on jax is also in"):
        compatibility.load_runs([first, second])
