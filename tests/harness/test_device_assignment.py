"""Worker-to-device mapping, exercised on CPU."""

import pytest

from keras_gate.distribute.devices import assign_device, visible_gpus, worker_index


@pytest.mark.parametrize(
    ("env", "detected", "expected"),
    [
        (None, 0, []),
        (None, 2, ["0", "1"]),
        ("", 4, []),
        ("-1", 4, []),
        ("2,0", 4, ["2", "0"]),
        ("1,-1,3", 4, ["1"]),
        ("GPU-8a3c,GPU-77f0", 2, ["GPU-8a3c", "GPU-77f0"]),
    ],
)
def test_only_devices_the_user_made_visible(env, detected, expected):
    assert visible_gpus(env, detected) == expected


def test_worker_ids():
    assert [worker_index(w) for w in ("gw0", "gw7", "master")] == [0, 7, 0]


def test_no_gpu_means_every_worker_on_cpu_with_gpus_hidden():
    for worker in ("master", "gw0", "gw5"):
        placed = assign_device(worker, [])
        assert placed.device == "cpu" and placed.environment == {"CUDA_VISIBLE_DEVICES": ""}


def test_workers_share_gpus_round_robin_then_overflow_to_cpu():
    devices = [assign_device(f"gw{i}", ["2", "0"], workers_per_gpu=2).device for i in range(6)]
    assert devices == ["gpu:2", "gpu:0", "gpu:2", "gpu:0", "cpu", "cpu"]


def test_cpu_workers_come_first():
    devices = [
        assign_device(f"gw{i}", ["0"], workers_per_gpu=4, cpu_workers=1).device for i in range(3)
    ]
    assert devices == ["cpu", "gpu:0", "gpu:0"]


def test_a_gpu_worker_sees_one_device_exact_kernels_and_growing_memory():
    env = assign_device("gw1", ["0", "3"]).environment
    assert env["CUDA_VISIBLE_DEVICES"] == "3"
    assert env["NVIDIA_TF32_OVERRIDE"] == "0"
    assert env["TF_FORCE_GPU_ALLOW_GROWTH"] == "true"
    assert env["TF_DETERMINISTIC_OPS"] == "1"


def test_bad_settings_are_rejected_with_the_option_names():
    with pytest.raises(ValueError, match="--workers-per-gpu"):
        assign_device("gw0", ["0"], workers_per_gpu=0)


class _Config:
    """What pin_process reads of pytest's config: an xdist worker's."""

    workerinput = {"workerid": "gw0"}

    def getoption(self, name, default=None):
        return {"workers_per_gpu": 2, "cpu_workers": 0}.get(name, default)


def test_tensorflow_imported_too_early_is_refused_only_where_there_is_a_gpu_to_pin(monkeypatch):
    import sys
    import types

    from keras_gate.distribute.devices import pin_process

    monkeypatch.setitem(
        sys.modules, "tensorflow", sys.modules.get("tensorflow", types.ModuleType("tensorflow"))
    )
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "0")
    with pytest.raises(
        pytest.UsageError, match=r"the gate could pin gw0 to its device \(gpu:0; GPUs 0\)"
    ):
        pin_process(_Config())
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "")  # no GPU: CPU is all there is
    assert pin_process(_Config()).device == "cpu"


def test_each_worker_gets_its_share_of_the_cores_for_tensorflows_pools():
    from keras_gate.distribute.devices import thread_environment

    assert thread_environment(2, 2, {}) == {
        "TF_NUM_INTRAOP_THREADS": "1",
        "TF_NUM_INTEROP_THREADS": "1",
    }
    assert thread_environment(3, 16, {})["TF_NUM_INTRAOP_THREADS"] == "5"
    assert thread_environment(4, 2, {})["TF_NUM_INTRAOP_THREADS"] == "1"  # never 0
    assert thread_environment(1, 2, {}) == {}  # one process: TensorFlow's own sizing
    # What the user set is theirs.
    assert thread_environment(2, 2, {"TF_NUM_INTRAOP_THREADS": "2"}) == {
        "TF_NUM_INTEROP_THREADS": "1"
    }


def test_a_worker_sets_the_share_before_tensorflow_loads(monkeypatch):
    from keras_gate.distribute.devices import THREAD_VARIABLES, pin_process

    class Worker(_Config):
        workerinput = {"workerid": "gw1", "workercount": 2}

    for name in THREAD_VARIABLES:
        # Set, then removed: monkeypatch then restores (or removes) what pin_process
        # writes into os.environ, so no later test in this process inherits it.
        monkeypatch.setenv(name, "unset")
        monkeypatch.delenv(name)
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "")
    monkeypatch.setattr("os.sched_getaffinity", lambda pid: {0, 1, 2, 3}, raising=False)
    pin_process(Worker())
    import os

    assert [os.environ[name] for name in THREAD_VARIABLES] == ["2", "2"]
