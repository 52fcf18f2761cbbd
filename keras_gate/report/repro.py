"""Standalone reproducers: one Python file per failing case, for an upstream report.

``--repro-dir=DIR`` writes ``DIR/<case id>.py``, which depends only on Keras,
NumPy and the backend: it rebuilds the case's model (code from the model's
source: ``GateModel.reproducer``; a ``next_step(model)`` there for models saved
mid-training), runs the same save/load or copy path (``RoundTripFormat.repro``)
and checks again every kind of finding the gate reported (predictions, variables,
configs, derived state, state, original, next step, load; ground truth for an
oracle case), saying which reproduce. It exits 1 when any does, 0 when none does.
"""

from __future__ import annotations

import base64
import io
import re
import textwrap
from pathlib import Path

import numpy as np

from keras_gate.engine.runtime.notices import REPRODUCER_LINES
from keras_gate.engine.runtime.versions import keras_backend, stack_versions

PREAMBLE = """
from __future__ import annotations

import json
import os
import sys
import tempfile
from types import SimpleNamespace

os.environ.setdefault("KERAS_BACKEND", {backend!r})

import numpy as np  # noqa: E402
import keras  # noqa: E402
"""

HELPERS = '''
WORKDIR = tempfile.mkdtemp(prefix="keras-repro-")
RTOL, ATOL, PEAK_RTOL = {rtol!r}, {atol!r}, {peak_rtol!r}
CARRIES_COMPILE, CARRIES_OPTIMIZER = {carries_compile!r}, {carries_optimizer!r}
BUILD_SEED = {build_seed!r}
"""The global seed the gate's build started from: a factory drawing random weights draws
the same ones here (None: the gate's build was not seeded)."""
REPORTED = {reported!r}
"""What the gate found on the release that wrote this file: each is checked again here."""
CONFIG_LAYERS = {config_layers!r}
"""The layers whose config the gate found changed."""
GROUND_TRUTH = {ground_truth!r}
"""Whether the case was an oracle case: the model against its own stored statistics."""


def outputs(model, inputs):
    """Every output, flat: a model's eager call; a reloaded SavedModel's signature."""
    result = model(inputs, training=False) if isinstance(model, keras.Model) else model(inputs)
    if isinstance(result, dict) and not isinstance(model, keras.Model):
        result = [result[key] for key in sorted(result)]
    return [np.asarray(keras.ops.convert_to_numpy(x)) for x in keras.tree.flatten(result)]


def layers(model, prefix=""):
    """(path, layer) for every layer, nested models expanded; a subclassed model's
    layers by position (a reload names them anew)."""
    graph = hasattr(model, "_nodes_by_depth")
    for index, layer in enumerate(model.layers):
        path = prefix + (layer.name if graph else f"{{type(layer).__name__}}#{{index}}")
        yield path, layer
        if hasattr(layer, "layers"):
            yield from layers(layer, path + "/")


def weights(model):
    """Every weight by its place: layer path, sublayer and variable position."""
    found = {{}}
    for path, layer in layers(model):
        if hasattr(layer, "layers"):
            continue  # a nested model: its layers are listed themselves
        for j, sub in enumerate(layer._flatten_layers(include_self=True, recursive=True)):
            for i, v in enumerate([*sub._trainable_variables, *sub._non_trainable_variables]):
                found[f"{{path}}/{{j}}/{{i}}"] = v
    return found


def described(variable):
    value = np.asarray(keras.ops.convert_to_numpy(variable))
    return value.dtype.str, value.shape, bool(variable.trainable), value.tobytes()


def loss_name(loss):
    if isinstance(loss, str):
        try:
            loss = keras.losses.get(loss)
        except (ValueError, TypeError):
            return loss
    return getattr(loss, "__name__", None) or getattr(loss, "name", None) or type(loss).__name__


def variable_names(model):
    """Each variable by its layer's place and its own name (not its position)."""
    found = {{}}
    for path, layer in layers(model):
        if hasattr(layer, "layers"):
            continue
        for j, sub in enumerate(layer._flatten_layers(include_self=True, recursive=True)):
            for v in [*sub._trainable_variables, *sub._non_trainable_variables]:
                found[id(v)] = f"{{path}}/{{j}}/{{v.name}}"
    return found


def state(model):
    names = variable_names(model)
    found = {{"model dtype policy": model.dtype_policy.name}}
    # Their order too: what pairs variables by position (set_weights) depends on it.
    found["trainable variables"] = [names.get(id(v), v.name) for v in model.trainable_variables]
    for path, layer in layers(model):
        if type(layer).__name__ != "InputLayer":
            found[f"layer {{path}} trainable"] = layer.trainable
            found[f"layer {{path}} dtype policy"] = layer.dtype_policy.name
    if getattr(model, "compiled", False) and CARRIES_COMPILE:
        optimizer = model.optimizer
        found["optimizer"] = type(optimizer).__name__ if optimizer is not None else None
        found["loss"] = loss_name(getattr(model, "loss", None))
        if CARRIES_OPTIMIZER and optimizer is not None:
            found["optimizer iterations"] = int(np.asarray(optimizer.iterations))
            if getattr(optimizer, "built", True):
                found["optimizer variables"] = [
                    np.asarray(v).tobytes() for v in optimizer.variables
                ]
    return found


def compile_config(model):
    return model.get_compile_config() if getattr(model, "compiled", False) else {{}}


def short(value):
    text = repr(value) if not isinstance(value, list) else f"[{{len(value)}} values]"
    return text if len(text) <= 80 else text[:77] + "..."


def differences(what, before, after):
    return [
        f"{{what}}: {{key}}: {{short(before.get(key))}} -> {{short(after.get(key))}}"
        for key in dict.fromkeys([*before, *after])
        if before.get(key) != after.get(key)
    ]


def compare_weights(model, revived):
    ours = {{k: described(v) for k, v in weights(model).items()}}
    theirs = {{k: described(v) for k, v in weights(revived).items()}}
    lines = [f"{{k}}: missing after reload" for k in ours if k not in theirs]
    lines += [f"{{k}}: new after reload" for k in theirs if k not in ours]
    for key, mine in ours.items():
        if key in theirs and theirs[key] != mine:
            what = "values" if theirs[key][:3] == mine[:3] else "dtype, shape or trainable"
            lines.append(f"{{key}}: {{what}} differ")
    return lines


def runtime_statistics(model):
    found = {{}}
    for path, layer in layers(model):
        if isinstance(layer, keras.layers.Normalization) and layer.built:
            for name in ("mean", "variance"):
                value = keras.ops.convert_to_numpy(getattr(layer, name))
                found[f"{{path}} {{name}}"] = np.asarray(value).tobytes()
    return found


def stale_normalization(model):
    """Normalization layers whose runtime mean/variance are not their stored weights."""
    found = []
    for path, layer in layers(model):
        if isinstance(layer, keras.layers.Normalization) and layer.input_mean is None:
            for runtime, stored in (("mean", "adapt_mean"), ("variance", "adapt_variance")):
                a = np.ravel(keras.ops.convert_to_numpy(getattr(layer, runtime)))
                b = np.ravel(keras.ops.convert_to_numpy(getattr(layer, stored)))
                if not np.allclose(a, b, rtol=1e-6, atol=0):
                    found.append(f"{{path}}: runtime {{runtime}} {{a}} != stored {{stored}} {{b}}")
    return found


def summarise(found):
    reproduced = [kind for kind in REPORTED if found.get(kind)]
    for kind in REPORTED:
        if found.get(kind):
            print(f"reproduced {{kind}}:")
            for line in found[kind][:10]:
                print(f"  {{line}}")
        else:
            print(f"not reproduced {{kind}}: the same here")
    also = [kind for kind, lines in found.items() if lines and kind not in REPORTED]
    if also:
        print(f"(also different here, not what the gate reported: {{', '.join(also)}})")
    if reproduced:
        print(f"reproduced: {{', '.join(reproduced)}} (of {{', '.join(REPORTED)}})")
        return 1
    print(f"not reproduced: none of {{', '.join(REPORTED)}}")
    return 0


def main():
    if BUILD_SEED is not None:
        keras.utils.set_random_seed(BUILD_SEED)
    model = build_model()
    inputs = make_inputs()
    ctx = SimpleNamespace(
        model=model,
        inputs=inputs,
        before={reference},
        before_state=state(model),
        before_compile=compile_config(model),
        revived=None,
        load_error=[],
    )
    try:
        ctx.revived = round_trip(model)
        outputs(ctx.revived, inputs)
    except Exception as error:  # the save, load or first prediction raised
        first = (str(error).strip().splitlines() or [""])[0]
        ctx.load_error = [f"{{type(error).__name__}}: {{first}}"]
    found = {{}}
    if GROUND_TRUTH and not ctx.load_error:
        found["ground truth"] = stale_normalization(ctx.revived)
    for kind, check in CHECKS.items():  # the gate's registry order: next step (it trains) last
        if kind == "load" or not ctx.load_error:
            found[kind] = check(ctx)
    return summarise(found)
'''


def check_sources(fmt) -> str:
    """Every check of the registry that applies to ``fmt``, as the plain-Keras code it
    declares (``Check.repro``), and ``CHECKS``: kind -> function, in registry order."""
    from keras_gate.engine.checks import CHECKS, checks_for

    checks = checks_for(fmt) if fmt is not None else CHECKS
    parts, table = [], []
    for check in checks:
        function = "check_" + re.sub(r"\W", "_", check.name)
        code = textwrap.dedent(check.repro).strip()
        if not code.startswith("def reproduce(ctx):"):
            raise ValueError(f"check {check.name!r} declares no reproducer code (Check.repro)")
        parts.append(code.replace("def reproduce(ctx):", f"def {function}(ctx):", 1))
        table.append(f"    {check.name!r}: {function},")
    return "\n\n\n".join(parts) + "\n\n\nCHECKS = {\n" + "\n".join(table) + "\n}"


def reported_kinds(error: BaseException) -> list[str]:
    """The finding kinds the gate reported for a failure, in the registry's order: a
    round trip's findings (a save or load that raised is ``load``), or ``ground truth``
    for an oracle case's violation."""
    from keras_gate.engine.checks import CHECK_NAMES
    from keras_gate.report.record import findings_of

    seen = {finding.check for finding in findings_of(error)}
    if seen:
        return [name for name in CHECK_NAMES if name in seen]
    link = error
    while link is not None:
        if "GroundTruthViolation" in {cls.__name__ for cls in type(link).__mro__}:
            return ["ground truth"]
        link = link.__cause__
    return ["predictions"]


def embedded_inputs(inputs) -> str:
    """Code for ``make_inputs()`` returning ``inputs`` (arrays embedded, compressed)."""
    import keras

    flat = keras.tree.flatten(inputs)
    buffer = io.BytesIO()
    np.savez_compressed(buffer, *flat)
    data = base64.b64encode(buffer.getvalue()).decode()
    lines = textwrap.wrap(data, 96)
    if isinstance(inputs, dict):
        shape = f"dict(zip({sorted(inputs)!r}, arrays))"
    elif isinstance(inputs, (list, tuple)):
        shape = "arrays"
    else:
        shape = "arrays[0]"
    body = "\n".join(f'    "{line}"' for line in lines)
    return (
        "def make_inputs():\n"
        "    import base64\n    import io\n\n"
        f"    data = (\n{body}\n    )\n"
        "    with np.load(io.BytesIO(base64.b64decode(data))) as stored:\n"
        "        arrays = [stored[f'arr_{i}'] for i in range(len(stored.files))]\n"
        f"    return {shape}\n"
    )


PROJECT_CODE = "# the project's own code"
"""The comment on a reproducer's ``sys.path`` line for a factory's project
(``collect.sources.ini_matrix``): the file then imports that project."""


def needs_line(fmt, model_source: str) -> str:
    """What the file imports: Keras, NumPy, the backend, the format's own packages (a
    runtime, keras-hub) and the project's code where the model comes from a factory."""
    needs = ["keras", "numpy", "the backend", *(fmt.requires if fmt is not None else ())]
    if PROJECT_CODE in model_source:
        needs.append("the project's own code (its path is below)")
    return ", ".join(needs)


def target_helpers(model_name: str) -> str:
    """The gate's own derivation of a compiled loss's targets (``runtime.targets``), as
    source: the reproducer's ``evaluate`` and ``training step`` use the same targets."""
    import inspect

    from keras_gate.engine.runtime import seeds, targets

    parts = [
        "import hashlib  # noqa: E402",
        "import re  # noqa: E402",
        f"ROOT_SEED = {seeds.ROOT_SEED!r}",
        f"MODEL_NAME = {model_name!r}",
    ]
    for function in (
        seeds.stable_seed,
        seeds.random_state,
        targets.TargetsUndefined,
        targets._loss_name,
        targets._losses_per_output,
        targets.target_like,
        targets.derive_targets,
    ):
        parts.append(inspect.getsource(function).rstrip())
    return "\n\n\n".join(parts)


def reproducer_source(case, built, error, tolerance, nodeid: str) -> str:
    """The whole file for ``case`` (a ``GateCase``) that failed with ``error``: it checks
    again every kind of finding the gate reported (``reported_kinds``)."""
    from keras_gate.report.record import findings_of

    reported = reported_kinds(error)
    fmt = case.format if case.is_format else None
    model_source = case.model.reproducer(case.variant, built) if case.model.reproducer else None
    if model_source is None:
        raise ValueError(f"{case.model.name}: its source cannot write a reproducer")
    if "def make_inputs" not in model_source:
        model_source += "\n\n" + embedded_inputs(built.inputs)
    round_trip = textwrap.indent(fmt.repro if fmt else "revived = model", " " * 4)
    reference = (
        "[np.asarray(x) for x in keras.tree.flatten(model.predict(inputs, verbose=0))]"
        if fmt is not None and fmt.reference is not None
        else "outputs(model, inputs)"
    )
    layers = sorted({f.where for f in findings_of(error) if f.check == "configs" and f.where})
    versions = ", ".join(f"{k} {v}" for k, v in stack_versions().items())
    symptom = str(error.__cause__ or error) if hasattr(error, "entries") else str(error)
    symptom_lines = symptom.strip().splitlines()[:8]
    header = [
        "# Standalone reproducer written by keras-serialization-gate.",
        f"# case: {nodeid}",
        f"# stack: {versions}",
        f"# what the gate found ({', '.join(reported)}):",
        *(f"#   {line[:150]}" for line in symptom_lines),
        "# run: python this_file.py  -> checks each of them again and says which reproduce;",
        "#      exit 1 if any does, 0 if none does, 2 if the script itself could not run.",
        f"# needs: {needs_line(fmt, model_source)}.",
    ]
    return "\n".join(
        [
            *header,
            PREAMBLE.format(backend=keras_backend()).rstrip(),
            REPRODUCER_LINES.rstrip(),
            "",
            model_source.rstrip(),
            "",
            "",
            "def round_trip(model):",
            round_trip,
            "    return revived",
            "",
            HELPERS.format(
                rtol=tolerance.rtol,
                atol=tolerance.atol,
                peak_rtol=tolerance.peak_rtol,
                carries_compile=bool(fmt and fmt.carries_compile),
                carries_optimizer=bool(fmt and fmt.carries_optimizer_state),
                reported=reported,
                build_seed=built.build_seed,
                config_layers=layers,
                ground_truth=reported == ["ground truth"],
                reference=reference,
            ).rstrip(),
            "",
            target_helpers(built.name),
            "",
            "",
            check_sources(fmt),
            "",
            "",
            'if __name__ == "__main__":',
            "    try:",
            "        status = main()",
            "    except Exception:  # the script broke: not a verdict on the defect",
            "        import traceback",
            "",
            "        traceback.print_exc()",
            "        status = 2",
            "    sys.exit(status)",
            "",
        ]
    )


def write_reproducer(directory: Path, case, built, error, tolerance, nodeid: str) -> Path:
    """Write ``DIR/<case id>.py`` (whole, then renamed); return its path."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    name = re.sub(r"[^\w.-]", "_", f"{case.id}-{case.check}") + ".py"
    path = directory / name
    partial = directory / f".{name}.partial"
    partial.write_text(reproducer_source(case, built, error, tolerance, nodeid))
    partial.replace(path)
    return path


def reproducer_property(directory, case, built, error, item, nodeid: str) -> tuple[str, str]:
    """Write the case's reproducer; ``("reproducer", path)`` for its report (or why not,
    ``("reproducer_not_written", error)``:
    a reproducer that cannot be written must not hide the failure itself). ``nodeid``:
    the case's id as reports name it (without xdist's group suffix)."""
    from keras_gate.engine.tolerances import judged_at, tolerance_for

    tolerance = item.funcargs.get("tolerance") or tolerance_for("float32", "cpu")
    try:
        if case.is_format:
            tolerance = judged_at(tolerance, case.format, built)
        path = write_reproducer(Path(directory), case, built, error, tolerance, nodeid)
    except Exception as problem:  # noqa: BLE001
        return ("reproducer_not_written", f"{type(problem).__name__}: {problem}")
    return ("reproducer", str(path))
