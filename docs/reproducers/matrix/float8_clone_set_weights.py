"""A float8-quantized model cannot be copied the way Keras's own docs copy a model
(``clone_model`` + ``set_weights(get_weights())``, or ``model_from_json`` + the same): the
copy, built from the config, creates each Dense's float8 variables in another order than
``quantize()`` did on the original, so the positional ``set_weights`` meets a scalar scale
where the kernel was ("weight shape () is not compatible with provided weight shape").
The same root cause as float8_variable_order.py. Exit 1: reproduced.
"""

import sys

import keras

inputs = keras.Input((12,))
model = keras.Model(inputs, keras.layers.Dense(4, name="head")(inputs))
model.quantize("float8")
for copy in (keras.models.clone_model, lambda m: keras.models.model_from_json(m.to_json())):
    try:
        copy(model).set_weights(model.get_weights())
    except ValueError as error:
        print(f"reproduced on keras {keras.__version__}: {str(error).splitlines()[0]}")
        sys.exit(1)
print(f"not reproduced on keras {keras.__version__}")
