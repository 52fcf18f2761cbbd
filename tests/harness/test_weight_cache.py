"""The shared cache: produced once, atomic, verified before use, clear errors."""

import os
import stat
from pathlib import Path

import pytest

from keras_gate.engine.runtime.weight_cache import WeightCache, WeightCacheError


def test_produces_once_then_serves_the_cached_file(tmp_path):
    cache = WeightCache(tmp_path)
    calls = []

    def produce(path):
        calls.append(path)
        path.write_bytes(b"weights")

    first = cache.get_or_create("m.h5", produce)
    second = cache.get_or_create("m.h5", produce)
    assert first == second == tmp_path / "m.h5"
    assert len(calls) == 1
    assert first.read_bytes() == b"weights"
    assert sorted(p.name for p in tmp_path.iterdir() if not p.name.endswith(".lock")) == [
        "m.h5",
        "m.h5.sha256.json",
    ]


def test_a_corrupted_file_is_never_served(tmp_path):
    cache = WeightCache(tmp_path)
    cache.get_or_create("m.h5", lambda p: p.write_bytes(b"good weights"))
    (tmp_path / "m.h5").write_bytes(b"good weig")  # truncated
    with pytest.warns(UserWarning, match="failed verification"):
        path = cache.get_or_create("m.h5", lambda p: p.write_bytes(b"good weights"))
    assert path.read_bytes() == b"good weights"


def test_a_failed_producer_leaves_nothing_under_the_final_name(tmp_path):
    cache = WeightCache(tmp_path)

    def produce(path):
        path.write_bytes(b"half")
        raise RuntimeError("killed halfway")

    with pytest.raises(RuntimeError, match="killed halfway"):
        cache.get_or_create("m.h5", produce)
    assert [p.name for p in tmp_path.iterdir() if not p.name.endswith(".lock")] == []


def test_read_only_cache_names_the_directory_and_the_way_out(tmp_path):
    if os.geteuid() == 0:
        # root ignores permission bits; /proc refuses new entries even to root.
        read_only = Path("/proc/keras-gate-cache")
    else:
        tmp_path.chmod(stat.S_IRUSR | stat.S_IXUSR)
        read_only = tmp_path / "sub"
    try:
        with pytest.raises(WeightCacheError, match="--weights-cache=DIR or KERAS_GATE_CACHE") as e:
            WeightCache(read_only).get_or_create("m.h5", lambda p: None)
        assert str(read_only) in str(e.value)
    finally:
        tmp_path.chmod(stat.S_IRWXU)


def test_uncreatable_cache_names_the_directory(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    with pytest.raises(WeightCacheError, match=str(blocker)):
        WeightCache(blocker / "cache").get_or_create("m.h5", lambda p: None)
