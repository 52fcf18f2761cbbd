"""keras-hub's EfficientNetBackbone does not reload from .keras when built with
`num_features` other than 1280: its config does not carry it, the reload builds a
1280-channel top conv and the saved 32-channel kernel does not fit. Exit 1: reproduced."""

import os
import sys
import tempfile

import keras

try:
    import keras_hub
except ImportError as error:  # exit 2: the script cannot run here
    print(f"cannot run on keras {keras.__version__}: keras_hub does not import: {error}")
    sys.exit(2)

backbone = keras_hub.models.EfficientNetBackbone(
    stackwise_width_coefficients=[1.0] * 2, stackwise_depth_coefficients=[1.0] * 2,
    stackwise_kernel_sizes=[3, 3], stackwise_num_repeats=[1, 1],
    stackwise_input_filters=[8, 8], stackwise_output_filters=[8, 16],
    stackwise_expansion_ratios=[1, 2], stackwise_squeeze_and_excite_ratios=[0.25, 0.25],
    stackwise_strides=[1, 2], stackwise_block_types=["v1", "v1"],
    stackwise_force_input_filters=[0, 0], stackwise_nores_option=[False, False],
    num_features=32, input_shape=(32, 32, 3),
)
print("num_features in get_config():", "num_features" in backbone.get_config())
path = os.path.join(tempfile.mkdtemp(), "model.keras")
backbone.save(path)
try:
    keras.models.load_model(path)
except ValueError as error:
    print(f"reproduced on keras {keras.__version__}, keras-hub {keras_hub.__version__}: "
          f"{str(error).splitlines()[0]}")
    sys.exit(1)
print(f"not reproduced on keras {keras.__version__}, keras-hub {keras_hub.__version__}")
