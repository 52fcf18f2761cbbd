"""Weight sources, tested offline: the official path runs against a loopback server."""

import hashlib
import http.server
import shutil
import threading

import pytest

from fixtures.weight_sources import WeightSourceError, build_application, planned_source


@pytest.fixture
def keras_home(tmp_path, monkeypatch):
    """An empty Keras cache (KERAS_HOME) for this test only."""
    from keras.src.backend import config

    home = tmp_path / "keras-home"
    home.mkdir()
    monkeypatch.setenv("KERAS_HOME", str(home))
    monkeypatch.setattr(config, "_KERAS_DIR", str(home))
    return home


@pytest.fixture
def weight_host(tmp_path, b0_seed_model, monkeypatch):
    """A loopback stand-in for storage.googleapis.com serving the B0 file.

    Keras's own download and hash check run unchanged; only the host and the
    expected hash (that of the file served) are redirected.
    """
    from keras.src.applications import efficientnet

    served = tmp_path / "served"
    served.mkdir()
    shutil.copy(b0_seed_model.weights_file, served / "efficientnetb0_notop.h5")
    sha256 = hashlib.sha256((served / "efficientnetb0_notop.h5").read_bytes()).hexdigest()

    class Handler(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, directory=str(served), **kwargs)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    monkeypatch.setattr(
        efficientnet, "BASE_WEIGHTS_PATH", f"http://127.0.0.1:{server.server_port}/"
    )
    monkeypatch.setitem(
        efficientnet.WEIGHTS_HASHES, "b0", (efficientnet.WEIGHTS_HASHES["b0"][0], sha256)
    )
    yield server
    server.shutdown()


def test_imagenet_downloads_through_keras_then_auto_uses_the_cached_file(
    b0_spec, keras_home, weight_host, private_synthetic_weights
):
    assert planned_source(b0_spec, "auto") == "synthetic"
    _, origin = build_application(b0_spec, "imagenet", private_synthetic_weights)
    cached = keras_home / "models" / "efficientnetb0_notop.h5"
    assert origin.source == "imagenet"
    assert origin.path == str(cached) and cached.is_file()
    assert planned_source(b0_spec, "auto") == "imagenet"
    _, origin = build_application(b0_spec, "auto", private_synthetic_weights)
    assert origin.source == "imagenet"


def test_auto_ignores_an_official_file_that_fails_its_hash(
    b0_spec, keras_home, weight_host, private_synthetic_weights
):
    cached = keras_home / "models" / "efficientnetb0_notop.h5"
    cached.parent.mkdir()
    cached.write_bytes(b"truncated download")
    with pytest.warns(UserWarning, match=f"{cached} failed its hash check"):
        _, origin = build_application(b0_spec, "auto", private_synthetic_weights)
    assert origin.source == "synthetic"


def test_imagenet_offline_says_which_file_is_missing_and_where(
    b0_spec, keras_home, monkeypatch, private_synthetic_weights
):
    from keras.src.applications import efficientnet

    # Port 9 (discard) on loopback: refused at once, like an offline host.
    monkeypatch.setattr(efficientnet, "BASE_WEIGHTS_PATH", "http://127.0.0.1:9/")
    with pytest.raises(WeightSourceError) as error:
        build_application(b0_spec, "imagenet", private_synthetic_weights)
    message = str(error.value)
    assert "EfficientNetB0" in message and "efficientnetb0_notop.h5" in message
    assert str(keras_home / "models" / "efficientnetb0_notop.h5") in message
    assert "--weights=synthetic" in message


class _RecordingSyntheticWeights:
    """Records whether each file was asked for inside Keras's ``get_file`` call."""

    def __init__(self, inner):
        from keras.src.utils import file_utils

        self.inner, self.real_get_file, self.inside = inner, file_utils.get_file, []

    def ensure(self, spec):
        from keras.src.utils import file_utils

        self.inside.append(file_utils.get_file is not self.real_get_file)
        return self.inner.ensure(spec)


def test_synthetic_never_touches_the_keras_cache(b0_spec, keras_home, private_synthetic_weights):
    """Nor is the file made inside the constructor: generation builds the model twice
    more, and there those copies would sit beside the variables it has allocated."""
    recording = _RecordingSyntheticWeights(private_synthetic_weights)
    _, origin = build_application(b0_spec, "synthetic", recording)
    assert origin.source == "synthetic"
    assert recording.inside == [False]
    assert not (keras_home / "models").exists()


def test_unknown_mode_is_rejected_with_the_accepted_ones(b0_spec, private_synthetic_weights):
    with pytest.raises(WeightSourceError, match="auto, imagenet, synthetic"):
        build_application(b0_spec, "imagenette", private_synthetic_weights)


def test_a_mirror_serves_the_file_and_keras_still_checks_its_hash(
    b0_spec, keras_home, weight_host, monkeypatch, private_synthetic_weights
):
    from keras.src.applications import efficientnet

    # The official host is unreachable; only the mirror serves the file.
    monkeypatch.setattr(efficientnet, "BASE_WEIGHTS_PATH", "http://127.0.0.1:9/")
    mirror = f"http://127.0.0.1:{weight_host.server_port}"
    _, origin = build_application(b0_spec, "imagenet", private_synthetic_weights, mirror=mirror)
    assert origin.source == "imagenet" and origin.path.startswith(str(keras_home))
    # A file whose hash differs from the one Keras expects is refused, mirror or not.
    (keras_home / "models" / "efficientnetb0_notop.h5").unlink()
    monkeypatch.setitem(efficientnet.WEIGHTS_HASHES, "b0", ("0" * 32, "0" * 64))
    with pytest.raises(WeightSourceError, match="efficientnetb0_notop.h5"):
        build_application(b0_spec, "imagenet", private_synthetic_weights, mirror=mirror)


def test_a_corrupted_official_file_is_named_when_it_cannot_be_replaced(
    b0_spec, keras_home, monkeypatch, private_synthetic_weights
):
    from keras.src.applications import efficientnet

    monkeypatch.setattr(efficientnet, "BASE_WEIGHTS_PATH", "http://127.0.0.1:9/")
    cached = keras_home / "models" / "efficientnetb0_notop.h5"
    cached.parent.mkdir()
    cached.write_bytes(b"truncated")
    with pytest.raises(WeightSourceError) as error:
        build_application(b0_spec, "imagenet", private_synthetic_weights)
    assert f"The cached {cached} failed its hash check" in str(error.value)


def test_a_stalled_weight_host_gives_up_in_bounded_time(
    b0_spec, keras_home, monkeypatch, private_synthetic_weights
):
    import socket
    import time

    from keras.src.applications import efficientnet

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)  # accepts connections (kernel backlog), never answers
    try:
        monkeypatch.setattr(
            efficientnet, "BASE_WEIGHTS_PATH", f"http://127.0.0.1:{listener.getsockname()[1]}/"
        )
        start = time.monotonic()
        with pytest.raises(WeightSourceError, match="timed out"):
            build_application(b0_spec, "imagenet", private_synthetic_weights, download_timeout=1.0)
        assert time.monotonic() - start < 30
    finally:
        listener.close()
