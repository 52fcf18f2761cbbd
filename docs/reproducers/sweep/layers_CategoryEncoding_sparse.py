"""CategoryEncoding(sparse=True) through from_config(get_config()): lost (found by keras_gate.tools.sweep).

Exit 1 while the setting is lost, 0 once it is kept, 2 where the class or value does not
exist on this release.
"""

import sys

import keras

try:
    obj = keras.layers.CategoryEncoding(**{'num_tokens': 8, 'sparse': True})
except Exception as error:
    print(f"keras {keras.__version__}: cannot make it: {error}")
    sys.exit(2)
try:
    revived = type(obj).from_config(obj.get_config())
except Exception as error:
    print(f"keras {keras.__version__}: the round trip raised {type(error).__name__}: {error}")
    sys.exit(1)


def setting(o):  # a loss function wrapper keeps its arguments in _fn_kwargs
    return getattr(o, 'sparse', getattr(o, "_fn_kwargs", {}).get('sparse', "(absent)"))


before, after = setting(obj), setting(revived)
print(f"keras {keras.__version__}: CategoryEncoding.sparse: {before!r} -> {after!r}")
sys.exit(1 if after != before else 0)
