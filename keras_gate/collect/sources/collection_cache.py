"""``pytest --co`` of a config matrix without importing the project's factories again.

Collecting the matrix needs each factory's settings (formats, markers, backends),
and importing a factory module imports Keras (6 s of TensorFlow on a 2-core
machine) for a run that builds nothing. So a collect-only run stores what it read
in pytest's cache, and the next collect-only run reuses it while nothing it came
from changed: the gate's version, the ini entries, and the size and mtime of every
``.py`` file under the ini file's directory and of each factory's module. A run that
runs cases always imports (it needs the factories anyway) and never reads this.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path

from keras_gate.api import ModelSettings

CACHE_KEY = "keras_gate/config_matrix"
SKIPPED_DIRS = {"__pycache__", "node_modules", "site-packages", "build", "dist"}
MAX_FILES = 5000
"""A tree larger than this is not fingerprinted (collection imports as usual)."""


@dataclass(frozen=True)
class Described:
    """What collection needs of one model of an entry."""

    text: str
    key: str | None
    settings: ModelSettings


def _project_files(root: Path) -> list[str] | None:
    """Every ``.py`` file under ``root`` (hidden and build folders left out), or None
    for a tree too large to fingerprint."""
    found: list[str] = []
    for directory, subdirs, files in os.walk(root):
        subdirs[:] = [d for d in subdirs if not d.startswith(".") and d not in SKIPPED_DIRS]
        found += [os.path.join(directory, name) for name in files if name.endswith(".py")]
        if len(found) > MAX_FILES:
            return None
    return found


def _stamps(paths) -> list | None:
    """``[path, size, mtime]`` of each file, sorted; None if one cannot be read."""
    stamps = []
    for path in sorted(set(paths)):
        try:
            stat = os.stat(path)
        except OSError:
            return None
        stamps.append([path, stat.st_size, stat.st_mtime_ns])
    return stamps


def _identity(config, entries) -> dict | None:
    from importlib.metadata import PackageNotFoundError, version

    try:
        gate = version("keras-serialization-gate")
    except PackageNotFoundError:
        gate = "unknown"
    root = Path(config.inipath).parent if config.inipath else Path(config.rootpath)
    files = _project_files(root)
    stamps = _stamps(files) if files is not None else None
    if stamps is None:
        return None
    return {"gate": gate, "entries": [e.text for e in entries], "files": stamps}


class CollectionCache:
    """The stored descriptions of a collect-only run, valid while its identity holds."""

    def __init__(self, config, entries):
        self.config = config
        self.identity = _identity(config, entries)

    @classmethod
    def for_config(cls, config, entries) -> CollectionCache | None:
        """The cache for this run: collect-only, with pytest's cache provider on."""
        if not config.option.collectonly or getattr(config, "cache", None) is None:
            return None
        return cls(config, entries)

    def load(self) -> list[Described] | None:
        if self.identity is None:
            return None
        stored = self.config.cache.get(CACHE_KEY, None)
        if not isinstance(stored, dict) or stored.get("identity") != self.identity:
            return None
        modules = stored.get("modules", [])
        if _stamps(modules) != stored.get("module_stamps"):
            return None  # a factory module outside the project changed
        return [
            Described(
                item["text"],
                item["key"],
                ModelSettings(
                    formats=tuple(item["formats"]) if item["formats"] is not None else None,
                    markers=tuple(item["markers"]),
                    backends=tuple(item["backends"]),
                ),
            )
            for item in stored["models"]
        ]

    def store(self, described: list[Described]) -> None:
        if self.identity is None:
            return
        # Each factory's module, wherever it lives (an installed package too).
        modules = sorted(
            {
                path
                for d in described
                if ":" in d.text
                for path in [getattr(sys.modules.get(d.text.split(":")[0]), "__file__", None)]
                if path
            }
        )
        models = [
            {
                "text": d.text,
                "key": d.key,
                "formats": list(d.settings.formats) if d.settings.formats is not None else None,
                "markers": list(d.settings.markers),
                "backends": list(d.settings.backends),
            }
            for d in described
        ]
        self.config.cache.set(
            CACHE_KEY,
            {
                "identity": self.identity,
                "modules": modules,
                "module_stamps": _stamps(modules),
                "models": models,
            },
        )
