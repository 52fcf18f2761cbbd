"""Whether a format's measured memory need fits what this machine has free.

A converter that needs more memory than the machine has is killed by the kernel, and
the xdist worker with it: a red "worker crashed" that says nothing about Keras. Where a
format states what it takes (``RoundTripFormat.memory``) and that is more than is free,
the case skips with both figures instead (``--memory-guard=off`` runs it anyway).
"""

from __future__ import annotations

from pathlib import Path

GIB = 2**30

# cgroup v2, then v1: a container's limit and what its processes use now.
_CGROUP_FILES = (
    ("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory.current"),
    (
        "/sys/fs/cgroup/memory/memory.limit_in_bytes",
        "/sys/fs/cgroup/memory/memory.usage_in_bytes",
    ),
)


def _read_int(path: str) -> int | None:
    try:
        text = Path(path).read_text().strip()
    except OSError:
        return None
    return int(text) if text.isdigit() else None  # "max": no limit


def available_bytes(meminfo: str = "/proc/meminfo", cgroups: tuple = _CGROUP_FILES) -> int | None:
    """Memory a new allocation can take now: the kernel's ``MemAvailable``, lowered to
    what a container's cgroup limit leaves; None where neither can be read (not Linux)."""
    free = None
    try:
        for line in Path(meminfo).read_text().splitlines():
            if line.startswith("MemAvailable:"):
                free = int(line.split()[1]) * 1024
                break
    except OSError:
        pass
    for limit_file, usage_file in cgroups:
        limit, usage = _read_int(limit_file), _read_int(usage_file)
        # v1 reports "no limit" as a huge number: only a limit below the machine's counts.
        if limit is not None and usage is not None and limit < 2**60:
            left = max(limit - usage, 0)
            free = left if free is None else min(free, left)
            break
    return free


def parameter_bytes(model) -> int:
    """Bytes of the model's variables (weights as stored, in their own dtypes)."""
    import numpy as np

    return sum(
        int(np.prod(variable.shape)) * np.dtype(variable.dtype).itemsize
        for variable in model.weights
    )


def shortfall(fmt, model, available: int | None) -> str | None:
    """Why ``fmt`` is not run on ``model`` with ``available`` bytes free, or None: its
    measured need (``fmt.memory``) is more than that."""
    if fmt.memory is None or available is None:
        return None
    need = fmt.memory(model)
    if need <= available:
        return None
    return (
        f"not run: {fmt.name} is measured to need about {need / GIB:.1f} GiB for "
        f"{model.name} ({parameter_bytes(model) / GIB:.2f} GiB of parameters) and this "
        f"machine has {available / GIB:.1f} GiB free; the kernel would kill the worker. "
        "Run it where more memory is free, or with --memory-guard=off"
    )
