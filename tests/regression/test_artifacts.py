"""Files saved by another Keras (``--save-artifacts``) load here and predict the same."""

import warnings

import pytest
from packaging.version import Version

from fixtures.artifacts import ARTIFACT_VERDICTS, ArtifactMismatch, classify, verify_hashes
from fixtures.comparison import tolerance_for
from fixtures.roundtrip_formats import get_format
from fixtures.seed_model import predict_revived
from fixtures.stack_versions import keras_backend, keras_version


def test_load_artifact(artifact, device, record_property):
    fmt = get_format(artifact.format)
    saved_by = artifact.manifest["stack"]
    record_property("saved_by", saved_by)
    unsupported = fmt.unsupported_on(keras_backend())
    if unsupported:
        pytest.skip(unsupported)
    verify_hashes(artifact)
    if fmt.is_model:
        import fixtures.subclassed_model  # noqa: F401  (registers the subclassed wrapper)
    here = f"keras {keras_version()} ({keras_backend()})"
    source = f"{artifact.path.name} written by keras {saved_by.get('keras')}"
    try:
        loaded = fmt.load(artifact.path)
    except Exception as error:
        first_line = str(error).strip().splitlines()[0] if str(error).strip() else ""
        message = f"{here} cannot load {source}: {type(error).__name__}: {first_line}"
        if artifact.outputs("revived_outputs") is None:
            pytest.xfail(f"[load_error] {message} (the saving release could not load it either)")
        if Version(keras_version()) < Version(saved_by.get("keras", "0")):
            # Keras promises to read older files, not newer ones: classified, not a failure.
            pytest.xfail(f"[load_error, older release] {message}")
        raise ArtifactMismatch("load_error", message) from error
    outputs = predict_revived(fmt, loaded, artifact.inputs())
    tolerance = tolerance_for(artifact.manifest["compute_dtype"], device.split(":")[0])
    verdict = classify(artifact, outputs, tolerance)
    record_property("artifact_verdict", verdict)
    if verdict == "differs":
        raise ArtifactMismatch(verdict, f"{here} on {source}: {ARTIFACT_VERDICTS[verdict]}")
    if verdict == "same_as_saving_reload":
        # Not this release's doing, but the user must hear it: what they saw in
        # memory back then is not what their file holds.
        warnings.warn(f"{artifact.id}: {source}: {ARTIFACT_VERDICTS[verdict]}", stacklevel=1)
