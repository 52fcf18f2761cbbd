"""pytest plugin: resident memory at each step of each gate case, one JSON line each.

    PYTHONPATH=benchmarks pytest -p rss_probe --rss-probe=rss.jsonl -n 0 ...

Used by ``benchmarks/memory_profile.py``; lines are ``{"case", "build", "step",
"rss_gib", "peak_gib"}`` with step ``setup`` (the model built), ``call`` (the case
ran) and ``finish`` (its fixture values dropped and a released model reclaimed).
"""

from __future__ import annotations

import json

import pytest

from keras_gate.collect.cases import case_of
from keras_gate.collect.lifecycle import peak_rss_gib, rss_gib


def pytest_addoption(parser):
    parser.addoption("--rss-probe", metavar="PATH", help="write one JSON line per case step")


class RssProbe:
    def __init__(self, path: str):
        self.file = open(path, "w")  # noqa: SIM115 - open for the whole session
        self.builds: dict[str, str] = {}

    def _write(self, nodeid: str, step: str) -> None:
        record = {}
        if step == "finish":
            record = {"models_alive": live_models(), "tf_functions": tf_function_count()}
        record |= {
            "case": nodeid,
            "build": self.builds.get(nodeid),
            "step": step,
            "rss_gib": round(rss_gib(), 3),
            "peak_gib": round(peak_rss_gib(), 3),
        }
        self.file.write(json.dumps(record) + "\n")
        self.file.flush()

    def pytest_collection_modifyitems(self, items):
        for item in items:
            case = case_of(item)
            if case is not None:
                label = "-".join(p for p in (case.model.name, case.variant.id) if p)
                self.builds[item.nodeid] = label

    @pytest.hookimpl(trylast=True)
    def pytest_runtest_logreport(self, report):
        if report.when in ("setup", "call"):
            self._write(report.nodeid, report.when)

    @pytest.hookimpl(trylast=True)
    def pytest_runtest_logfinish(self, nodeid, location):
        self._write(nodeid, "finish")

    def pytest_unconfigure(self):
        self.file.close()


def live_models() -> int:
    """Keras models still reachable after the case (gc-tracked objects)."""
    import gc
    import sys

    keras = sys.modules.get("keras")
    if keras is None:
        return 0
    gc.collect()
    return sum(1 for obj in gc.get_objects() if isinstance(obj, keras.Model))


def tf_function_count() -> int:
    """Functions registered in TensorFlow's eager context (traced graphs it keeps)."""
    import sys

    if "tensorflow" not in sys.modules:
        return 0
    from tensorflow.python.eager import context

    return len(context.context().list_function_names())


def pytest_configure(config):
    path = config.getoption("rss_probe")
    if path:
        config.pluginmanager.register(RssProbe(path), "rss_probe_writer")
