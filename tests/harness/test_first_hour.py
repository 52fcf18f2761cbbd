"""What a new user sees first: no phantom tests, no notices the README says are silenced,
usage errors as one short message with a suggestion, not the gate's traceback."""

import re
import subprocess
import sys

import pytest
from user_project import ENV, FORGETFUL_LAYER, run, run_in_process, run_project

MODELS = (
    FORGETFUL_LAYER
    + """
import keras_gate


def tiny():
    inputs = keras.Input((4,))
    return keras.Model(inputs, keras.layers.Dense(3, name="out")(inputs))


def forgets_config():
    inputs = keras.Input((4,))
    return keras.Model(inputs, Scale(3.0, name="scale")(keras.layers.Dense(2)(inputs)))


def misspelt():
    return keras.Sequentail([keras.Input((4,)), keras.layers.Dense(3)])


@keras_gate.model(formats=["keras_v3", "h55"])
def bad_format():
    return tiny()
"""
)


def test_a_run_without_load_artifacts_has_no_deselected_phantom(tmp_path):
    result = run_project(tmp_path, MODELS, ["tiny"], "--co", "-q")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "deselected" not in result.stdout
    assert "test_load_artifact" not in result.stdout
    assert re.search(r"^2 tests collected", result.stdout, re.M), result.stdout


def test_the_h5_save_notice_is_silenced_in_logs_and_in_reproducers(tmp_path):
    # The forgetful layer fails its h5 case: pytest shows that case's captured log.
    repro = tmp_path / "repro"
    result = run_project(  # a process of its own: absl writes where the process's stderr is
        tmp_path,
        MODELS,
        ["forgets_config"],
        "-k",
        "h5",
        "-rA",
        f"--repro-dir={repro}",
        subprocess=True,
    )
    assert result.returncode == pytest.ExitCode.TESTS_FAILED, result.stdout[-2000:]
    assert "FAILED pytest.ini::test_round_trip[forgets_config-h5]" in result.stdout
    assert "saving your model as an HDF5 file" not in result.stdout + result.stderr
    assert "No training configuration found" not in result.stdout + result.stderr
    (script,) = repro.glob("*h5*.py")
    ran = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, env=ENV, timeout=300
    )
    assert ran.returncode == 1, ran.stdout + ran.stderr
    assert "saving your model as an HDF5 file" not in ran.stdout + ran.stderr


def test_a_misspelt_factory_is_one_line_with_a_suggestion(tmp_path):
    result = run_project(tmp_path, MODELS, ["tinny"])
    assert result.returncode == pytest.ExitCode.TESTS_FAILED  # its cases error, not the run
    assert (
        "keras_gate_models entry 'user_models:tinny': 'user_models' has no attribute 'tinny' "
        "(did you mean 'tiny'?)" in result.stdout
    )
    assert "keras_gate/" not in result.stdout  # no frame of the gate's own code


def test_an_unknown_format_names_the_entry_once_with_a_suggestion(tmp_path):
    result = run_project(tmp_path, MODELS, ["bad_format"])
    assert result.returncode == pytest.ExitCode.TESTS_FAILED
    line = next(line for line in result.stdout.splitlines() if "unknown format" in line)
    assert line.count("bad_format") == 1, line
    assert "'h55' (did you mean 'h5'?)" in line


# pytest prints whole failure messages in its summary on CI (the CI variable set), cut
# to the terminal's width elsewhere: the project's frames appear once either way.
@pytest.mark.parametrize("ci", [None, "true"], ids=["terminal", "ci"])
def test_a_factory_that_raises_shows_its_own_frames_once_and_none_of_the_gate(tmp_path, ci):
    result = run_project(tmp_path, MODELS, ["misspelt"], env={"CI": ci, "BUILD_NUMBER": None})
    out = result.stdout
    assert result.returncode == pytest.ExitCode.TESTS_FAILED, out[-2000:]
    message = (
        "keras_gate_models entry 'user_models:misspelt': the factory raised AttributeError: "
        "module 'keras' has no attribute 'Sequentail'"
    )
    failures, summary = out.split("short test summary info")
    assert failures.count(message) == 2, out  # one per case
    assert summary.count("Sequentail") == (2 if ci else 0), out  # whole on CI, else cut
    assert out.count("keras.Sequentail([") == 1, out  # the project's frame, once
    assert "keras_gate/" not in out
    assert "The above exception was the direct cause" not in out


def test_a_run_under_n_says_each_model_done_and_reports_a_page(tmp_path):
    repro, report = tmp_path / "repro", tmp_path / "report" / "gate"
    result = run_project(
        tmp_path,
        MODELS,
        ["tiny", "forgets_config"],
        "-n",
        "1",
        f"--roundtrip-report={report}",
        f"--repro-dir={repro}",
        env={"COLUMNS": "200"},  # the reason column wraps at the terminal's width
    )
    out = result.stdout
    assert result.returncode == pytest.ExitCode.TESTS_FAILED, out[-3000:]
    # One line per model as its last case finishes; the last has nothing left to estimate.
    first = r"^keras gate: 1/2 models done \((tiny|forgets_config): 2 cases, \d+ s\), .* left"
    assert re.search(first, out, re.M), out
    assert re.search(
        r"^keras gate: 2/2 models done \(\w+: 2 cases, \d+ s\), [^,]*elapsed$", out, re.M
    )
    # The table's reason column: the first finding (the forgotten setting), short.
    row = next(line for line in out.splitlines() if re.match(r"forgets_config +default +h5 ", line))
    assert re.search(r"  settings: scale.factor: 3.0 -> 1.0 \(\+2\)$", row), row
    assert "No training configuration found" not in out  # the uncompiled-load notice
    assert "FAILED pytest.ini::test_round_trip[forgets_config-h5] - keras_gate.Prediction" in out
    page = report.with_suffix(".html").read_text()
    assert '<td class="kg-cell kg-pass"' in page and '<td class="kg-cell kg-fail"' in page
    # Every red cell's reason is open.
    found = re.findall(r'<details id="case-\d+" open>.*?</details>', page, re.S)
    (details,) = [d for d in found if "forgets_config-h5" in d]
    assert len(found) == 2  # the two failing cases; the passing ones have none
    assert "first diverging layer: scale (Scale)" in details  # the localisation
    assert str(repro) in details  # the reproducer's path
    markdown = report.with_suffix(".md").read_text()
    assert "settings: scale.factor: 3.0 -> 1.0 (+2)" in markdown  # the whole reason
    rows = [line for line in markdown.splitlines() if line.startswith("| forgets_config")]
    header = next(line for line in markdown.splitlines() if line.startswith("| model"))
    cells = [len(re.split(r"(?<!\\)\|", row)) for row in rows]
    assert cells == [len(header.split("|"))] * 2, rows  # no reason breaks the table


def test_a_second_collect_only_run_does_not_import_the_factories_again(tmp_path):
    # The module counts its imports; --co reuses what it read while no .py file changed.
    # It imports Keras in its factory: a --co run then pays for no TensorFlow import.
    counting = (
        "open('imports.txt', 'a').write('x')\n\n\ndef tiny():\n    import keras\n\n"
        "    inputs = keras.Input((4,))\n"
        "    return keras.Model(inputs, keras.layers.Dense(3, name='out')(inputs))\n"
    )
    collect = ["-m", "pytest", "--co", "-q"]

    def imports():
        return len((tmp_path / "imports.txt").read_text())

    first = run_project(tmp_path, counting, ["tiny"], command=collect)
    again = run(tmp_path, collect)
    assert first.stdout.splitlines()[:2] == again.stdout.splitlines()[:2], again.stdout
    assert imports() == 1, "the second --co imported the factories again"
    changed = run_project(tmp_path, counting + "\n# edited\n", ["tiny"], command=collect)
    assert imports() == 2 and "test_round_trip[tiny-h5]" in changed.stdout
    ran = run_in_process(tmp_path, ["-q"])  # a run that runs cases imports them
    assert ran.returncode == 0 and imports() == 3, ran.stdout[-2000:]


def test_the_gate_summary_is_in_pytest_html_s_report(tmp_path):
    pytest.importorskip("pytest_html")  # the dev extra installs it
    result = run_project(tmp_path, MODELS, ["tiny"], "--html=report.html", "--self-contained-html")
    assert result.returncode == 0, result.stdout[-2000:]
    page = (tmp_path / "report.html").read_text()
    assert "Keras serialization gate" in page
    assert page.count('<td class="kg-cell kg-pass"') == 2  # tiny through keras_v3 and h5


def test_a_setting_given_as_a_string_is_refused_saying_how():
    import keras_gate

    with pytest.raises(TypeError, match=r"not the string 'keras_v3': write formats=\['keras_v3'\]"):
        keras_gate.model(formats="keras_v3")
    with pytest.raises(TypeError, match=r"tolerance=\.\.\.\) takes \(rtol, atol\)"):
        keras_gate.model(tolerance=(1e-5,))


def test_a_passing_case_s_saved_files_go_when_its_checks_are_done(tmp_path):
    # forgets_config fails through both formats; its .h5 failure is a known one.
    (tmp_path / "known.toml").write_text(
        '[[known_failure]]\nmodels = "forgets_config"\nformat = "h5"\nkeras = ">=3.0"\n'
        'error = "PredictionMismatch"\nmatch = "predicts differently"\nreason = "ours"\n'
    )
    base = tmp_path / "basetemp"
    result = run_project(
        tmp_path,
        MODELS,
        ["tiny", "forgets_config"],
        f"--basetemp={base}",
        extra_ini="keras_gate_known_failures = known.toml\n",
    )
    assert result.returncode == pytest.ExitCode.TESTS_FAILED, result.stdout[-2000:]
    assert "1 failed, 2 passed, 1 xfailed" in result.stdout, result.stdout[-2000:]
    kept = {path.parent.name for path in base.rglob("*") if path.is_file()}
    # Only the unexpected failure keeps what it saved; passes and the known failure go.
    assert kept == {"test_round_trip_forgets_config0"}, kept
