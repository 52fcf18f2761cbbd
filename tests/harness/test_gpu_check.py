"""The GPU check script's plan and argument handling, on a machine without a GPU."""

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
import gpu_check  # noqa: E402


def test_the_plan_runs_each_workers_per_gpu_value_then_the_cpu(capsys):
    assert gpu_check.main(["--dry-run", "--tier", "quick", "--workers-per-gpu", "1,2"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split(":")[0] for line in lines] == [
        "gpu, 1 worker(s)",
        "gpu, 2 worker(s)",
        "cpu, 2 workers",
        "differences",
    ]
    assert "CUDA_VISIBLE_DEVICES=0 " in lines[0] and "--workers-per-gpu=1" in lines[0]
    assert "CUDA_VISIBLE_DEVICES= " in lines[2]
    assert lines[3].endswith("EfficientNetB0 EfficientNetV2B0 MobileNetV2 MobileNetV3Small")


@pytest.mark.parametrize("value", ["0", "one", "1,-2"])
def test_a_bad_workers_per_gpu_is_a_usage_error(value):
    with pytest.raises(SystemExit) as exit_:
        gpu_check.main(["--workers-per-gpu", value])
    assert exit_.value.code == 2


def test_without_a_gpu_it_says_so_and_exits_2(monkeypatch, capsys):
    monkeypatch.setattr(gpu_check, "count_nvidia_gpus", lambda: 0)
    assert gpu_check.main(["--tier", "quick"]) == 2
    assert "no GPU visible" in capsys.readouterr().err
