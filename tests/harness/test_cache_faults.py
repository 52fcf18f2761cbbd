"""Cache faults: concurrent cold starts, a writer killed mid-file, a full disk."""

import errno
import multiprocessing
import os
import signal
import subprocess
import sys
import textwrap
import time

import pytest

from keras_gate.engine.runtime.weight_cache import WeightCache, WeightCacheError

PAYLOAD = b"weights" * 100_000


def _cold_worker(root, counter, barrier):
    from pathlib import Path

    def produce(path):
        with open(counter, "a") as f:  # one line per production
            f.write("produced\n")
        time.sleep(0.5)  # a slow generation widens the race
        Path(path).write_bytes(PAYLOAD)

    barrier.wait()
    path = WeightCache(Path(root)).get_or_create("model.h5", produce)
    return Path(path).read_bytes() == PAYLOAD


def test_four_cold_workers_produce_the_file_exactly_once(tmp_path):
    counter = tmp_path / "productions.txt"
    context = multiprocessing.get_context("spawn")
    barrier = context.Manager().Barrier(4)
    with context.Pool(4) as pool:
        intact = pool.starmap(_cold_worker, [(str(tmp_path / "cache"), str(counter), barrier)] * 4)
    assert intact == [True] * 4
    assert counter.read_text().count("produced") == 1


WRITER = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    sys.path.insert(0, {root!r})
    from keras_gate.engine.runtime.weight_cache import WeightCache

    def produce(path):
        with open(path, "wb") as f:
            f.write(b"half a file")
            f.flush()
            print("writing", flush=True)
            time.sleep(60)

    WeightCache(Path({cache!r})).get_or_create("model.h5", produce)
    """
)


def test_a_writer_killed_mid_file_leaves_no_final_file_and_the_next_run_recovers(tmp_path):
    cache = tmp_path / "cache"
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    writer = subprocess.Popen(
        [sys.executable, "-c", WRITER.format(root=root, cache=str(cache))],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert writer.stdout.readline().strip() == "writing"
    writer.send_signal(signal.SIGKILL)
    writer.wait(timeout=30)
    assert not (cache / "model.h5").exists()
    assert not (cache / "model.h5.sha256.json").exists()
    # The lock died with its holder; a new run produces a whole file.
    path = WeightCache(cache).get_or_create("model.h5", lambda p: p.write_bytes(PAYLOAD))
    assert path.read_bytes() == PAYLOAD


@pytest.mark.parametrize("code", [errno.ENOSPC, errno.EROFS])
def test_a_full_or_read_only_disk_names_the_directory_and_the_way_out(tmp_path, code):
    def produce(path):
        path.write_bytes(b"par")
        raise OSError(code, os.strerror(code))

    cache = WeightCache(tmp_path)
    with pytest.raises(WeightCacheError) as error:
        cache.get_or_create("model.h5", produce)
    assert str(tmp_path) in str(error.value)
    assert "--weights-cache=DIR or KERAS_GATE_CACHE=DIR" in str(error.value)
    assert [p.name for p in tmp_path.iterdir() if not p.name.endswith(".lock")] == []
