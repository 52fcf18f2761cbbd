"""R2Score(num_regressors=1) cannot be evaluated in a compiled model; on jax, run eagerly,
a model's first evaluate raises and its second does not.

``R2Score.result`` compares ``num_regressors`` with the sample count in a Python ``if``:
a traced count is refused (tensorflow: ``OperatorNotAllowedInGraphError``, jax:
``TracerBoolConversionError``). The gate evaluates eagerly, where tensorflow computes it;
on jax the first eager ``evaluate`` of a model still raises and the second succeeds. Found
by ``python -m keras_gate.tools.sweep --in-models`` on jax (keras 3.15.1, jax 0.10.2): a
reload, evaluated for the first time, raised where the original's second attempt did not.
The gate now keeps what the model as built raised for every case of that model.

Exit 1 while a compiled model's evaluate raises, 0 once it does not.
"""

import sys

import numpy as np

import keras

x = np.random.default_rng(0).uniform(size=(8, 4)).astype("float32")
y = np.random.default_rng(1).uniform(size=(8, 4)).astype("float32")


def evaluations(run_eagerly: bool) -> list[str]:
    inputs = keras.Input((4,))
    model = keras.Model(inputs, keras.layers.Dense(4)(inputs))
    metric = keras.metrics.R2Score(num_regressors=1)
    model.compile(optimizer="sgd", loss="mse", metrics=[metric], run_eagerly=run_eagerly)
    outcomes = []
    for _ in range(2):
        try:
            model.evaluate(x, y, verbose=0)
            outcomes.append("ok")
        except Exception as error:  # noqa: BLE001 - the traced comparison
            outcomes.append(type(error).__name__)
    return outcomes


compiled, eager = evaluations(False), evaluations(True)
print(
    f"keras {keras.__version__} ({keras.backend.backend()}): evaluate 1, 2 compiled: "
    f"{compiled}; run eagerly: {eager}"
)
sys.exit(1 if compiled[0] != "ok" else 0)
