"""The ``keras_gate_models`` ini option: entries naming a factory or a saved file.

``package.module:factory`` is a zero-argument callable returning a built
``keras.Model`` (settings through ``@keras_gate.model(...)``); a path ending in
``.keras`` or ``.h5`` (relative to the ini file) is a saved model. An entry may
also name a mapping ``{model name: factory}`` (a project's model zoo): each key
becomes a model of its own. Parsing is pure; importing and building run only
where cases run.
"""

from __future__ import annotations

import importlib
import pkgutil
import sys
import traceback
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path

from keras_gate.api import ModelSettings, did_you_mean, marker_name, settings_of

SAVED_SUFFIXES = (".keras", ".h5")


class EntryError(Exception):
    """A ``keras_gate_models`` entry that cannot be used; the message names it.

    A usage error, not a verdict: reported as its one-line message, without the gate's
    traceback (the project's own frames follow where its code raised).
    """

    def __init__(self, entry: ModelEntry | str, problem: str, raised: BaseException = None):
        text = entry.text if isinstance(entry, ModelEntry) else entry
        model = f" model {entry.key!r}" if isinstance(entry, ModelEntry) and entry.key else ""
        super().__init__(f"keras_gate_models entry {text!r}{model}: {problem}")
        self.frames = _project_frames(raised) if raised is not None else ""
        """Where the project's code raised (its frames only), or empty."""
        self.shown = False
        """Whether a case has reported it whole already."""

    def report(self) -> str:
        """The message, then the project's own traceback if its code raised."""
        if not self.frames:
            return str(self)
        return f"{self}\n\nTraceback (the gate's frames left out):\n{self.frames}"


# Frames of no use to the project: the gate's own and the import machinery's.
_NOT_THE_PROJECT = (str(Path(__file__).resolve().parents[2]), str(Path(importlib.__file__).parent))


def _project_frames(error: BaseException) -> str:
    frames = [
        frame
        for frame in traceback.extract_tb(error.__traceback__)
        if not frame.filename.startswith(_NOT_THE_PROJECT + ("<frozen importlib",))
    ]
    return "".join(traceback.format_list(frames)).rstrip()


@dataclass(frozen=True)
class ModelEntry:
    """One line of ``keras_gate_models``."""

    text: str
    """As written in the ini file."""
    root: Path
    """The ini file's directory: imports and relative paths start there."""
    key: str | None = None
    """The model's key where the entry names a mapping of factories."""

    @property
    def is_file(self) -> bool:
        return self.text.endswith(SAVED_SUFFIXES)

    @property
    def name(self) -> str:
        """The factory's name (or key), or the file's stem: the model's test-id part."""
        if self.key is not None:
            return self.key
        if self.is_file:
            return Path(self.text).stem
        return self.text.rsplit(":", 1)[-1].rsplit(".", 1)[-1]

    @property
    def marker(self) -> str:
        return marker_name(self.name)

    @property
    def path(self) -> Path:
        return (self.root / self.text).resolve()


def parse_entries(lines: list[str], root: Path) -> list[ModelEntry]:
    """The entries of the ini option; ``EntryError`` for a malformed or repeated one."""
    entries: list[ModelEntry] = []
    for line in lines:
        text = line.strip()
        if not text or text.startswith("#"):
            continue
        entry = ModelEntry(text, Path(root))
        if not entry.is_file and (text.count(":") != 1 or not all(text.split(":"))):
            raise EntryError(
                text,
                "expected package.module:factory or a path to a .keras / .h5 file",
            )
        clash = next((e for e in entries if e.marker == entry.marker), None)
        if clash:
            raise EntryError(text, f"same model name as {clash.text!r}: rename one")
        entries.append(entry)
    return entries


def _load_attribute(entry: ModelEntry):
    """Import what the entry names (a factory, or a mapping of factories)."""
    module_name, attribute = entry.text.split(":")
    root = str(entry.root)
    if root not in sys.path:
        sys.path.insert(0, root)  # the project's own modules, as `python -m` would see them
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as error:
        hint = _module_hint(module_name) if error.name == module_name else ""
        raise EntryError(entry, f"cannot import {module_name!r}: {error}{hint}") from None
    except Exception as error:
        raise EntryError(
            entry, f"cannot import {module_name!r}: {type(error).__name__}: {error}", error
        ) from error
    factory = module
    for part in attribute.split("."):
        try:
            factory = getattr(factory, part)
        except AttributeError:
            names = [name for name in dir(factory) if not name.startswith("_")]
            raise EntryError(
                entry, f"{module_name!r} has no attribute {attribute!r}{did_you_mean(part, names)}"
            ) from None
    return factory


def _module_hint(module_name: str) -> str:
    """A close module name beside the one that is missing (its package imports)."""
    package, _, _ = module_name.rpartition(".")
    try:
        path = importlib.import_module(package).__path__ if package else None
    except (ImportError, AttributeError):
        return ""
    prefix = f"{package}." if package else ""
    return did_you_mean(module_name, [prefix + found.name for found in pkgutil.iter_modules(path)])


def expand_entry(entry: ModelEntry) -> list[ModelEntry]:
    """The entry's models: itself, or one per key where it names a mapping."""
    if entry.is_file:
        return [entry]
    found = _load_attribute(entry)
    if not isinstance(found, Mapping):
        return [entry]
    if not found:
        raise EntryError(entry, "the mapping is empty: it names no models")
    return [replace(entry, key=str(key)) for key in found]


def load_factory(entry: ModelEntry):
    """Import the entry's factory; ``EntryError`` naming what failed."""
    factory = _load_attribute(entry)
    attribute = entry.text.split(":")[1]
    if entry.key is not None:
        if not isinstance(factory, Mapping) or entry.key not in factory:
            raise EntryError(entry, f"the mapping {attribute!r} has no model {entry.key!r}")
        factory, attribute = factory[entry.key], f"{attribute}[{entry.key!r}]"
    elif isinstance(factory, Mapping):
        raise EntryError(entry, f"{attribute!r} is a mapping of models: expand it first")
    if not callable(factory):
        raise EntryError(entry, f"{attribute!r} is {type(factory).__name__}, not a callable")
    return factory


def entry_settings(entry: ModelEntry) -> ModelSettings:
    """The settings of the entry's factory (``@keras_gate.model``), or the defaults."""
    return ModelSettings() if entry.is_file else settings_of(load_factory(entry))


def build_entry_model(entry: ModelEntry, settings: ModelSettings):
    """The entry's built ``keras.Model``; ``EntryError`` naming what went wrong."""
    import keras

    if entry.is_file:
        if not entry.path.is_file():
            raise EntryError(entry, f"no such file {entry.path}")
        try:
            model = keras.models.load_model(
                entry.path, custom_objects=settings.custom_objects, safe_mode=settings.safe_mode
            )
        except Exception as error:
            hint = ""
            if "safe_mode" in str(error):
                hint = (
                    " The file holds Python code (e.g. a Lambda): the gate refuses it with "
                    "safe_mode on. If you trust it, gate a factory decorated with "
                    "@keras_gate.model(safe_mode=False) that loads it."
                )
            raise EntryError(
                entry, f"cannot load {entry.path}: {type(error).__name__}: {error}.{hint}"
            ) from error
    else:
        factory = load_factory(entry)
        try:
            model = factory()
        except ImportError as error:
            # Not the model and not the gate: a library it needs breaks on this Keras.
            raise EntryError(
                entry,
                f"a library the factory imports does not import with keras "
                f"{keras.__version__}: {type(error).__name__}: {error}",
                error,
            ) from error
        except Exception as error:
            raise EntryError(
                entry, f"the factory raised {type(error).__name__}: {error}", error
            ) from error
    if not isinstance(model, keras.Model):
        raise EntryError(entry, f"expected a keras.Model, got {type(model).__name__}")
    if not model.built:
        raise EntryError(
            entry,
            f"model {model.name!r} is not built: give it a keras.Input, call "
            "model.build(shape), or call it once on data in the factory",
        )
    return model
