"""The two classes whose in-model findings no entry explained in in-models-3.15.1.json,
judged again after their defects were entered (h5-loss-scale-optimizer-positional; the
h5-image-layer-save-pickle entry now naming RandomPosterization)."""

import keras

from keras_gate.tools import sweep, sweep_models

for family, cls in [
    ("optimizers", keras.optimizers.LossScaleOptimizer),
    ("layers", keras.layers.RandomPosterization),
]:
    variants, required = sweep._variants(cls)
    rows, counts = sweep_models.sweep_class_in_models(family, cls, variants, required)
    print(keras.__version__, f"{family}.{cls.__name__}", counts)
    for row in rows:
        print("   ", row["argument"], row["format"], row["check"], row["text"][:90], row["known"])
