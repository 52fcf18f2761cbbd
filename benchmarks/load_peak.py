"""Peak memory of Keras's own ``load_model`` of one ``.keras`` file, in a fresh process.

    python benchmarks/load_peak.py model.keras            # RSS before, after, peak
    python benchmarks/load_peak.py model.keras --trace    # + Python's allocations (slow)

What the gate cannot go below for a model: the original it holds, plus this. Make the file
with ``benchmarks/heavy_training.py MODEL STATE RES --keep model.keras``.
"""

from __future__ import annotations

import argparse
import os
import resource
import time


def _rss_gib() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**30


def _peak_gib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path")
    parser.add_argument("--trace", action="store_true", help="tracemalloc's top allocations")
    args = parser.parse_args()
    import keras

    size = os.path.getsize(args.path) / 2**30
    print(f"{args.path}: {size:.2f} GiB; keras {keras.__version__}")
    print(f"before load: RSS {_rss_gib():.2f} GiB, peak {_peak_gib():.2f} GiB")
    if args.trace:
        import tracemalloc

        tracemalloc.start(12)
    start = time.monotonic()
    model = keras.saving.load_model(args.path)
    seconds = time.monotonic() - start
    print(f"after load ({seconds:.1f} s): RSS {_rss_gib():.2f} GiB, peak {_peak_gib():.2f} GiB")
    if args.trace:
        current, peak = tracemalloc.get_traced_memory()
        print(f"Python allocations: peak {peak / 2**30:.2f} GiB, held {current / 2**30:.2f} GiB")
        for stat in tracemalloc.take_snapshot().statistics("traceback")[:3]:
            print(f"  {stat.size / 2**20:.0f} MiB in {stat.count} blocks, from:")
            for line in stat.traceback.format()[-4:]:
                print(f"    {line}")
    del model


if __name__ == "__main__":
    main()
