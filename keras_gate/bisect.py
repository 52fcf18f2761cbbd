"""``python -m keras_gate.bisect``: the documented command; the work is ``tools.bisect``."""

import sys

from keras_gate.tools.bisect import main

if __name__ == "__main__":
    sys.exit(main())
