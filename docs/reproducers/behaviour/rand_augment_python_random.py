"""RandAugment picks its operations with Python's ``random``, shuffling a list its class shares.

keras 3.10.0's ``RandAugment.get_random_transformation`` calls ``random.shuffle`` on the
class attribute ``_AUGMENT_LAYERS``: the operations a call applies depend on every earlier
call of any RandAugment in the process, not on the seeds. Two calls from the same seeds
(``keras.utils.set_random_seed(1)`` and every seed generator's state put back) augment
the same batch differently. From 3.11.x the
operations are drawn with the layer's seed generator. Found by ``python -m
keras_gate.tools.sweep --in-models`` on 3.10.0 (the gate's training pass now calls the
original twice more before it compares a reload with it).

Exit 1 while two calls under the same seed differ, 0 once they agree.
"""

import sys

import numpy as np

import keras

inputs = keras.Input((8, 8, 3))
model = keras.Model(inputs, keras.layers.RandAugment()(inputs))
batch = np.random.default_rng(0).uniform(size=(2, 8, 8, 3)).astype("float32")
generators = [
    generator
    for layer in model._flatten_layers()
    for generator in getattr(layer, "_seed_generators", ())
]
states = [np.asarray(generator.state) for generator in generators]
calls = []
for _ in range(3):
    keras.utils.set_random_seed(1)
    for generator, state in zip(generators, states):
        generator.state.assign(state)
    calls.append(np.asarray(model(batch, training=True)))
same = [call.tobytes() == calls[0].tobytes() for call in calls[1:]]
print(f"keras {keras.__version__}: calls 2 and 3 under the same seed equal the first: {same}")
sys.exit(0 if all(same) else 1)
