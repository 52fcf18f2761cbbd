"""Cross-version artifacts (write, find, verify, classify) and the bisect search, offline."""

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from packaging.version import Version

from keras_gate.engine.tolerances import Tolerance
from keras_gate.report.artifacts import (
    SCHEMA,
    ArtifactError,
    artifact_verdict,
    find_artifacts,
    save_artifact,
    verify_hashes,
)
from keras_gate.tools import bisect as bisect_keras

ROOT = Path(__file__).resolve().parents[2]

TOLERANCE = Tolerance(1e-6, 1e-6)
ORIGINAL = {"head": np.array([0.1, 0.9]), "features": np.array([1.0, 2.0])}
REVIVED = {"head": np.array([0.2, 0.8]), "features": np.array([1.5, 2.0])}


def _saved(tmp_path, revived_outputs=REVIVED):
    written = tmp_path / "written"
    written.mkdir()
    (written / "model.keras").write_bytes(b"not really a model")
    return save_artifact(
        tmp_path / "artifacts",
        case="EfficientNetB0-keras_v3",
        saved_in=written,
        file_name="model.keras",
        inputs=np.zeros((2, 3)),
        outputs=ORIGINAL,
        revived_outputs=revived_outputs,
        description={"format": "keras_v3", "compute_dtype": "float32", "stack": {"keras": "x"}},
    )


def test_saved_artifact_is_found_with_its_manifest_and_hashes(tmp_path):
    _saved(tmp_path)
    (artifact,) = find_artifacts(tmp_path / "artifacts")
    assert artifact.id == "EfficientNetB0-keras_v3"
    assert artifact.path.read_bytes() == b"not really a model"
    assert set(artifact.manifest["sha256"]) == {
        "saved",
        "inputs.npy",
        "outputs.npz",
        "revived_outputs.npz",
    }
    verify_hashes(artifact)
    assert not list((tmp_path / "artifacts").glob(".*partial"))


def test_a_changed_file_is_named(tmp_path):
    _saved(tmp_path)
    (artifact,) = find_artifacts(tmp_path / "artifacts")
    artifact.path.write_bytes(b"tampered")
    with pytest.raises(ArtifactError, match="saved: missing or changed"):
        verify_hashes(artifact)


@pytest.mark.parametrize(
    ("loaded", "verdict"),
    [(ORIGINAL, "same"), (REVIVED, "same_as_saving_reload"), ({"head": np.ones(2)}, "differs")],
)
def test_classification(tmp_path, loaded, verdict):
    _saved(tmp_path)
    (artifact,) = find_artifacts(tmp_path / "artifacts")
    assert artifact_verdict(artifact, loaded, TOLERANCE) == verdict


def test_without_a_saving_reload_a_difference_is_this_release(tmp_path):
    _saved(tmp_path, revived_outputs=None)
    (artifact,) = find_artifacts(tmp_path / "artifacts")
    assert artifact_verdict(artifact, REVIVED, TOLERANCE) == "differs"


@pytest.mark.parametrize(
    ("setup", "message"),
    [
        (lambda d: None, "no such directory"),
        (lambda d: d.mkdir(), "no artifacts"),
        (
            lambda d: (d / "x").mkdir(parents=True) or (d / "x/manifest.json").write_text("{"),
            "unreadable",
        ),
        (
            lambda d: (
                (d / "x").mkdir(parents=True)
                or (d / "x/manifest.json").write_text(json.dumps({"schema": "other/9"}))
            ),
            "expected " + repr(SCHEMA),
        ),
    ],
)
def test_bad_artifact_directories_are_named(tmp_path, setup, message):
    directory = tmp_path / "artifacts"
    setup(directory)
    with pytest.raises(ArtifactError, match=f"--load-artifacts={directory}.*{message}"):
        find_artifacts(directory)


def test_bad_load_artifacts_option_is_a_usage_error(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "--co", "-q", f"--load-artifacts={tmp_path / 'none'}"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 4
    assert f"--load-artifacts={tmp_path / 'none'}: no such directory" in result.stderr


VERSIONS = [Version(v) for v in ("3.0.0", "3.1.0", "3.4.1", "3.5.0", "3.6.0", "3.7.0", "3.15.1")]


def test_bisect_names_the_first_changed_release_and_tries_few():
    tried = []

    def judge(version):
        tried.append(version)
        return ("pass", "ok") if version >= Version("3.6.0") else ("fail: X", "1 failed")

    seen, changed = bisect_keras.bisect(VERSIONS, judge)
    assert changed == Version("3.6.0")
    assert len(tried) <= 2 + 3  # both ends, then log2(7) steps
    assert seen[Version("3.5.0")][0] == "fail: X" and seen[changed][0] == "pass"


def test_bisect_says_when_the_ends_agree():
    seen, changed = bisect_keras.bisect(VERSIONS, lambda v: ("pass", ""))
    assert changed is None and len(seen) == 2


def test_a_change_of_failure_counts_as_a_change():
    def judge(version):
        return ("fail: StateMismatch" if version >= Version("3.7.0") else "fail: ValueError", "")

    assert bisect_keras.bisect(VERSIONS, judge)[1] == Version("3.7.0")
