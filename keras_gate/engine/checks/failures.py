"""The two ways a round trip that saved and loaded fails its checks: both carry every
check's findings, so a known failure can absorb exactly its own cause."""

from __future__ import annotations


class CheckFailure(AssertionError):
    """A round trip whose checks found differences (``findings``)."""

    def __init__(self, message: str, differences: list | tuple = (), findings=()):
        super().__init__(message)
        self.differences = list(differences)
        """Every output's difference (passing ones too), for the report's figures."""
        self.findings = tuple(findings)
        """Every check's findings (``checks.protocol.Finding``)."""


class PredictionMismatch(CheckFailure):
    """A revived model predicts differently from the model it was saved from."""

    __module__ = "keras_gate"  # its public name: reports read keras_gate.<Name>: ...


class StateMismatch(CheckFailure):
    """A revived model restores predictions but not the state listed in the message."""

    __module__ = "keras_gate"  # its public name: reports read keras_gate.<Name>: ...
