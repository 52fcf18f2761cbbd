"""keras-hub models that Keras cannot export on the torch backend (keras-hub 0.32.0):

  bert       BertBackbone -> ONNX or OpenVINO: the trace fails in the first layer's call,
             "Cannot insert a Tensor that requires grad as a constant" (every keras-hub
             model of the corpus does, text and image alike)
  resnet     ResNetBackbone -> ONNX or OpenVINO: the same, in its first Conv2D
  deeplab    DeepLabV3Backbone -> LiteRT: litert-torch fails, "expected compiled_fn to be
             GraphModule, got <class 'function'>" (SegFormer too)
  qwen3_5    Qwen3_5Backbone -> LiteRT: the file holds STABLEHLO_IOTA, which ai-edge-litert's
             interpreter has no kernel for

KERAS_BACKEND=torch python hub_torch_export.py CASE FORMAT (FORMAT: onnx, openvino or litert):
exit 1 while the export or the runtime's load fails, 0 once it exports and loads;
2: keras-hub does not import here.
"""

import os
import sys
import tempfile

os.environ.setdefault("KERAS_BACKEND", "torch")

import keras  # noqa: E402
import numpy as np  # noqa: E402

try:
    import keras_hub
except ImportError as error:
    print(f"cannot run on keras {keras.__version__}: keras_hub does not import: {error}")
    sys.exit(2)

RESNET = dict(
    input_conv_filters=[64],
    input_conv_kernel_sizes=[3],
    stackwise_num_filters=[64, 16],
    stackwise_num_blocks=[1, 1],
    stackwise_num_strides=[1, 2],
    image_shape=(32, 32, 3),
    block_type="basic_block",
)
TOKENS = {"token_ids": np.ones((1, 8), "int32"), "padding_mask": np.ones((1, 8), "int32")}


def bert():
    backbone = keras_hub.models.BertBackbone(
        vocabulary_size=64,
        num_layers=2,
        num_heads=2,
        hidden_dim=16,
        intermediate_dim=32,
        max_sequence_length=16,
    )
    return backbone, {**TOKENS, "segment_ids": np.zeros((1, 8), "int32")}


def resnet():
    return keras_hub.models.ResNetBackbone(**RESNET), np.ones((1, 32, 32, 3), "float32")


def deeplab():
    backbone = keras_hub.models.DeepLabV3Backbone(
        image_encoder=keras_hub.models.ResNetBackbone(**RESNET),
        spatial_pyramid_pooling_key="P3",
        upsampling_size=8,
        dilation_rates=[1, 2],
        projection_filters=8,
        image_shape=(32, 32, 3),
    )
    return backbone, np.ones((1, 32, 32, 3), "float32")


def qwen3_5():
    backbone = keras_hub.models.Qwen3_5Backbone(
        vocabulary_size=64,
        num_layers=2,
        num_query_heads=2,
        num_key_value_heads=1,
        hidden_dim=16,
        intermediate_dim=32,
        head_dim=8,
        linear_num_key_heads=2,
        linear_num_value_heads=2,
        linear_key_head_dim=8,
        linear_value_head_dim=8,
    )
    return backbone, TOKENS


case, fmt = sys.argv[1], sys.argv[2]
model, x = {"bert": bert, "resnet": resnet, "deeplab": deeplab, "qwen3_5": qwen3_5}[case]()
model(x, training=False)  # the exporter refuses a model never called
path = os.path.join(
    tempfile.mkdtemp(), {"onnx": "m.onnx", "openvino": "m.xml", "litert": "m.tflite"}[fmt]
)
where = "export"
try:
    model.export(path, format=fmt, verbose=False)
    where = "load"
    if fmt == "onnx":
        import onnxruntime

        onnxruntime.InferenceSession(path)
    elif fmt == "openvino":
        import openvino

        openvino.Core().compile_model(path, "CPU")
    else:
        from ai_edge_litert.interpreter import Interpreter

        Interpreter(model_path=path).allocate_tensors()
except Exception as error:
    root = error  # Keras wraps a layer's error: its cause, or what it was raised during
    while (root.__cause__ or root.__context__) is not None:
        root = root.__cause__ or root.__context__
    first = (str(root).strip().splitlines() or [""])[0][:160]
    print(
        f"keras {keras.__version__} ({keras.backend.backend()}), keras-hub "
        f"{keras_hub.__version__}: {case} {fmt}: {where}: {type(root).__name__}: {first}"
    )
    sys.exit(1)
print(f"keras {keras.__version__} ({keras.backend.backend()}): {case} {fmt}: exports and loads")
sys.exit(0)
