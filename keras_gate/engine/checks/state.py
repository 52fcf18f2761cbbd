"""The state check: what a user relies on after a reload besides predictions.

Trainable variables (by path), each layer's ``trainable`` flag and dtype policy,
and, for a compiled model, the compile setup and the optimizer's variables and
iteration count, as far as the format promises to carry them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import numpy as np

from keras_gate.engine.checks.protocol import Check, Difference, Finding
from keras_gate.engine.runtime.layer_tree import layers_by_path, variable_keys
from keras_gate.engine.runtime.value_digest import ValueDigest
from keras_gate.engine.tolerances import Tolerance


@dataclass
class ModelState:
    trainable_variables: tuple[str, ...]
    layer_trainable: dict[str, bool]
    layer_dtype_policy: dict[str, str]
    compiled: bool
    layer_class: dict[str, str] = field(default_factory=dict)
    compile_setup: dict = field(default_factory=dict)
    optimizer_variables: dict[str, ValueDigest] = field(default_factory=dict)
    optimizer_iterations: int | None = None
    optimizer_built: bool = True
    """False for an optimizer that never took a step: it has no slot variables yet."""
    optimizer_fresh: object = field(default=None, compare=False, repr=False)
    """For an unbuilt optimizer: ``() -> {position: ValueDigest}`` of the variables a
    fresh copy of it builds on the model, matched by value (made only where a reload's new
    slots are not zeros: Adagrad's and Ftrl's accumulators start at 0.1, Nadam's momentum
    product at 1)."""


def _optimizer_state(optimizer) -> tuple[dict, dict[str, ValueDigest], int]:

    name = type(optimizer).__name__
    inner = getattr(optimizer, "inner_optimizer", None)
    if inner is not None:  # mixed_float16 training wraps it in a LossScaleOptimizer
        name = f"{name}({type(inner).__name__})"
    setup = {"optimizer": name, "learning_rate": _learning_rate(optimizer)}
    # By position, as Keras itself restores them: their names derive from the
    # model variables' scope-dependent paths.
    # As digests: copies would double a trained model's slots through the reload.
    variables = {f"#{index}": ValueDigest.of(v) for index, v in enumerate(optimizer.variables)}
    return setup, variables, int(np.asarray(optimizer.iterations))


def _learning_rate(optimizer):
    """The learning rate as set: a value, or a schedule by its class and config.

    A schedule's current value follows the iteration count, which a format that starts
    the optimizer afresh (``clone``, ``from_config``) resets by design: the schedule
    itself is what the setup holds. The attribute, not ``get_config()``: a
    LossScaleOptimizer's config has none."""
    import keras

    inner = getattr(optimizer, "inner_optimizer", optimizer)
    schedule = getattr(inner, "_learning_rate", None)
    if isinstance(schedule, keras.optimizers.schedules.LearningRateSchedule):
        config = json.dumps(schedule.get_config(), sort_keys=True, default=repr)
        return f"{type(schedule).__name__}({config})"
    return float(keras.ops.convert_to_numpy(optimizer.learning_rate))


def _loss_name(loss) -> str | None:
    """``"categorical_crossentropy"`` whether compiled from the string (or an alias of
    it), the function (what an .h5 reload gives back) or a ``Loss`` object."""
    if loss is None:
        return None
    if isinstance(loss, str):
        # An alias and the function it names are one loss ("mse" is mean_squared_error).
        import keras

        try:
            loss = keras.losses.get(loss)
        except (ValueError, TypeError):
            return loss
    name = getattr(loss, "__name__", None) or getattr(loss, "name", None)
    return name or type(loss).__name__


def _fresh_optimizer_variables(model, optimizer) -> dict:
    """``{position: ValueDigest}`` of what a copy of the unbuilt ``optimizer`` builds on
    ``model``'s trainable variables: what its own first step would start from. None where
    no copy can be made (the comparison then knows zeros only)."""
    try:
        copy = type(optimizer).from_config(optimizer.get_config())
        copy.build(model.trainable_variables)
    except Exception:  # noqa: BLE001 - a wrapper or a custom optimizer: zeros only
        return None
    return {f"#{index}": ValueDigest.of(np.asarray(v)) for index, v in enumerate(copy.variables)}


def compile_config(model) -> dict:
    """``model.get_compile_config()``, or ``{}`` for a model never compiled."""
    return model.get_compile_config() if getattr(model, "compiled", False) else {}


def model_state(model) -> ModelState:
    """The state of ``model`` that the gate compares after a round trip."""
    layers = layers_by_path(model)
    keys = variable_keys(layers)
    state = ModelState(
        trainable_variables=tuple(keys.get(id(v), v.path) for v in model.trainable_variables),
        layer_trainable={path: bool(layer.trainable) for path, layer in layers.items()},
        layer_dtype_policy={path: layer.dtype_policy.name for path, layer in layers.items()},
        compiled=bool(getattr(model, "compiled", False)),
        layer_class={path: type(layer).__name__ for path, layer in layers.items()},
    )
    optimizer = getattr(model, "optimizer", None)
    if state.compiled and optimizer is not None:
        setup, state.optimizer_variables, state.optimizer_iterations = _optimizer_state(optimizer)
        state.optimizer_built = bool(getattr(optimizer, "built", True))
        if not state.optimizer_built:
            state.optimizer_fresh = lambda: _fresh_optimizer_variables(model, optimizer)
        setup["loss"] = _loss_name(getattr(model, "loss", None))
        state.compile_setup = setup
    return state


def _mapping_differences(what: str, original: dict, revived: dict, limit: int = 5) -> list[str]:
    lines = []
    missing = [k for k in original if k not in revived]
    extra = [k for k in revived if k not in original]
    changed = [k for k in original if k in revived and original[k] != revived[k]]
    if missing:
        lines.append(
            Difference(
                f"{what}: {len(missing)} missing after reload, e.g. {missing[:limit]}",
                what=f"{what}: missing",
            )
        )
    if extra:
        lines.append(
            Difference(
                f"{what}: {len(extra)} new after reload, e.g. {extra[:limit]}",
                what=f"{what}: new",
            )
        )
    for key in changed:  # every one (``findings_text`` shortens what a message shows)
        lines.append(
            Difference(f"{what}: {key}: {original[key]!r} -> {revived[key]!r}", str(key), what)
        )
    return lines


def state_differences(
    original: ModelState,
    revived: ModelState,
    tolerance: Tolerance,
    compile_state: bool = True,
    optimizer_state: bool = True,
) -> list[str]:
    """Human-readable differences, empty when the revived state matches.

    ``compile_state``/``optimizer_state``: whether the path under test promises to
    carry the compile setup / the optimizer's variables (``set_weights`` copies
    model weights only, by design).
    """
    lines = []
    renamed = layer_renames(original, revived)
    if renamed:
        shown = ", ".join(f"{a} -> {b}" for a, b in list(renamed.items())[:5])
        lines.append(Difference(f"layers renamed: {len(renamed)}, e.g. {shown}", what="renamed"))
    # A renamed layer is said once, above: its flags, policy and variables under the
    # new name are compared with the old one's.
    trainable = tuple(_renamed_path(key, renamed) for key in original.trainable_variables)
    if trainable != revived.trainable_variables:
        lines += _mapping_differences(
            "trainable variables",
            dict.fromkeys(trainable, True),
            dict.fromkeys(revived.trainable_variables, True),
        ) or [Difference("trainable variables: same paths in a different order", what="order")]
    for what, before, after in (
        ("layer trainable", original.layer_trainable, revived.layer_trainable),
        ("layer dtype policy", original.layer_dtype_policy, revived.layer_dtype_policy),
    ):
        before = {_renamed_path(key, renamed): value for key, value in before.items()}
        lines += _mapping_differences(what, before, after)
    if not (compile_state and original.compiled):
        return lines
    if not revived.compiled:
        lines.append(Difference("compiled: True -> False", what="compiled"))
        return lines
    lines += _mapping_differences("compile setup", original.compile_setup, revived.compile_setup)
    if not optimizer_state:
        return lines
    if original.optimizer_iterations != revived.optimizer_iterations:
        lines.append(
            Difference(
                f"optimizer iterations: {original.optimizer_iterations} -> "
                f"{revived.optimizer_iterations}",
                what="optimizer iterations",
            )
        )
    differences = variable_differences(
        "optimizer variable",
        original.optimizer_variables,
        _unbuilt_slots_forgiven(original, revived.optimizer_variables),
        tolerance,
    )
    if differences and not original.optimizer_built and original.optimizer_fresh:
        # What the unbuilt optimizer builds at its first step, matched by value: a reload
        # builds it now, maybe in another order (a LossScaleOptimizer adds its own
        # counters before its inner optimizer's) or with other initial values than zeros.
        fresh = original.optimizer_fresh()
        if fresh is not None:
            differences = _built_otherwise(fresh, revived.optimizer_variables)
    lines += differences
    return lines


def _unbuilt_slots_forgiven(original: ModelState, revived: dict) -> dict:
    """The revived optimizer's variables less the zero slots a reload builds for an
    optimizer that never stepped (it builds the same zeros at its first step)."""
    if original.optimizer_built:
        return revived
    return {
        key: value
        for key, value in revived.items()
        if key in original.optimizer_variables or np.any(value.current() != 0)
    }


def _built_otherwise(fresh: dict, revived: dict) -> list:
    """The revived optimizer's variables that no variable of a fresh build equals."""
    unmatched = list(fresh.values())
    otherwise = []
    for key, value in revived.items():
        digest = ValueDigest.of(value.current())
        if digest in unmatched:
            unmatched.remove(digest)
        else:
            otherwise.append(key)
    if not otherwise:
        return []
    return [
        Difference(
            f"optimizer variable: {len(otherwise)} built by the reload with other values "
            f"than the optimizer's own first step builds, e.g. {otherwise[:5]}",
            what="optimizer variable: built otherwise",
        )
    ]


def layer_renames(original: ModelState, revived: ModelState) -> dict[str, str]:
    """``{old path: new path}`` for layers that a reload gave another name: the paths only
    one side has, paired in model order where their number and classes agree."""
    gone = [p for p in original.layer_class if p not in revived.layer_class]
    new = [p for p in revived.layer_class if p not in original.layer_class]
    if not gone or len(gone) != len(new):
        return {}
    pairs = dict(zip(gone, new))
    same = all(original.layer_class[a] == revived.layer_class[b] for a, b in pairs.items())
    return pairs if same else {}


def _renamed_path(key: str, renamed: dict[str, str]) -> str:
    """``key`` (a layer or variable path) under its layer's new name."""
    for old in sorted(renamed, key=len, reverse=True):  # the deepest layer first
        if key == old or key.startswith(f"{old}/"):
            return renamed[old] + key[len(old) :]
    return key


def variable_differences(what: str, original: dict, revived: dict, tolerance: Tolerance) -> list:
    lines = _mapping_differences(what, dict.fromkeys(original, True), dict.fromkeys(revived, True))
    moved = []
    for key, value in original.items():
        if key not in revived:
            continue
        other = revived[key]
        if np.shape(value) != np.shape(other):
            text = f"{what} {key}: shape {np.shape(other)} != {np.shape(value)}"
            moved.append(Difference(text, key, f"{what}: shape"))
            continue
        if isinstance(value, ValueDigest):
            if value == other:  # bitwise equal
                continue
            value, other = value.recorded(), other.current()
            if value is None:  # the after-save check reports the original's change
                text = f"{what} {key}: the original's changed since it was recorded"
                moved.append(Difference(text, key, f"{what}: original changed"))
                continue
        if not np.allclose(other, value, tolerance.rtol, tolerance.atol, equal_nan=True):
            diff = np.max(np.abs(np.asarray(other, "float64") - np.asarray(value, "float64")))
            moved.append(Difference(f"{what} {key}: max|diff|={diff:.3g}", key, f"{what}: values"))
    return lines + moved


class State(Check):
    """Trainable flags, dtype policies, compile setup and optimizer state after the reload."""

    name = "state"
    repro = """
    def reproduce(ctx):
        return differences("revived", ctx.before_state, state(ctx.revived))
    """

    def record(self, trip):
        return trip.before("model state", model_state)

    def findings(self, trip) -> list[Finding]:
        lost = state_differences(
            trip.recorded[self.name],
            model_state(trip.revived),
            trip.tolerance,
            compile_state=trip.fmt.carries_compile,
            optimizer_state=trip.fmt.carries_optimizer_state,
        )
        return [Finding.of(self.name, line) for line in lost]
