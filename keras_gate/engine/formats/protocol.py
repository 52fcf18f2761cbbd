"""What a format is: save, load or copy, predict, what it carries, its checks and
tolerance rows. A project adds its own through the ``pytest_keras_gate_formats`` hook
(``engine.formats.registry``); the built-in ones are ``engine.formats.builtin``.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path


def _save_model(model, path: Path) -> None:
    model.save(path)


def _load_model(path: Path, custom_objects=None, safe_mode=True):
    import keras

    return keras.models.load_model(path, custom_objects=custom_objects, safe_mode=safe_mode)


@dataclass(frozen=True)
class RoundTripFormat:
    """Save a model to one file and load it back into a new object (or copy it in memory)."""

    name: str
    """Marker and test-id part, e.g. ``keras_v3``."""
    suffix: str
    """File suffix that selects the format in ``model.save`` (empty for in-memory copies)."""
    description: str
    save: Callable = _save_model
    load: Callable = _load_model
    copy: Callable | None = None
    """In-memory copy ``copy(model, custom_objects, safe_mode) -> new model``, used
    instead of save and load."""
    carries_compile: bool = True
    """Promises the compile setup (optimizer, loss) back."""
    carries_optimizer_state: bool = True
    """Promises the optimizer's variables and iteration count back."""
    predict: Callable | None = None
    """``predict(revived, inputs, names) -> {output name: array}`` for what is not a
    Keras model (an exported SavedModel); None: the model's own outputs."""
    reference: Callable | None = None
    """``reference(original, inputs, names) -> {output: array}`` when ``predict``
    computes differently from the gate's eager pass (a traced graph); None: the
    subject's outputs."""
    backends: tuple[str, ...] = ()
    """Keras backends that can do this format; empty: all."""
    config_rewrites: tuple[str, ...] = ()
    """``LayerClass.key`` fnmatch patterns of config keys this path legitimately
    rewrites (the config check skips them); each with the reason beside it."""
    repro: str = ""
    """The same path as plain Keras code for a standalone reproducer: turns ``model``
    into ``revived``, writing files under ``WORKDIR``."""
    core: bool = True
    """Core formats are a model's default; the others run where a model asks for them
    (``@keras_gate.model(formats=...)``, or a project's own case list)."""
    tolerances: Mapping = field(default_factory=dict, hash=False, compare=False)
    """``{(compute dtype, device kind): Tolerance}`` rows for what this path computes
    (another runtime's kernels), each measured; other rows come from ``TOLERANCES``."""
    requires: tuple[str, ...] = ()
    """Modules the path needs (its runtime); where one is missing its cases skip."""
    extra: str = ""
    """This package's extra that installs them (``pip install ...[extra]``)."""
    backend_requires: Mapping = field(default_factory=dict, hash=False, compare=False)
    """``{backend: (modules, extra)}``: what the path needs besides :attr:`requires` on
    that backend (Keras exports ONNX through tf2onnx on tensorflow, jax2onnx on jax)
    and the extra that installs it."""
    keras_min: str = ""
    """The first Keras release with this path (``model.export(format=...)``); older
    releases skip its cases."""
    backend_keras_min: Mapping = field(default_factory=dict, hash=False, compare=False)
    """``{backend: release}`` where the path came to a backend later than
    :attr:`keras_min` (LiteRT on torch: 3.15.0)."""
    deployment: bool = False
    """An artifact for another runtime: opt-in everywhere (a model names it; the
    suite runs it with ``--scenarios=deploy``)."""
    carries_preprocessor: bool = False
    """Promises a keras-hub Task's preprocessor back (its tokenizer's assets): the
    ``preprocessing`` check compares what it makes of seeded texts."""
    unsupported_model: Callable | None = None
    """``unsupported_model(model) -> str | None``: why this path cannot hold this kind of
    model at all (a keras-hub preset holds keras-hub models only), or None; such a
    case skips, saying so: not a verdict."""
    memory: Callable | None = None
    """``memory(model) -> bytes``: what this path is measured to take for this model
    (a converter's copies of the weights); where that is more than the machine has free
    the case skips with both figures, not killed with its worker by the kernel
    (``engine.runtime.memory``; ``--memory-guard=off`` runs it anyway)."""
    signature: Callable | None = None
    """``signature(revived) -> runtime.signatures.Signature``: what an exported artifact
    serves (input and output names, dtypes, shapes), held to what the model declares
    (the ``signature`` check); None: not read."""
    export_arguments: Mapping = field(default_factory=dict, hash=False, compare=False)
    """The arguments an export was made with (``keras_gate.export_format``):
    ``input_signature`` is then what the artifact must serve."""
    limitation: Callable | None = None
    """``limitation(model, stage, error) -> str | None``: why a failure of this path is
    the format's documented limitation for this model (with the way out), not a
    defect; such a case is an xfail with that reason, never a pass."""

    @property
    def is_model(self) -> bool:
        """Whether the revived object is a Keras model (state and oracle checks apply)."""
        return self.predict is None

    @property
    def checks(self) -> tuple[str, ...]:
        """The names of the checks this format's round trip runs (each check says which
        formats it applies to, ``engine.checks``): all of them for a Keras model that
        carries everything; an inference artifact is held to its predictions only."""
        from keras_gate.engine.checks import checks_for

        return tuple(check.name for check in checks_for(self))

    def tolerance(self, dtype: str, device: str):
        """This path's tolerance row for ``dtype`` on ``device`` (its own, else the table's)."""
        from keras_gate.engine.tolerances import tolerance_for

        return self.tolerances.get((dtype, device)) or tolerance_for(dtype, device)

    def unsupported_on(self, backend: str) -> str | None:
        """Why this format cannot run here (``backend``, the Keras release, a missing
        runtime), or None. Imports nothing."""
        import importlib.util

        if self.backends and backend not in self.backends:
            return (
                f"{self.name} ({self.description}) needs the {'/'.join(self.backends)} "
                f"backend; this run uses {backend}"
            )
        keras_min = self.backend_keras_min.get(backend, self.keras_min)
        if keras_min:
            from packaging.version import Version

            from keras_gate.engine.runtime.versions import keras_version

            if Version(keras_version()) < Version(keras_min):
                on = f" on {backend}" if backend in self.backend_keras_min else ""
                return f"{self.name} needs keras >= {keras_min}{on}; this is {keras_version()}"
        modules, extra = self.backend_requires.get(backend, ((), self.extra))
        missing = [
            name for name in (*self.requires, *modules) if importlib.util.find_spec(name) is None
        ]
        if missing:
            on = f" on {backend}" if set(missing) & set(modules) else ""
            how = f" (pip install 'keras-serialization-gate[{extra}]')" if extra else ""
            return f"{self.name} needs {', '.join(missing)}{on}, not installed{how}"
        return None

    def round_trip(self, model, directory: Path, *, custom_objects=None, safe_mode=True):
        """``model`` saved and loaded back (or copied); :class:`RoundTripError` says
        which stage failed, the upstream error is its cause."""
        options = {"custom_objects": custom_objects, "safe_mode": safe_mode}
        if self.copy is not None:
            with _stage(self, "copy", model, safe_mode):
                return self.copy(model, **options)
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        path = directory / self.file_name
        with _stage(self, "save", model):
            self.save(model, path)
        with _stage(self, "load", model, safe_mode):
            return self.load(path, **options)

    @property
    def file_name(self) -> str | None:
        """What ``load`` opens in the directory ``save`` wrote; None for in-memory copies."""
        return None if self.copy is not None else f"model{self.suffix}"


class RoundTripError(Exception):
    """A save, load or copy raised: a classified failure of the case, not of the run."""

    __module__ = "keras_gate"  # its public name: reports read keras_gate.<Name>: ...

    def __init__(self, fmt: str, stage: str, error: BaseException, safe_mode: bool = True):
        text = str(error).strip().splitlines()
        first = text[0] if text else ""
        hint = ""
        if stage != "save" and "safe_mode" in str(error) and safe_mode:
            hint = (
                " (the model holds Python code, e.g. a Lambda: the gate loads with "
                "safe_mode on; turn it off for this model only with "
                "@keras_gate.model(safe_mode=False) if you trust the file)"
            )
        elif stage != "save" and "safe_mode" in str(error):
            hint = (
                " (the gate passed safe_mode=False, as the model's settings ask: this path "
                "does not honour it on this Keras, and a user calling it meets the same "
                "error; keras.config.enable_unsafe_deserialization() is Keras's global switch)"
            )
        super().__init__(f"{fmt}: {stage} failed: {type(error).__name__}: {first}{hint}")
        self.format = fmt
        self.stage = stage


class FormatLimitation(RoundTripError):
    """The path cannot carry this model, as the format documents: a known limitation
    (reported as an xfail with the reason and the way out), not a defect."""

    def __init__(self, fmt: str, stage: str, error: BaseException, explanation: str):
        super().__init__(fmt, stage, error)  # (its explanation replaces any hint)
        # The limitation first: a report's one-line summary shows the first line.
        self.args = (
            f"{fmt}: {stage} failed, a known limitation of {fmt}: {explanation} "
            f"({self.args[0].split(': ', 2)[-1]})",
        )


class FormatUnavailable(Exception):
    """The path needs a package that is not installed (found only when Keras imports it):
    the case skips naming the package and the extra, never a verdict."""


def missing_module(error: BaseException) -> str | None:
    """The module an ImportError says is missing (``No module named 'x'``, Keras's
    ``This requires the x module``), or None."""
    import re

    if not isinstance(error, ImportError):
        return None
    if isinstance(error, ModuleNotFoundError) and error.name:
        return error.name.split(".")[0]
    found = re.search(r"requires the (\w+) module", str(error))
    return found.group(1) if found else None


@contextlib.contextmanager
def _stage(fmt, stage: str, model=None, safe_mode: bool = True):
    try:
        yield
    except Exception as error:
        missing = missing_module(error) if stage in ("save", "load") else None
        if missing:
            from keras_gate.engine.runtime.versions import keras_backend

            extra = fmt.backend_requires.get(keras_backend(), ((), fmt.extra))[1]
            how = f" (pip install 'keras-serialization-gate[{extra}]')" if extra else ""
            raise FormatUnavailable(
                f"{fmt.name}: {stage} needs {missing}, not installed{how}: {error}"
            ) from error
        explanation = fmt.limitation(model, stage, error) if fmt.limitation else None
        if explanation:
            raise FormatLimitation(fmt.name, stage, error, explanation) from error
        raise RoundTripError(fmt.name, stage, error, safe_mode) from error
