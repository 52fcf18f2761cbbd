"""The config matrix: cases from ``keras_gate_models``, collected under the ini file.

The ini file is collected as a test module whose object is
``keras_gate.gate_tests``, so its cases are ordinary pytest items
(``pyproject.toml::test_round_trip[text_classifier-keras_v3]``) with fixtures,
markers, ``-k`` and xdist like any other test.
"""

from __future__ import annotations

import importlib
from dataclasses import replace
from functools import partial

import pytest

from keras_gate.api import GateModel
from keras_gate.collect.cases import GateCase
from keras_gate.collect.sources.collection_cache import CollectionCache, Described
from keras_gate.collect.sources.entries import (
    EntryError,
    ModelEntry,
    build_entry_model,
    entry_settings,
    expand_entry,
)
from keras_gate.engine.formats import check_format_names, core_formats
from keras_gate.report.repro import PROJECT_CODE

ENTRIES_KEY = pytest.StashKey[list]()
CASES_KEY = pytest.StashKey[list]()


class ConfigMatrix(pytest.Module):
    """The ini file that names the models, as the module of their round-trip cases."""

    def _getobj(self):
        return importlib.import_module("keras_gate.gate_tests")

    def collect(self):
        try:
            entry_cases(self.config)  # an unusable entry errors its own cases only ...
        except EntryClash as error:  # ... but two entries naming one model share its ids
            raise self.CollectError(error.report()) from None
        return super().collect()


class EntryClash(EntryError):
    """Two entries name one model: their cases would share test ids, so no case of
    either can be told apart (a collection error naming both)."""


def build_entry(entry: ModelEntry, settings, variant):
    from keras_gate.engine.built_model import prepare_model

    details = {"weight_source": "as built"}
    if entry.is_file:
        details = {"weight_source": "file", "weights_file": str(entry.path)}
    model = build_entry_model(entry, settings)
    return prepare_model(entry.name, model, settings=settings, variant=variant, **details)


def entry_reproducer(entry: ModelEntry, variant, built) -> str:
    """``build_model()`` for a reproducer: the saved file, or the project's own factory."""
    if entry.is_file:
        return (
            f"PATH = {str(entry.path)!r}\n\n\n"
            "def build_model():\n"
            "    return keras.models.load_model(PATH)\n"
        )
    module, attribute = entry.text.split(":")
    path = "".join("." + part for part in attribute.split(".")[1:])
    if entry.key is not None:
        path += f"[{entry.key!r}]"
    return (
        f"sys.path.insert(0, {str(entry.root)!r})  {PROJECT_CODE}\n\n\n"
        "def build_model():\n"
        f"    from {module} import {attribute.split('.')[0]} as factory\n\n"
        f"    return factory{path}()\n"
    )


def entry_cases(config) -> list[GateCase]:
    """One round-trip case per (entry, format); imports the factories once per process
    (a collect-only run may reuse what the last one read: ``collection_cache``).

    An entry that cannot be used (a typo, an import error, bad settings, a name clash)
    errors its own cases only, with its message: the rest of the matrix runs."""
    if CASES_KEY in config.stash:
        return config.stash[CASES_KEY]
    entries = config.stash.get(ENTRIES_KEY, [])
    cache = CollectionCache.for_config(config, entries)
    described = cache.load() if cache is not None else None
    broken: dict[str, EntryError] = {}
    if described is None:
        described = []
        for entry in entries:
            try:
                described += [
                    Described(model.text, model.key, entry_settings(model))
                    for model in expand_entry(entry)
                ]
            except EntryError as error:
                broken[entry.text] = error
        if cache is not None and not broken:  # a broken entry is read again next time
            cache.store(described)
    by_text = {entry.text: entry for entry in entries}
    cases = []
    seen: dict[str, ModelEntry] = {}
    for item in described:
        entry = replace(by_text[item.text], key=item.key)
        try:
            cases += _cases_of(config, entry, item.settings, seen)
        except EntryClash:
            raise
        except EntryError as error:
            cases += _broken_cases(replace(entry, key=item.key), error)
    for text, error in broken.items():
        cases += _broken_cases(by_text[text], error)
    config.stash[CASES_KEY] = cases
    return cases


def _cases_of(config, entry: ModelEntry, settings, seen: dict) -> list[GateCase]:
    if entry.key is not None:
        config.addinivalue_line("markers", f"{entry.marker}: {entry.name} of {entry.text}")
    clash = seen.setdefault(entry.marker, entry)
    if clash is not entry:
        raise EntryClash(entry, f"model {entry.name!r} is also named by {clash.text!r}")
    try:
        formats = check_format_names(settings.formats or core_formats(), None)
    except ValueError as error:
        raise EntryError(entry, str(error)) from None
    chosen = config.stash.get(FORMATS_OPTION_KEY, None)
    if chosen is not None:
        formats = chosen
    for marker in settings.markers:
        config.addinivalue_line("markers", f"{marker}: declared by {entry.text}")
    model = GateModel(
        entry.name,
        build=partial(build_entry, entry, settings),
        markers=settings.markers + _mapping_marker(entry),
        settings=settings,
        origin=entry.text,
        reproducer=partial(entry_reproducer, entry),
    )
    return [GateCase(model, fmt) for fmt in formats]


def _raise(error: EntryError, variant=None):
    raise error


def _broken_cases(entry: ModelEntry, error: EntryError) -> list[GateCase]:
    """The cases of an entry that cannot be used: they error with its message where
    they run (the built_model fixture reports it, once per entry with its traceback)."""
    model = GateModel(entry.name, build=partial(_raise, error), origin=entry.text)
    return [GateCase(model, fmt) for fmt in core_formats()]


FORMATS_OPTION_KEY = pytest.StashKey[tuple]()


def formats_option(config) -> tuple[str, ...] | None:
    """``--formats=a,b`` checked (a usage error names what is wrong): every entry's
    formats for this run, or None. Call once the project's formats are registered."""
    text = config.getoption("formats", default=None)
    if text is None:
        return None
    names = [name.strip() for name in text.split(",") if name.strip()]
    if not names:
        raise pytest.UsageError("--formats: give one or more format names, comma-separated")
    try:
        return check_format_names(names, "--formats")
    except ValueError as error:
        raise pytest.UsageError(str(error)) from None


def _mapping_marker(entry: ModelEntry) -> tuple[str, ...]:
    """A mapping's own marker (``-m models`` selects all of ``zoo:MODELS``)."""
    return (replace(entry, key=None).marker,) if entry.key is not None else ()


def collect_ini_file_with_testpaths(config) -> None:
    """A plain ``pytest`` collects ``testpaths`` only: add the ini file that names the
    models, so its cases run too."""
    if not (config.stash.get(ENTRIES_KEY, None) and config.inipath):
        return
    if config.args_source == pytest.Config.ArgsSource.TESTPATHS:
        ini = str(config.inipath)
        if ini not in config.args:
            config.args.append(ini)
