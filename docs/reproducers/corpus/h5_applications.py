"""keras.applications ConvNeXtTiny (LayerScale) and InceptionResNetV2 (CustomScaleLayer)
do not reload from legacy .h5 ("Unknown layer"). Exit 1: reproduced."""

import os
import sys
import tempfile

import keras

failed = []
for constructor, size in (("ConvNeXtTiny", 32), ("InceptionResNetV2", 75)):
    model = getattr(keras.applications, constructor)(weights=None, input_shape=(size, size, 3))
    path = os.path.join(tempfile.mkdtemp(), "model.h5")
    model.save(path)
    try:
        keras.models.load_model(path)
    except ValueError as error:
        failed.append(f"{constructor}: {str(error).splitlines()[0][:60]}")
print(f"{'reproduced' if failed else 'not reproduced'} on keras {keras.__version__}: {failed}")
sys.exit(1 if failed else 0)
