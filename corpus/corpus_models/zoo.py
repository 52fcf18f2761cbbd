"""The whole corpus as one mapping: ``{model name: factory}``."""

from corpus_models.applications import APPLICATIONS
from corpus_models.guides import GUIDES
from corpus_models.hub import KERAS_HUB

MODELS = {**GUIDES, **APPLICATIONS, **KERAS_HUB}
