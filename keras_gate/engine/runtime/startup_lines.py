"""TensorFlow's native start-up lines, shown once per run.

TensorFlow 2.21 writes its absl / oneDNN / CPU-feature lines from two native libraries,
so a plain ``import tensorflow`` prints each of them twice, and every xdist worker prints
its own copy. Neither ``TF_CPP_MIN_LOG_LEVEL`` nor ``TF_ENABLE_ONEDNN_OPTS`` stops them:
they are written before absl's logging is set up, straight to file descriptor 2.

The gate therefore holds fd 2 while the first ``import tensorflow`` of a process runs
(whoever imports it: Keras, a user's conftest, a factory), then writes back what was
written there: every line once, and the start-up lines (native log records) only in the
first process of the run that imports TensorFlow: the controller where it does, else
worker ``gw0``. Any other line (a Python warning, an error) passes through. A process that
dies inside the import itself loses what it wrote there; the import's own exception still
propagates with its traceback.
"""

from __future__ import annotations

import importlib.abc
import os
import re
import sys
import tempfile

TARGETS = ("tensorflow",)
"""Top-level modules whose first import is held."""

SHOWN_ENV = "KERAS_GATE_STARTUP_LINES_SHOWN"
"""Set once a process of the run has shown the start-up lines; workers inherit it."""

ABSL_PREAMBLE = (
    "WARNING: All log messages before absl::InitializeLog() is called are written to STDERR"
)

# absl's native format: "I0000 00:00:1796670146.066101    9598 port.cc:153] message".
_NATIVE_RECORD = re.compile(r"^[IWEF]\d{4} [\d:.]+\s+\d+ (?P<where>\S+:\d+)\] ")
_PYTHON_WARNING = re.compile(r"^\S+\.py:\d+: \w+: ")


def _records(text: str) -> list[tuple[bool, str, str]]:
    """``(start-up?, key, text)`` per record: a native record with its continuation
    lines, or any other line. The key drops the timestamp and thread id."""
    records: list[tuple[bool, str, str]] = []
    for line in text.splitlines(keepends=True):
        bare = line.rstrip("\n")
        native = _NATIVE_RECORD.match(bare)
        if native:
            records.append((True, native["where"] + bare[native.end() :], line))
        elif bare == ABSL_PREAMBLE:
            records.append((True, bare, line))
        elif records and records[-1][0] and bare and not _PYTHON_WARNING.match(bare):
            # A native record's second line ("To enable the following instructions: ...").
            startup, key, whole = records[-1]
            records[-1] = (startup, key + "\n" + bare, whole + line)
        else:
            records.append((False, bare, line))
    return records


def _shows_startup_lines() -> bool:
    return not os.environ.get(SHOWN_ENV) and os.environ.get("PYTEST_XDIST_WORKER") in (None, "gw0")


def written_back(text: str) -> str:
    """What is written back to fd 2 of what the import wrote there."""
    show_startup = _shows_startup_lines()
    seen: set[str] = set()
    kept = []
    for startup, key, whole in _records(text):
        if (startup and not show_startup) or key in seen:
            continue
        seen.add(key)
        kept.append(whole)
    if show_startup and any(startup for startup, _, _ in _records(text)):
        os.environ[SHOWN_ENV] = "1"
    return "".join(kept)


class _HeldStderrLoader(importlib.abc.Loader):
    """The module's own loader, with fd 2 held while the module executes."""

    def __init__(self, loader):
        self._loader = loader

    def create_module(self, spec):
        return self._loader.create_module(spec)

    def exec_module(self, module):
        sys.stderr.flush()
        try:
            saved = os.dup(2)
        except OSError:  # no fd 2 to hold
            self._loader.exec_module(module)
            return
        with tempfile.TemporaryFile() as held:
            os.dup2(held.fileno(), 2)
            try:
                self._loader.exec_module(module)
            finally:
                sys.stderr.flush()
                os.dup2(saved, 2)
                os.close(saved)
                held.seek(0)
                text = written_back(held.read().decode(errors="replace"))
                if text:
                    os.write(2, text.encode())

    def __getattr__(self, name):
        # Resource readers and the like: the wrapped loader's.
        return getattr(self._loader, name)


class _FirstImportFinder(importlib.abc.MetaPathFinder):
    """Finds a target with the finders after it and wraps its loader, once per target."""

    def __init__(self, targets):
        self._pending = set(targets)

    def find_spec(self, fullname, path=None, target=None):
        if fullname not in self._pending:
            return None
        self._pending.discard(fullname)
        if not self._pending and self in sys.meta_path:
            sys.meta_path.remove(self)
        for finder in sys.meta_path:
            if finder is self or not hasattr(finder, "find_spec"):
                continue
            spec = finder.find_spec(fullname, path, target)
            if spec is not None:
                if spec.loader is not None and hasattr(spec.loader, "exec_module"):
                    spec.loader = _HeldStderrLoader(spec.loader)
                return spec
        return None


def hold_startup_lines(targets=TARGETS) -> None:
    """Installs the finder for the targets not imported yet (once per process)."""
    pending = [name for name in targets if name not in sys.modules]
    if pending and not any(isinstance(f, _FirstImportFinder) for f in sys.meta_path):
        sys.meta_path.insert(0, _FirstImportFinder(pending))
