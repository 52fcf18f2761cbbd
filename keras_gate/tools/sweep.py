"""A sweep of Keras's own classes: every setting that a round trip of the object loses.

Every public class of ``keras.layers``, ``keras.losses``, ``keras.metrics``,
``keras.optimizers`` (and its schedules), ``keras.initializers``, ``keras.regularizers``
and ``keras.constraints`` is made once per constructor argument, with a value other than
the default (derived from the default; :data:`CHOICES` where a valid one must be named),
and round-tripped two ways: ``cls.from_config(obj.get_config())`` and
``deserialize_keras_object(serialize_keras_object(obj))`` (what a ``.keras`` file stores
for each object). The two objects' settings (``engine.runtime.object_state``: public
attributes named like a constructor argument) are compared; a difference is a finding::

    python -m keras_gate.tools.sweep --out sweep-3.15.1.json [--repro-dir DIR]
    python -m keras_gate.tools.sweep --table sweep-*.json > table.md

Runs with the installed Keras (one release per run: ``pip install --target`` and
``PYTHONPATH`` sweep several over one backend). ``--repro-dir`` writes one plain-Keras
script per finding (exit 1 while the setting is lost, 0 once kept, 2 where the class or
value does not exist on that release).
"""

from __future__ import annotations

import argparse
import functools
import inspect
import json
import sys
from dataclasses import asdict, dataclass
from pathlib import Path

from keras_gate.engine.lost_settings import LOST_SETTINGS, LostSetting
from keras_gate.tools import sweep_models

FAMILIES = {
    "layers": ("keras.layers", "Layer"),
    "losses": ("keras.losses", "Loss"),
    "metrics": ("keras.metrics", "Metric"),
    "optimizers": ("keras.optimizers", "Optimizer"),
    "schedules": ("keras.optimizers.schedules", "LearningRateSchedule"),
    "initializers": ("keras.initializers", "Initializer"),
    "regularizers": ("keras.regularizers", "Regularizer"),
    "constraints": ("keras.constraints", "Constraint"),
}
"""Family: (module, base class name)."""

CHOICES = {
    "data_format": "channels_first",
    "padding": "same",
    "activation": "relu",
    "recurrent_activation": "tanh",
    "interpolation": "nearest",
    "fill_mode": "constant",
    "reduction": "sum",
    "kernel_initializer": "ones",
    "bias_initializer": "ones",
    "embeddings_initializer": "ones",
    "kernel_regularizer": "l2",
    "bias_regularizer": "l2",
    "activity_regularizer": "l2",
    "kernel_constraint": "non_neg",
    "bias_constraint": "non_neg",
    "output_mode": "count",
    "merge_mode": "sum",
    "value_range": (-1.0, 1.0),
}
"""Arguments whose other value must be named (a string among choices): one valid choice."""

REQUIRED = {
    "units": 3,
    "filters": 2,
    "kernel_size": 3,
    "rate": 0.5,
    "factor": 0.2,
    "height": 4,
    "width": 4,
    "scale": 2.0,
    "target_shape": (2, 2),
    "dims": (2, 1),
    "output_dim": 3,
    "input_dim": 10,
    "num_tokens": 8,
    "num_bins": 4,
    "num_heads": 2,
    "key_dim": 4,
    "head_dim": 4,
    "num_query_heads": 2,
    "num_key_value_heads": 1,
    "learning_rate": 0.01,
    "initial_learning_rate": 0.1,
    "decay_steps": 10,
    "decay_rate": 0.5,
    "num_classes": 3,
    "thresholds": 0.5,
    "class_id": 1,
    "stddev": 0.1,
    "size": 2,
    "cropping": 1,
    "axis": -1,
    "depth_multiplier": 1,
    "l1": 0.01,
    "l2": 0.01,
    "max_value": 2.0,
    "min_value": 0.0,
    "value": 1.0,
    "activation": "relu",
    "pool_size": 2,
    "output_size": 2,
    "n": 2,
    "axes": 1,
    "max_number": 2,
    "recall": 0.5,
    "precision": 0.5,
    "specificity": 0.5,
    "sensitivity": 0.5,
    "target_class_ids": [0],
    "height_factor": 0.2,
    "width_factor": 0.2,
    "first_decay_steps": 10,
    "boundaries": [10],
    "values": [0.1, 0.01],
    "equation": "ab,bc->ac",
    "output_shape": 3,
}
"""Values for arguments without a default (the class cannot be made without them)."""


class Code(str):
    """A required argument that is an object (a layer, a cell, an optimizer): its Python
    source, evaluated afresh for each object made (a layer is not shared) and written as
    is into a reproducer."""


REQUIRED_BY_CLASS = {
    "Bidirectional": {"layer": Code("keras.layers.LSTM(2)")},
    "TimeDistributed": {"layer": Code("keras.layers.Dense(3)")},
    "SpectralNormalization": {"layer": Code("keras.layers.Dense(3)")},
    "RNN": {"cell": Code("keras.layers.SimpleRNNCell(2)")},
    "StackedRNNCells": {
        "cells": Code("[keras.layers.SimpleRNNCell(2), keras.layers.SimpleRNNCell(2)]")
    },
    "Pipeline": {"layers": Code("[keras.layers.Rescaling(0.5), keras.layers.Rescaling(2.0)]")},
    # A named Keras function: a Python lambda needs safe_mode off to come back at all.
    "Lambda": {"function": Code("keras.activations.relu")},
    "MeanMetricWrapper": {"fn": Code("keras.losses.mean_squared_error")},
    "LossScaleOptimizer": {"inner_optimizer": Code("keras.optimizers.SGD()")},
    "RandomPosterization": {"factor": 4},
    "CategoryEncoding": {"num_tokens": 8},
    "Discretization": {"bin_boundaries": [0.0, 1.0]},
    "InputLayer": {"shape": (4,)},
}
"""Required values of one class where the argument's name says too little (a wrapper's
``layer``, a bit depth), or where the class cannot be made without a defaulted one.
Not made, and why: ``Wrapper`` (abstract), ``FlaxLayer`` / ``JaxLayer`` /
``TorchModuleWrapper`` (another framework's module), ``TFSMLayer`` (a SavedModel on
disk), ``MultiOptimizer`` (a map of variables to optimizers)."""


def made(arguments: dict) -> dict:
    """``arguments`` with each :class:`Code` value evaluated into a fresh object."""
    import keras

    return {
        name: eval(value, {"keras": keras}) if isinstance(value, Code) else value  # noqa: S307
        for name, value in arguments.items()
    }


SKIPPED_ARGUMENTS = {"name", "dtype", "trainable", "autocast", "input_shape", "batch_size"}
"""Arguments every class has through its base (name, dtype policy, trainable flag): the
gate's other checks cover them; sweeping them for every class says nothing new."""


def _known_for(finding: dict, version: str) -> LostSetting | None:
    from packaging.specifiers import SpecifierSet
    from packaging.version import Version

    for known in LOST_SETTINGS:
        if (
            known.family == finding["family"]
            and finding["cls"] in known.classes.split("|")
            and finding["argument"] in known.argument.split("|")
            and Version(version) in SpecifierSet(known.keras, prereleases=True)
        ):
            return known
    return None


def check(result: dict) -> list[str]:
    """What makes ``--check`` red: a lost setting no entry knows (a new regression), an
    entry for this release whose setting is kept now (its range no longer holds), and a
    finding inside a model that no built-in upstream entry explains."""
    from packaging.specifiers import SpecifierSet
    from packaging.version import Version

    version, problems = result["keras"], []
    lost = {(f["family"], f["cls"], f["argument"]) for f in result["findings"]}
    for family, cls, argument in sorted(lost):
        if _known_for({"family": family, "cls": cls, "argument": argument}, version) is None:
            problems.append(f"new: {family}.{cls}({argument}=...) is lost on keras {version}")
    swept = set(result.get("swept", ()))
    for known in LOST_SETTINGS:
        if Version(version) not in SpecifierSet(known.keras, prereleases=True):
            continue
        for cls in known.classes.split("|"):
            for argument in known.argument.split("|"):
                if f"{known.family}.{cls}" in swept and (known.family, cls, argument) not in lost:
                    problems.append(
                        f"kept: {known.family}.{cls}({argument}=...) is no longer lost on keras "
                        f"{version} (entry {known.keras}: {known.reason})"
                    )
    for row in result.get("in_models", {}).get("findings", ()):
        if not row.get("known"):
            problems.append(
                f"new in a model: {row['family']}.{row['cls']}({row['argument']}="
                f"{row['value']!r}) through {row['format']}: {row['check']}: {row['text']}"
            )
    return problems


@dataclass(frozen=True)
class Finding:
    family: str
    cls: str
    argument: str
    value: object
    path: str
    """``from_config`` or ``serialize``."""
    attribute: str
    before: object
    after: object


def _classes(module_name: str, base_name: str):
    import importlib

    module = importlib.import_module(module_name)
    base = getattr(module, base_name, None)
    for name in sorted(dir(module)):
        cls = getattr(module, name)
        if (
            inspect.isclass(cls)
            and not name.startswith("_")
            and base is not None
            and issubclass(cls, base)
            and cls is not base
            and name == cls.__name__  # aliases once
        ):
            yield cls


def _other(name: str, default):
    """A value other than ``default`` for argument ``name``, or None where none is known."""
    if name in CHOICES:
        return CHOICES[name] if CHOICES[name] != default else None
    if isinstance(default, bool):
        return not default
    if isinstance(default, int):
        return default + 1 if default >= 0 else 2
    if isinstance(default, float):
        return default / 2 if 0 < default <= 1 else default + 0.5
    if isinstance(default, tuple) and default and all(isinstance(v, int) for v in default):
        return tuple(v + 1 for v in default)
    return None


def _parameters(cls) -> list:
    """The keyword parameters ``cls`` can be made with: its constructor's, and where that
    passes ``**kwargs`` on, its bases' (``data_format`` reaches an image preprocessing
    layer's base that way)."""
    found: dict[str, inspect.Parameter] = {}
    for klass in cls.__mro__:
        init = klass.__dict__.get("__init__")
        if init is None or klass is object:
            continue
        try:
            parameters = list(inspect.signature(init).parameters.values())
        except (TypeError, ValueError):
            break
        for p in parameters:
            # A base's required argument is the subclass's to give (a convolution's rank).
            if klass is not cls and p.default is p.empty:
                continue
            if p.name != "self" and p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY):
                found.setdefault(p.name, p)
        if not any(p.kind is p.VAR_KEYWORD for p in parameters):
            break
    return list(found.values())


def _variants(cls):
    """``([(argument, value), ...], required)``: every argument the sweep can vary, and the
    values of those without a default; ``(None, missing)`` where one has no known value."""
    named = _parameters(cls)
    own = REQUIRED_BY_CLASS.get(cls.__name__, {})
    required = {
        p.name: own.get(p.name, REQUIRED.get(p.name))
        for p in named
        if p.name in own or (p.default is p.empty and p.name in REQUIRED)
    }
    missing = [p.name for p in named if p.default is p.empty and p.name not in required]
    if missing:
        return None, missing
    variants = []
    for p in named:
        if p.name in SKIPPED_ARGUMENTS or p.default is p.empty or p.name in own:
            continue
        value = _other(p.name, p.default)
        if value is not None:
            variants.append((p.name, value))
    return variants, required


def _round_trips(keras) -> dict:
    """The two ways an object comes back: its class from its config, and what a ``.keras``
    file stores for it."""
    return {
        "from_config": lambda o: type(o).from_config(o.get_config()),
        "serialize": lambda o: keras.saving.deserialize_keras_object(
            keras.saving.serialize_keras_object(o)
        ),
    }


def sweep_class(family: str, cls) -> tuple[list[Finding], dict]:
    """The findings of one class, and counts of what was tried."""
    import keras

    from keras_gate.engine.runtime.object_state import settings_of

    variants, required = _variants(cls)
    counts = {"arguments": 0, "not_made": 0, "unobservable": 0}
    if variants is None:
        counts["needs"] = list(required)
        return [], counts
    findings = []
    try:
        default = settings_of(cls(**made(required)), "obj")
    except Exception:  # noqa: BLE001 - a class the sweep cannot make: counted, said
        counts["needs"] = sorted(required) or ["(cannot be made with defaults)"]
        return [], counts
    for argument, value in variants:
        counts["arguments"] += 1
        try:
            obj = cls(**made({**required, argument: value}))
        except Exception:  # noqa: BLE001 - not a valid value for this class
            counts["not_made"] += 1
            continue
        before = settings_of(obj, "obj")
        if before.get(f"obj.{argument}") == default.get(f"obj.{argument}"):
            counts["unobservable"] += 1  # kept under another name, or not kept at all
        for path, round_trip in _round_trips(keras).items():
            found = functools.partial(Finding, family, cls.__name__, argument, value, path)
            try:
                after = settings_of(round_trip(obj), "obj")
            except Exception as error:  # noqa: BLE001 - the round trip itself fails
                first = (str(error).strip().splitlines() or [""])[0][:160]
                findings.append(
                    found("(round trip)", "made", f"raised {type(error).__name__}: {first}")
                )
                continue
            findings += [
                found(attribute.removeprefix("obj."), was, after[attribute])
                for attribute, was in before.items()
                if attribute in after and after[attribute] != was
            ]
    return findings, counts


def sweep(families=tuple(FAMILIES), in_models: bool = False) -> dict:
    import keras

    findings, tried, placed = [], {}, {}
    for family in families:
        module, base = FAMILIES[family]
        for cls in _classes(module, base):
            found, counts = sweep_class(family, cls)
            findings += found
            tried[f"{family}.{cls.__name__}"] = counts
            if in_models and "needs" not in counts:
                placed[(family, cls.__name__)] = _in_models(family, cls)
    result = {
        "keras": keras.__version__,
        "backend": keras.backend.backend(),
        "classes": len(tried),
        "arguments": sum(c["arguments"] for c in tried.values()),
        # Of those: a value the class refused, and a value its settings do not show (kept
        # under another name, or derived): neither can show a loss.
        "values_refused": sum(c["not_made"] for c in tried.values()),
        "values_unobservable": sum(c["unobservable"] for c in tried.values()),
        "not_made": {k: c["needs"] for k, c in tried.items() if "needs" in c},
        "swept": sorted(k for k, c in tried.items() if "needs" not in c),
        "findings": [asdict(f) for f in findings],
    }
    if in_models:
        result["in_models"] = {
            "formats": list(sweep_models.FORMATS),
            "judged": sum(counts["judged"] for _, counts in placed.values()),
            "values_not_placed": sum(counts["not_placed"] for _, counts in placed.values()),
            "classes_not_placed": {
                f"{family}.{cls}": counts["not_placed_class"]
                for (family, cls), (_, counts) in placed.items()
                if "not_placed_class" in counts
            },
            # Variants whose model as built computes other outputs on a second call.
            "not_judged": {
                f"{family}.{cls}": counts["not_judged"]
                for (family, cls), (_, counts) in placed.items()
                if "not_judged" in counts
            },
            "findings": [
                {"family": family, "cls": cls, **row}
                for (family, cls), (rows, _) in placed.items()
                for row in rows
            ],
        }
    return result


def _in_models(family: str, cls) -> tuple[list[dict], dict]:
    variants, required = _variants(cls)
    return sweep_models.sweep_class_in_models(family, cls, variants, required)


REPRO = '''"""{cls}({argument}={value!r}) through {how}: lost (found by keras_gate.tools.sweep).

Exit 1 while the setting is lost, 0 once it is kept, 2 where the class or value does not
exist on this release.
"""

import sys

import keras

try:
    obj = keras.{module}.{cls}(**{arguments})
except Exception as error:
    print(f"keras {{keras.__version__}}: cannot make it: {{error}}")
    sys.exit(2)
try:
    revived = {round_trip}
except Exception as error:
    print(f"keras {{keras.__version__}}: the round trip raised {{type(error).__name__}}: {{error}}")
    sys.exit(1)


def setting(o):  # a loss function wrapper keeps its arguments in _fn_kwargs
    return getattr(o, {attribute!r}, getattr(o, "_fn_kwargs", {{}}).get({attribute!r}, "(absent)"))


before, after = setting(obj), setting(revived)
print(f"keras {{keras.__version__}}: {cls}.{attribute}: {{before!r}} -> {{after!r}}")
sys.exit(1 if after != before else 0)
'''

_ROUND_TRIPS = {
    "from_config": ("from_config(get_config())", "type(obj).from_config(obj.get_config())"),
    "serialize": (
        "serialize_keras_object / deserialize_keras_object (a .keras file's path)",
        "keras.saving.deserialize_keras_object(keras.saving.serialize_keras_object(obj))",
    ),
}


def write_reproducers(result: dict, directory: Path) -> list[Path]:
    """One script per (class, argument): the first path and attribute that lost it."""
    directory.mkdir(parents=True, exist_ok=True)
    written, seen = [], set()
    for f in result["findings"]:
        key = (f["family"], f["cls"], f["argument"])
        if key in seen or "." in f["attribute"]:
            continue
        seen.add(key)
        how, code = _ROUND_TRIPS[f["path"]]
        arguments = {**_variants_required(f), f["argument"]: f["value"]}
        path = directory / f"{f['family']}_{f['cls']}_{f['argument']}.py"
        path.write_text(
            REPRO.format(
                cls=f["cls"],
                argument=f["argument"],
                value=f["value"],
                how=how,
                module=FAMILIES[f["family"]][0].removeprefix("keras."),
                arguments=_source(arguments),
                round_trip=code,
                attribute=f["argument"] if f["attribute"] == "(round trip)" else f["attribute"],
            )
        )
        written.append(path)
    return written


def _source(arguments: dict) -> str:
    """A dict literal of the arguments, :class:`Code` values as the code they are."""
    items = (f"{k!r}: {v if isinstance(v, Code) else repr(v)}" for k, v in arguments.items())
    return "{" + ", ".join(items) + "}"


def _variants_required(finding: dict) -> dict:
    import importlib

    module = importlib.import_module(FAMILIES[finding["family"]][0])
    return _variants(getattr(module, finding["cls"]))[1]


def table(results: list[dict]) -> str:
    """Markdown: class, argument, attribute and path × release, where a setting is lost."""
    releases = [r["keras"] for r in results]
    lost: dict[tuple, set] = {}
    for result in results:
        for f in result["findings"]:
            key = (f["family"], f["cls"], f["argument"], f["attribute"], f["path"])
            lost.setdefault(key, set()).add(result["keras"])
    lines = [
        "| family | class | argument | lost attribute | path | " + " | ".join(releases) + " |",
        "|---" * (5 + len(releases)) + "|",
    ]
    for (family, cls, argument, attribute, path), where in sorted(lost.items()):
        marks = " | ".join("lost" if r in where else "" for r in releases)
        lines.append(f"| {family} | `{cls}` | `{argument}` | `{attribute}` | {path} | {marks} |")
    lines += ["", "| | " + " | ".join(releases) + " |", "|---" * (1 + len(releases)) + "|"]
    counts = (
        ("classes swept", lambda r: r["classes"]),
        ("arguments varied", lambda r: r["arguments"]),
        ("of those, values refused", lambda r: r.get("values_refused", "?")),
        ("of those, values not shown by the settings", lambda r: r.get("values_unobservable", "?")),
        ("findings (both paths)", lambda r: len(r["findings"])),
    )
    for label, count in counts:
        lines.append(f"| {label} | " + " | ".join(str(count(r)) for r in results) + " |")
    return "\n".join(lines) + "\n"


def in_models_table(results: list[dict]) -> str:
    """Markdown: the second stage's counts × release (records with ``in_models``)."""
    releases = [r["keras"] for r in results]
    stages = [r["in_models"] for r in results]
    counts = (
        ("round trips (`.keras` and `.h5`)", lambda m: m["judged"]),
        ("findings", lambda m: len(m["findings"])),
        (
            "of those, no built-in entry explained",
            lambda m: sum(not f["known"] for f in m["findings"]),
        ),
        (
            "not judged (the model as built computes other outputs twice)",
            lambda m: sum(map(len, m.get("not_judged", {}).values())),
        ),
        ("values no model could hold", lambda m: m["values_not_placed"]),
        ("classes no model could hold", lambda m: len(m["classes_not_placed"])),
    )
    lines = ["| | " + " | ".join(releases) + " |", "|---" * (1 + len(releases)) + "|"]
    for label, count in counts:
        lines.append(f"| {label} | " + " | ".join(str(count(m)) for m in stages) + " |")
    return "\n".join(lines) + "\n"


def main(argv=None) -> int:
    from keras_gate.engine.runtime.notices import silence_keras_notices
    from keras_gate.engine.runtime.startup_lines import hold_startup_lines

    hold_startup_lines()  # TensorFlow's start-up lines once, not twice
    silence_keras_notices()  # the .h5 and uncompiled-load notices, as in a gated run
    parser = argparse.ArgumentParser(prog="python -m keras_gate.tools.sweep")
    parser.add_argument("--out", type=Path, help="write the sweep's JSON here")
    parser.add_argument("--repro-dir", type=Path, help="one plain-Keras script per finding")
    parser.add_argument("--families", default=",".join(FAMILIES))
    parser.add_argument("--table", nargs="+", type=Path, metavar="SWEEP_JSON")
    parser.add_argument(
        "--in-models-table",
        nargs="+",
        type=Path,
        metavar="SWEEP_JSON",
        help="the second stage's counts per release, from records of --in-models runs",
    )
    parser.add_argument(
        "--check",
        action="store_true",
        help="exit 1 on a lost setting LOST_SETTINGS does not list for this release, or on "
        "a LOST_SETTINGS entry whose setting is kept now",
    )
    parser.add_argument(
        "--in-models",
        action="store_true",
        help="also put each object in a small model and run the gate's round trip through "
        f"{' and '.join(sweep_models.FORMATS)} (every check; minutes, not seconds)",
    )
    args = parser.parse_args(argv)
    for option, paths, write in (
        ("--table", args.table, table),
        ("--in-models-table", args.in_models_table, in_models_table),
    ):
        if not paths:
            continue
        results = []
        for path in paths:
            try:
                results.append(json.loads(path.read_text()))
                write(results[-1:])  # a record without what this table reads: named here
            except (OSError, ValueError, KeyError) as error:
                why = f"no key {error}" if isinstance(error, KeyError) else error
                print(f"keras_gate.tools.sweep: {option}: {path}: {why}", file=sys.stderr)
                return 2
        print(write(results), end="")
        return 0
    unknown = set(args.families.split(",")) - set(FAMILIES)
    if unknown:
        parser.error(f"--families: unknown {sorted(unknown)}; known: {', '.join(FAMILIES)}")
    result = sweep(tuple(args.families.split(",")), in_models=args.in_models)
    if args.out:
        args.out.write_text(json.dumps(result, indent=1, default=repr))
    if args.repro_dir:
        write_reproducers(result, args.repro_dir)
    print(
        f"keras {result['keras']}: {result['classes']} classes, {result['arguments']} "
        f"arguments varied ({result['values_refused']} values refused, "
        f"{result['values_unobservable']} not shown by the settings), "
        f"{len(result['findings'])} findings, "
        f"{len(result['not_made'])} classes not made (arguments without a known value)"
    )
    if "in_models" in result:
        placed = result["in_models"]
        print(
            f"in models: {placed['judged']} round trips through {', '.join(placed['formats'])}, "
            f"{len(placed['findings'])} findings, {placed['values_not_placed']} values and "
            f"{len(placed['classes_not_placed'])} classes no model could hold, "
            f"{sum(map(len, placed.get('not_judged', {}).values()))} not judged"
        )
    if args.check:
        problems = check(result)
        for line in problems:
            print(f"  {line}")
        known = sum(1 for f in result["findings"] if _known_for(f, result["keras"]))
        print(f"check: {known} findings known, {len(problems)} problem(s)")
        return 1 if problems else 0
    return 0


if __name__ == "__main__":
    # As the package's module, not a second copy under __main__: sweep_models imports
    # from it, and the copies' classes (Code) would differ.
    from keras_gate.tools import sweep as module

    sys.exit(module.main())
