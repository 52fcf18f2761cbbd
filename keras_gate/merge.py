"""``python -m keras_gate.merge``: the documented command; the work is ``report.merge``."""

import sys

from keras_gate.report.merge import main

if __name__ == "__main__":
    sys.exit(main())
