"""A third-party corpus for the gate: models nobody on the gate's team wrote."""
