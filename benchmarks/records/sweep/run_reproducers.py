"""Run every sweep reproducer in this interpreter (one Keras import): name and exit status."""

import contextlib
import io
import runpy
import sys
from pathlib import Path

import keras

for script in sorted(Path(sys.argv[1]).glob("*.py")):
    out = io.StringIO()
    try:
        with contextlib.redirect_stdout(out):
            runpy.run_path(str(script), run_name="__main__")
        status = 0
    except SystemExit as done:
        status = done.code
    except Exception as error:  # the script itself broke
        status = f"broke: {type(error).__name__}: {error}"
    print(keras.__version__, script.name, status, out.getvalue().strip().splitlines()[-1:])
