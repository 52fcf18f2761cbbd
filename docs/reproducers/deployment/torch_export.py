"""Models keras.Model.export cannot hand a runtime on the torch backend (torch.onnx's
TorchScript exporter for ONNX, torch.jit.trace for OpenVINO, litert-torch for LiteRT):

  augmentation  RandomFlip + RandomRotation (identity in inference): the trace meets the
                seed generator's torch.Generator (ONNX "Unsupported prim::Constant kind",
                OpenVINO "Tracing failed sanity checks", LiteRT a data-dependent guard)
  lookup        IntegerLookup -> Embedding: the lookup goes through NumPy, so ONNX and
                OpenVINO trace it as a constant (the file answers the traced batch whatever
                it is given) and LiteRT refuses it (".numpy() is not supported")
  lora          Dense with enable_lora(2): "Cannot insert a Tensor that requires grad as a
                constant" (ONNX, OpenVINO)
  masked_lstm   Embedding(mask_zero=True) -> LSTM on sequences of unknown length: the trace
                keeps the sample's length 1 (ONNX fails at its Split, OpenVINO answers the
                wrong shape or fails)
  layer_norm    LayerNormalization over the last axis of a 3-D input: the ONNX exporter fails
                on a Gather of the input's shape ("Failed to export a node")
  dict_outputs  a model with a dict of outputs: torch.jit.trace refuses the dict (OpenVINO)
  int8, int4, float8   model.quantize(mode): no format exports it (ONNX "Couldn't export
                operator aten::to" or "cannot create std::vector", OpenVINO "Tracing failed
                sanity checks", LiteRT's converter)
  bucketize     Discretization: litert-torch has no lowering for aten.bucketize (LiteRT)
  mixed         mixed_float16 Conv2D: LiteRT's converter fails to legalize a float16 conv_2d
                (ONNX and OpenVINO export it; their float16 rounding is beyond this script's 1e-4)

KERAS_BACKEND=torch python torch_export.py CASE FORMAT  (FORMAT: onnx, openvino or litert):
exit 1 while the export fails, cannot run or answers other than model(x, training=False)
(atol 1e-4), 0 once it exports, runs and agrees.
"""

import os
import sys
import tempfile

os.environ.setdefault("KERAS_BACKEND", "torch")

import keras  # noqa: E402
import numpy as np  # noqa: E402


def augmentation():
    inputs = keras.Input((8, 8, 3), name="image")
    x = keras.layers.RandomFlip()(inputs)
    x = keras.layers.RandomRotation(0.1)(x)
    model = keras.Model(inputs, keras.layers.Dense(2)(keras.layers.Flatten()(x)))
    return model, np.random.default_rng(0).normal(size=(2, 8, 8, 3)).astype("float32")


def lookup():
    ids = keras.Input((4,), dtype="int64", name="ids")
    x = keras.layers.IntegerLookup(vocabulary=[3, 5, 7])(ids)
    x = keras.layers.Embedding(8, 2)(x)
    model = keras.Model(ids, keras.layers.GlobalAveragePooling1D()(x))
    return model, np.array([[3, 5, 7, 9], [9, 9, 3, 3]])


def lora():
    inputs = keras.Input((6,), name="features")
    dense = keras.layers.Dense(4)
    model = keras.Model(inputs, dense(inputs))
    dense.enable_lora(2)
    return model, np.random.default_rng(0).normal(size=(2, 6)).astype("float32")


def masked_lstm():
    tokens = keras.Input((None,), dtype="int32", name="tokens")
    x = keras.layers.Embedding(10, 3, mask_zero=True)(tokens)
    model = keras.Model(tokens, keras.layers.LSTM(2)(x))
    return model, np.array([[1, 2, 3, 0, 0], [4, 5, 0, 0, 0]], "int32")


def layer_norm():
    inputs = keras.Input((5, 4), name="sequence")
    model = keras.Model(inputs, keras.layers.LayerNormalization()(inputs))
    return model, np.random.default_rng(0).normal(size=(2, 5, 4)).astype("float32")


def dict_outputs():
    inputs = keras.Input((4,), name="features")
    outputs = {"a": keras.layers.Dense(2)(inputs), "b": keras.layers.Dense(1)(inputs)}
    return keras.Model(inputs, outputs), np.ones((2, 4), "float32")


def _quantized(mode):
    def build():
        inputs = keras.Input((12,), name="features")
        model = keras.Model(inputs, keras.layers.Dense(4)(keras.layers.Dense(16)(inputs)))
        model.quantize(mode)
        return model, np.random.default_rng(0).normal(size=(2, 12)).astype("float32")

    return build


def bucketize():
    inputs = keras.Input((1,), name="amount")
    x = keras.layers.Discretization(bin_boundaries=[0.0, 1.0])(inputs)
    model = keras.Model(inputs, keras.layers.CategoryEncoding(3, output_mode="one_hot")(x))
    return model, np.array([[-1.0], [0.5]], "float32")


def mixed():
    inputs = keras.Input((8, 8, 3), name="image")
    x = keras.layers.Conv2D(4, 3, dtype="mixed_float16")(inputs)
    x = keras.layers.GlobalAveragePooling2D(dtype="mixed_float16")(x)
    model = keras.Model(inputs, keras.layers.Dense(2, dtype="float32")(x))
    return model, np.ones((2, 8, 8, 3), "float32")


CASES = {
    "augmentation": augmentation,
    "lookup": lookup,
    "lora": lora,
    "masked_lstm": masked_lstm,
    "layer_norm": layer_norm,
    "dict_outputs": dict_outputs,
    "int8": _quantized("int8"),
    "int4": _quantized("int4"),
    "float8": _quantized("float8"),
    "bucketize": bucketize,
    "mixed": mixed,
}


def run(fmt, path, xs):
    if fmt == "onnx":
        import onnxruntime

        session = onnxruntime.InferenceSession(path)
        return session.run(None, dict(zip([i.name for i in session.get_inputs()], xs)))
    if fmt == "openvino":
        import openvino

        compiled = openvino.Core().compile_model(path, "CPU", {"INFERENCE_PRECISION_HINT": "f32"})
        result = compiled(xs)
        return [result[port] for port in compiled.outputs]
    from ai_edge_litert.interpreter import Interpreter

    # The LiteRT file is fixed at batch 1 on torch (documented): one sample at a time.
    interpreter = Interpreter(model_path=path)
    details = interpreter.get_input_details()
    answers = []
    for i in range(len(xs[0])):
        interpreter.allocate_tensors()
        for detail, value in zip(details, xs):
            interpreter.set_tensor(detail["index"], value[i : i + 1])
        interpreter.invoke()
        answers.append([interpreter.get_tensor(d["index"]) for d in interpreter.get_output_details()])
    return [np.concatenate(parts) for parts in zip(*answers)]


case, fmt = sys.argv[1], sys.argv[2]
model, x = CASES[case]()
expected = [np.asarray(keras.ops.convert_to_numpy(t)) for t in keras.tree.flatten(model(x, training=False))]
path = os.path.join(tempfile.mkdtemp(), {"onnx": "m.onnx", "openvino": "m.xml", "litert": "m.tflite"}[fmt])
where = "export"
try:
    model.export(path, format=fmt, verbose=False)
    where = "run"
    got = run(fmt, path, [np.asarray(v) for v in keras.tree.flatten(x)])
    where = "compare"
    for g, e in zip(got, expected):
        if np.shape(g) != e.shape or not np.allclose(g, e, rtol=0, atol=1e-4):
            raise AssertionError(f"answers {np.shape(g)} {np.ravel(g)[:4]} for {e.shape} {np.ravel(e)[:4]}")
except Exception as error:
    first = (str(error).strip().splitlines() or [""])[0][:200]
    print(f"keras {keras.__version__} ({keras.backend.backend()}): {case} {fmt}: {where}: "
          f"{type(error).__name__}: {first}")
    sys.exit(1)
print(f"keras {keras.__version__} ({keras.backend.backend()}): {case} {fmt}: exports, runs and agrees")
sys.exit(0)
