"""Running the original and its reload side by side without changing either: the same
randomness for both, every variable put back afterwards.

What a user's own two calls would see: the behaviour checks (training pass, evaluate,
training step, next step) compare the two models under identical random draws, so
randomness by design is never a difference, and leave both as they were, so the cases
that share them do not depend on the order they run in.
"""

from __future__ import annotations

import contextlib
import random
import tempfile

import numpy as np

from keras_gate.engine.runtime.layer_tree import layers_by_path, variable_keys


def seed_states(model) -> dict[str, object]:
    """``model``'s seed-generator state variables by place in the layer tree."""
    keys = variable_keys(layers_by_path(model))
    return {keys[id(v)]: v for v in model.variables if "seed_generator#" in keys.get(id(v), "")}


def share_seed_states(original, revived) -> None:
    """Give ``revived`` ``original``'s seed-generator states (identical dropout masks).

    Keras does not save them (RNG state, not model state), so without this two
    equal models draw different masks. Paired by place; where a reload names a
    generator's layer anew, the unpaired ones are paired by order when their
    numbers agree.
    """
    theirs = seed_states(revived)
    ours = seed_states(original)
    unpaired = []
    for key, state in ours.items():
        if key in theirs:
            theirs.pop(key).assign(state)
        else:
            unpaired.append(state)
    if unpaired and len(unpaired) == len(theirs):
        for state, other in zip(unpaired, theirs.values()):
            if tuple(state.shape) == tuple(other.shape):
                other.assign(state)


@contextlib.contextmanager
def same_randomness(seed: int):
    """Within the block, every unseeded random draw (Python, NumPy, the backend, Keras's
    global ``SeedGenerator``) starts from ``seed``; Python's and NumPy's generators are
    put back afterwards."""
    import keras

    python_state, numpy_state = random.getstate(), np.random.get_state()
    keras.utils.set_random_seed(seed)
    try:  # keras < 3.8 keeps its global SeedGenerator through set_random_seed
        from keras.src.backend.common import global_state

        global_state.set_global_attribute("global_seed_generator", None)
    except ImportError:
        pass
    try:
        yield
    finally:
        random.setstate(python_state)
        np.random.set_state(numpy_state)


@contextlib.contextmanager
def restored_afterwards(variables):
    """Put ``variables`` back as they are now when the block ends, bit for bit.

    Their values wait in a temporary file, not in memory: a trained EfficientNetV2L's
    variables and Adam slots are 1.3 GiB, which both models' steps would have on top.
    Only a variable the block changed is assigned: assigning every one anew makes the
    backend allocate the whole model again (EfficientNetV2L's default cases: peak RSS
    +0.16 GiB, where a training-mode call changes its batch statistics only).
    """
    variables = list({id(v): v for v in variables}.values())
    with tempfile.TemporaryFile(prefix="keras-gate-trial-") as spill:
        layout = []
        for variable in variables:
            value = np.asarray(variable)
            layout.append((value.dtype, value.shape))
            np.ascontiguousarray(value).tofile(spill)  # (it makes a 0-d value 1-d)
        try:
            yield
        finally:
            spill.seek(0)
            for variable, (dtype, shape) in zip(variables, layout):
                count = int(np.prod(shape, dtype=np.int64))
                saved = np.fromfile(spill, dtype=dtype, count=count).reshape(shape)
                if not _same_bits(np.asarray(variable), saved):
                    variable.assign(saved)


def _same_bits(now: np.ndarray, saved: np.ndarray) -> bool:
    """Whether ``now`` is ``saved`` bit for bit (NaN payloads and signed zeros too)."""
    if now.dtype != saved.dtype or now.shape != saved.shape:
        return False
    return np.array_equal(
        np.ascontiguousarray(now).reshape(-1).view(np.uint8), saved.reshape(-1).view(np.uint8)
    )


@contextlib.contextmanager
def drawn_alike(model, seed: int):
    """Within the block, a training-mode call of ``model`` draws from ``seed`` and leaves
    nothing behind: every variable it moves is put back, trainable ones too (batch
    statistics and seed states, and ``SpectralNormalization``'s call, which rewrites the
    wrapped layer's kernel: left changed, the original saved for the next case was not
    the model whose outputs it is compared with)."""
    with restored_afterwards(model.variables):
        with same_randomness(seed):
            yield


def every_variable(model) -> list:
    """What a training step or evaluation may change: the model's variables, its
    optimizer's and its metrics'."""
    found = list(model.variables)
    optimizer = getattr(model, "optimizer", None)
    if optimizer is not None:
        found += list(optimizer.variables)
    found += list(getattr(model, "metrics_variables", ()))
    return found
