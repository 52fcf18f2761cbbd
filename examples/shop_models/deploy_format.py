"""How this shop deploys: the architecture as JSON and the weights as one NumPy ``.npz``
(no HDF5 on the serving side), rebuilt there with ``model_from_json`` +
``set_weights``. Registered with the gate in ``conftest.py``, so ``npz_weights`` is a
format, a marker and a test-id part like the built-in ones."""

from pathlib import Path

import keras_gate

_ARCHITECTURE = "architecture.json"


def save(model, path: Path) -> None:
    import numpy as np

    np.savez(path, *model.get_weights())
    (path.parent / _ARCHITECTURE).write_text(model.to_json())


def load(path: Path, custom_objects=None, safe_mode=True):
    import keras
    import numpy as np

    model = keras.models.model_from_json(
        (path.parent / _ARCHITECTURE).read_text(), custom_objects=custom_objects
    )
    with np.load(path) as stored:
        model.set_weights([stored[f"arr_{i}"] for i in range(len(stored.files))])
    return model


NPZ_WEIGHTS = keras_gate.RoundTripFormat(
    "npz_weights",
    ".npz",
    "the shop's serving path: architecture JSON + weights in one .npz",
    save=save,
    load=load,
    # Weights only: what the serving side rebuilds has no optimizer or compile setup.
    carries_compile=False,
    carries_optimizer_state=False,
    core=False,
    repro=(
        'np.savez(os.path.join(WORKDIR, "model.npz"), *model.get_weights())\n'
        "revived = keras.models.model_from_json(model.to_json())\n"
        'with np.load(os.path.join(WORKDIR, "model.npz")) as stored:\n'
        '    revived.set_weights([stored[f"arr_{i}"] for i in range(len(stored.files))])'
    ),
)
