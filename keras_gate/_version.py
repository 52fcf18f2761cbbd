"""The gate's release: what ``keras_gate.__version__``, the run header and the reports show."""

__version__ = "0.2.0"
