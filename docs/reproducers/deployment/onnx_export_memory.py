"""How much memory `model.export(format="onnx")` takes per parameter, plain Keras, no gate:
each keras.applications model named (ConvNeXtTiny, Small and Base by default) is built
with random weights, called once and exported to ONNX in a fresh process; the process's
peak RSS before and after the export is printed against the model's parameter bytes.
The onnx format's memory need (`_onnx_export_memory`, keras_gate/engine/formats/
deployment.py) is fitted above these figures; by it ConvNeXtLarge / XLarge through
`onnx` do not fit a 23 GiB machine.

    python onnx_export_memory.py [ConvNeXtTiny ConvNeXtSmall ...]

Exit 0 (a measurement, not a defect); one line per model.
"""

import subprocess
import sys

CHILD = r"""
import os, resource, sys, tempfile
import keras, numpy as np
name = sys.argv[1]
model = getattr(keras.applications, name)(weights=None)
model(np.zeros([1] + [d or 224 for d in model.input_shape[1:]], "float32"))
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20
with tempfile.TemporaryDirectory() as tmp:
    model.export(os.path.join(tmp, "m.onnx"), format="onnx", verbose=False)
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20
params = model.count_params()
print(f"{name}: {params / 1e6:.1f} M parameters ({params * 4 / 2**30:.2f} GiB float32), "
      f"peak RSS {before:.2f} GiB before export, {peak:.2f} GiB after "
      f"({peak / (params * 4 / 2**30):.1f} x the parameter bytes)")
"""

for name in sys.argv[1:] or ["ConvNeXtTiny", "ConvNeXtSmall", "ConvNeXtBase"]:
    run = subprocess.run([sys.executable, "-c", CHILD, name], capture_output=True, text=True)
    print(run.stdout.strip() or f"{name}: exit {run.returncode}: {run.stderr.strip()[-300:]}")
