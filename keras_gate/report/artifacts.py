"""Cross-version artifacts: files saved under one Keras, loaded and checked under another.

``--save-artifacts DIR`` writes, per round-trip case whose format makes files,
``DIR/<case id>/``: the saved file(s), ``inputs.npy``, ``outputs.npz`` (the
model in memory at save time), ``revived_outputs.npz`` (the saving release's
own reload, when it loaded) and ``manifest.json`` (stack, weights, hashes).
``--load-artifacts DIR`` checks each one under the running Keras and classifies
the outcome (``ARTIFACT_VERDICTS``).
"""

from __future__ import annotations

import hashlib
import json
import shutil
from dataclasses import dataclass
from pathlib import Path

import numpy as np

MANIFEST = "manifest.json"
SCHEMA = "keras-gate-artifact/1"

ARTIFACT_VERDICTS = {
    "same": "the loaded model predicts what the saved model predicted",
    "same_as_saving_reload": "differs from the saved model exactly as the saving release's "
    "own reload did: a save-time defect of that release (e.g. keras#20147), read the same "
    "way here",
    "differs": "this release reads the file differently from the saving release",
    "load_error": "this release cannot load the file",
}


class ArtifactError(Exception):
    """An artifact directory or file that cannot be used as given."""


class ArtifactMismatch(AssertionError):
    """A loaded artifact does not predict what it predicted when saved."""

    def __init__(self, verdict: str, message: str):
        super().__init__(f"[{verdict}] {message}")
        self.verdict = verdict


@dataclass(frozen=True)
class Artifact:
    """One saved case, as its manifest describes it."""

    directory: Path
    manifest: dict

    @property
    def id(self) -> str:
        return self.manifest["case"]

    @property
    def format(self) -> str:
        return self.manifest["format"]

    @property
    def path(self) -> Path:
        return self.directory / self.manifest["file"]

    def inputs(self):
        """The batch as saved: one array, a list or a dict of arrays."""
        single = self.directory / "inputs.npy"
        if single.is_file():
            return np.load(single)
        with np.load(self.directory / "inputs.npz") as stored:
            arrays = {key: stored[key] for key in stored.files}
        if self.manifest.get("inputs_structure") == "list":
            return [arrays[str(i)] for i in range(len(arrays))]
        return arrays

    def outputs(self, name: str = "outputs") -> dict[str, np.ndarray] | None:
        path = self.directory / f"{name}.npz"
        if not path.is_file():
            return None
        with np.load(path) as stored:
            return {key: stored[key] for key in stored.files}


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
    for file in files:
        if path.is_dir():
            digest.update(str(file.relative_to(path)).encode())
        with file.open("rb") as stream:
            for block in iter(lambda: stream.read(1 << 20), b""):
                digest.update(block)
    return digest.hexdigest()


def save_artifact(
    target: Path,
    *,
    case: str,
    saved_in: Path,
    file_name: str,
    inputs,
    outputs: dict,
    revived_outputs: dict | None,
    description: dict,
) -> Path:
    """Write one case's artifact under ``target/case`` (replacing an older one whole).

    ``saved_in``: the directory the format wrote into; ``file_name``: what its
    loader opens there.
    """
    final = Path(target) / case
    partial = final.with_name(f".{case}.partial")
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(parents=True)
    shutil.copytree(saved_in, partial / "saved")
    if isinstance(inputs, dict):
        np.savez(partial / "inputs.npz", **inputs)
        description = {**description, "inputs_structure": "dict"}
    elif isinstance(inputs, (list, tuple)):
        np.savez(partial / "inputs.npz", **{str(i): x for i, x in enumerate(inputs)})
        description = {**description, "inputs_structure": "list"}
    else:
        np.save(partial / "inputs.npy", inputs)
    np.savez(partial / "outputs.npz", **outputs)
    if revived_outputs is not None:
        np.savez(partial / "revived_outputs.npz", **revived_outputs)
    files = {p.name: _sha256(p) for p in sorted(partial.iterdir())}
    manifest = {"schema": SCHEMA, "case": case, "file": f"saved/{file_name}", **description}
    manifest["sha256"] = files
    (partial / MANIFEST).write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
    shutil.rmtree(final, ignore_errors=True)
    partial.rename(final)  # a reader never sees a half-written artifact
    return final


def find_artifacts(directory: Path) -> list[Artifact]:
    """Every artifact under ``directory``; :class:`ArtifactError` naming what is wrong."""
    directory = Path(directory)
    option = f"--load-artifacts={directory}"
    if not directory.is_dir():
        raise ArtifactError(f"{option}: no such directory")
    found = []
    for manifest_path in sorted(directory.glob(f"*/{MANIFEST}")):
        try:
            manifest = json.loads(manifest_path.read_text())
        except (OSError, ValueError) as error:
            raise ArtifactError(f"{option}: unreadable {manifest_path}: {error}") from None
        if manifest.get("schema") != SCHEMA:
            raise ArtifactError(
                f"{option}: {manifest_path} has schema {manifest.get('schema')!r}, "
                f"expected {SCHEMA!r}"
            )
        found.append(Artifact(manifest_path.parent, manifest))
    if not found:
        raise ArtifactError(
            f"{option}: no artifacts (no */{MANIFEST}); write some with --save-artifacts=DIR"
        )
    return found


def verify_hashes(artifact: Artifact) -> None:
    """Raise :class:`ArtifactError` naming a file that changed since it was saved."""
    for name, expected in artifact.manifest["sha256"].items():
        path = artifact.directory / name
        if not path.exists() or _sha256(path) != expected:
            raise ArtifactError(
                f"{path}: missing or changed since it was saved (sha256 {expected}); "
                "save the artifacts again"
            )


def artifact_verdict(artifact: Artifact, loaded_outputs: dict, tolerance) -> str:
    """``same``, ``same_as_saving_reload`` or ``differs`` (``ARTIFACT_VERDICTS``)."""
    from keras_gate.engine.checks.predictions import compare_outputs

    def agrees(reference):
        reference = {k: v for k, v in reference.items() if k in loaded_outputs}
        # Stored outputs are values only (no tensor kind): values are compared.
        found = compare_outputs(reference, loaded_outputs, tolerance, exact_type=False)
        return all(d.within for d in found)

    if agrees(artifact.outputs()):
        return "same"
    saving_reload = artifact.outputs("revived_outputs")
    if saving_reload is not None and agrees(saving_reload):
        return "same_as_saving_reload"
    return "differs"


def artifacts_to_load(directory: str | None) -> list[Artifact]:
    """The artifacts of ``--load-artifacts=DIR`` (none without it); a usage error naming
    what is wrong with the directory."""
    if not directory:
        return []
    import pytest

    try:
        return find_artifacts(Path(directory).expanduser())
    except ArtifactError as error:
        raise pytest.UsageError(str(error)) from None
