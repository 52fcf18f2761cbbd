"""Standalone reproducers: one Python file per failing case, for an upstream report.

``--repro-dir=DIR`` writes ``DIR/<case id>.py``, which depends only on Keras,
NumPy and the backend: it rebuilds the case's model (code from the model's
source: ``GateModel.reproducer``), runs the same save/load or copy path
(``RoundTripFormat.repro``) and repeats the comparison that failed. It exits 1
and prints the difference when the defect reproduces, 0 when it does not.
"""

from __future__ import annotations

import base64
import io
import re
import textwrap
from pathlib import Path

import numpy as np

from keras_gate.engine.runtime.versions import keras_backend, stack_versions

PREAMBLE = """
from __future__ import annotations

import os
import sys
import tempfile

os.environ.setdefault("KERAS_BACKEND", {backend!r})

import numpy as np  # noqa: E402
import keras  # noqa: E402
"""

HELPERS = '''
WORKDIR = tempfile.mkdtemp(prefix="keras-repro-")
RTOL, ATOL = {rtol!r}, {atol!r}
CARRIES_COMPILE, CARRIES_OPTIMIZER = {carries_compile!r}, {carries_optimizer!r}


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


def state(model):
    found = {{"model dtype policy": model.dtype_policy.name, "model trainable": model.trainable}}
    for path, layer in layers(model):
        if type(layer).__name__ != "InputLayer":
            found[f"layer {{path}} trainable"] = layer.trainable
            found[f"layer {{path}} dtype policy"] = layer.dtype_policy.name
    if getattr(model, "compiled", False) and CARRIES_COMPILE:
        found["compile config"] = repr(model.get_compile_config())
        if CARRIES_OPTIMIZER and model.optimizer is not None:
            found["optimizer iterations"] = int(np.asarray(model.optimizer.iterations))
            found["optimizer variables"] = len(model.optimizer.variables)
    return found


def differences(what, before, after):
    return [
        f"{{what}}: {{key}}: {{before.get(key)!r}} -> {{after.get(key)!r}}"
        for key in dict.fromkeys([*before, *after])
        if before.get(key) != after.get(key)
    ]


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
'''

SECTIONS = {
    "predictions": """
    before = {reference}
{round_trip}
    after = outputs(revived, inputs)
    worst = 0.0
    same = True
    for index, (a, b) in enumerate(zip(before, after)):
        delta = np.abs(a.astype("float64") - b.astype("float64"))
        worst = max(worst, float(delta.max(initial=0.0)))
        same &= bool(np.all(delta <= ATOL + RTOL * np.abs(a.astype("float64"))))
        print(f"output {{index}}: max|diff| = {{float(delta.max(initial=0.0)):.3g}}")
    if same:
        print("not reproduced: the reloaded model predicts the same")
        return 0
    print(f"reproduced: the reloaded model predicts differently (max|diff| = {{worst:.3g}})")
    return 1
""",
    "load": """
    try:
{round_trip}
    except Exception as error:
        print(f"reproduced: {{type(error).__name__}}: {{error}}")
        return 1
    print("not reproduced: the save and load raised nothing")
    return 0
""",
    "state": """
    before = state(model)
{round_trip}
    lines = differences("original changed by saving", before, state(model))
    lines += differences("revived", before, state(revived))
    if not lines:
        print("not reproduced: the reloaded model has the same state")
        return 0
    print("reproduced:")
    print("\\n".join(f"  {{line}}" for line in lines))
    return 1
""",
    "derived_state": """
{round_trip}
    stale = stale_normalization({checked})
    if not stale:
        print("not reproduced: every Normalization uses its stored statistics")
        return 0
    print("reproduced: " + "; ".join(stale))
    return 1
""",
}
"""The comparison that failed, as code; each check names its own (``Check.repro``)."""

FAILURE_SECTIONS = (
    ("RoundTripError", "load"),
    ("GroundTruthViolation", "derived_state"),
    ("StateMismatch", "state"),
    ("PredictionMismatch", "predictions"),
)
"""Sections of failures that carry no findings, by the class of their chain."""


def section_for(error: BaseException) -> str:
    """The ``SECTIONS`` key of a failure: where its chain holds the checks' findings,
    the section of the check that saw them (``Check.repro``, the registry's; moved
    predictions first); else the first class of its chain with a known section."""
    from keras_gate.engine.checks import CHECKS

    chain = []
    while error is not None:
        chain.append(error)
        error = error.__cause__
    names = [{cls.__name__ for cls in type(link).__mro__} for link in chain]
    if not any("RoundTripError" in found for found in names):
        findings = next((link.findings for link in chain if getattr(link, "findings", ())), ())
        seen = {finding.check for finding in findings}
        ranked = sorted(CHECKS, key=lambda check: check.name != "predictions")
        for check in ranked:
            if check.name in seen:
                return check.repro
    for name, section in FAILURE_SECTIONS:
        if any(name in found for found in names):
            return section
    return "predictions"


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


def reproducer_source(case, built, error, tolerance, nodeid: str) -> str:
    """The whole file for ``case`` (a ``GateCase``) that failed with ``error``."""
    section = section_for(error)
    fmt = case.format if case.is_format else None
    model_source = case.model.reproducer(case.variant, built) if case.model.reproducer else None
    if model_source is None:
        raise ValueError(f"{case.model.name}: its source cannot write a reproducer")
    if "def make_inputs" not in model_source:
        model_source += "\n\n" + embedded_inputs(built.inputs)
    round_trip = textwrap.indent(fmt.repro if fmt else "revived = model", " " * 8)
    if section != "load":
        round_trip = textwrap.dedent(round_trip)
        round_trip = textwrap.indent(round_trip, " " * 4)
    reference = (
        "[np.asarray(x) for x in keras.tree.flatten(model.predict(inputs, verbose=0))]"
        if fmt is not None and fmt.reference is not None
        else "outputs(model, inputs)"
    )
    body = SECTIONS[section].format(
        round_trip=round_trip,
        reference=reference,
        checked="revived" if fmt else "model",
    )
    versions = ", ".join(f"{k} {v}" for k, v in stack_versions().items())
    symptom = str(error.__cause__ or error) if hasattr(error, "entries") else str(error)
    symptom_lines = symptom.strip().splitlines()[:6]
    header = [
        "# Standalone reproducer written by keras-serialization-gate.",
        f"# case: {nodeid}",
        f"# stack: {versions}",
        f"# what failed ({section.replace('_', ' ')}):",
        *(f"#   {line[:150]}" for line in symptom_lines),
        "# run: python this_file.py  -> exit 1 and the difference if the defect reproduces,",
        "#      exit 0 if it does not, exit 2 if the script itself could not run.",
        "# needs: keras, numpy and the backend only.",
    ]
    return "\n".join(
        [
            *header,
            PREAMBLE.format(backend=keras_backend()).rstrip(),
            "",
            model_source.rstrip(),
            "",
            HELPERS.format(
                rtol=tolerance.rtol,
                atol=tolerance.atol,
                carries_compile=bool(fmt and fmt.carries_compile),
                carries_optimizer=bool(fmt and fmt.carries_optimizer_state),
            ).rstrip(),
            "",
            "",
            "def main():",
            "    model = build_model()",
            "    inputs = make_inputs()",
            body.rstrip("\n").lstrip("\n"),
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


def reproducer_property(directory, case, built, error, item) -> tuple[str, str]:
    """Write the case's reproducer; ``("reproducer", path)`` for its report (or why not:
    a reproducer that cannot be written must not hide the failure itself)."""
    from keras_gate.engine.tolerances import tolerance_for

    tolerance = item.funcargs.get("tolerance") or tolerance_for("float32", "cpu")
    try:
        path = write_reproducer(Path(directory), case, built, error, tolerance, item.nodeid)
    except Exception as problem:  # noqa: BLE001
        return ("reproducer", f"not written: {type(problem).__name__}: {problem}")
    return ("reproducer", str(path))
