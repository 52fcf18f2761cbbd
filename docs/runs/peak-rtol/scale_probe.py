"""How far float32 runtimes move a model's outputs, against the outputs' scale: a keras
application with classifier_activation=None (its logits) on inputs in the range its
preprocess_input gives, exported to ONNX / OpenVINO / LiteRT, each run beside Keras."""

import os
import sys
import tempfile

import keras
import numpy as np

name, fmt = sys.argv[1], sys.argv[2]
ctor = getattr(keras.applications, name)
size = {"InceptionV3": 75, "InceptionResNetV2": 75, "Xception": 71}.get(name, 32)
model = ctor(weights=None, input_shape=(size, size, 3), classes=10, classifier_activation=None)
x = np.random.RandomState(0).uniform(-1, 1, (2, size, size, 3)).astype("float32") * float(
    sys.argv[3]
)
expected = np.asarray(model(x, training=False))
d = tempfile.mkdtemp()
if fmt == "onnx":
    import onnxruntime

    path = os.path.join(d, "m.onnx")
    model.export(path, format="onnx")
    s = onnxruntime.InferenceSession(path)
    got = s.run(None, {s.get_inputs()[0].name: x})[0]
elif fmt == "openvino":
    import openvino

    path = os.path.join(d, "m.xml")
    model.export(path, format="openvino")
    c = openvino.Core().compile_model(path, "CPU", {"INFERENCE_PRECISION_HINT": "f32"})
    got = c([x])[c.outputs[0]]
else:
    from ai_edge_litert.interpreter import Interpreter

    path = os.path.join(d, "m.tflite")
    model.export(path, format="litert")
    it = Interpreter(model_path=path)
    det = it.get_input_details()[0]
    it.resize_tensor_input(det["index"], x.shape)
    it.allocate_tensors()
    it.set_tensor(det["index"], x)
    it.invoke()
    got = it.get_tensor(it.get_output_details()[0]["index"])
diff = np.abs(got.astype("float64") - expected)
scale = np.abs(expected).max()
print(
    f"{name} {fmt} input x{sys.argv[3]}: max |out| {scale:.4g}, "
    f"max abs diff {diff.max():.3g}, diff / max|out| {diff.max() / scale:.3g}"
)
