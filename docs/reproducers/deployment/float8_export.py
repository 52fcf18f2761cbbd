"""Quantized models through the runtimes: a float8-quantized Dense model exports to none
of ONNX, LiteRT and OpenVINO (each fails in its own way), and an int8-quantized one does
not convert to LiteRT; the same float model exports to all three. Exit 1: reproduced.
"""

import os
import sys
import tempfile

import keras
import numpy as np


def model(mode):
    inputs = keras.Input((12,))
    built = keras.Model(inputs, keras.layers.Dense(4)(keras.layers.Dense(16)(inputs)))
    if mode:
        built.quantize(mode)
    built(np.zeros((1, 12), "float32"))
    return built


failed = []
for mode, formats in (
    (None, ("onnx", "litert", "openvino")),
    ("float8", ("onnx", "litert", "openvino")),
    ("int8", ("litert",)),
):
    for fmt in formats:
        suffix = {"onnx": ".onnx", "litert": ".tflite", "openvino": ".xml"}[fmt]
        path = os.path.join(tempfile.mkdtemp(), "m" + suffix)
        try:
            model(mode).export(path, format=fmt, verbose=False)
            if fmt == "openvino":
                import openvino

                openvino.Core().compile_model(path, "CPU")
            print(f"{mode or 'float'} -> {fmt}: exports")
        except Exception as error:
            line = str(error).strip().splitlines()[0][:120] if str(error).strip() else ""
            print(f"{mode or 'float'} -> {fmt}: {type(error).__name__}: {line}")
            failed.append((mode, fmt))
print(f"{'reproduced' if failed else 'not reproduced'} on keras {keras.__version__}")
sys.exit(1 if any(mode for mode, _ in failed) else 0)
