"""The whole corpus as one mapping: ``{model name: factory}``."""

from corpus_models.applications import APPLICATIONS
from corpus_models.guides import GUIDES
from corpus_models.hub import KERAS_HUB

MODELS = {**GUIDES, **APPLICATIONS, **KERAS_HUB}

CI_SLICE = (
    # One model per class of fault the corpus found (docs/corpus.md), small enough for
    # every CI run; no name is a prefix of another, so `-k "a or b"` selects exactly.
    "guide_augmented_cnn",  # augmentation: inference runs with training=False
    "guide_augmentation_block_cnn",  # a nested Sequential
    "guide_masked_lstm",  # masks; legacy .h5 op layers (known failure)
    "guide_text_vectorization_classifier",  # string inputs; .h5 lookup tables (known)
    "guide_structured_data_classifier",  # a dict of float, string and integer inputs
    "guide_hashing_embedding",
    "guide_discretization_category_encoding",
    "guide_quantized_int8",
    "guide_quantized_float8",  # variable order on reload (known failure)
    "guide_lora_dense",  # LoRA merged on save: compared by its effective kernel
    "guide_compiled_untrained",  # an unbuilt optimizer is not a difference
    "guide_trained_adamw",  # .h5 optimizer slots (known failure)
    "guide_sequential_mlp",  # loss="mse" in .h5 (known failure)
    "guide_subclassed_with_build",
    "guide_transformer_text_classifier",  # automatic names inside custom layers
    "hub_bert_task",  # a task calling its backbone on a dict; .h5 limitation
    "hub_gpt2_task",
    "hub_mit_backbone",  # automatic names inside a model its code builds
    "hub_dinov2_backbone",  # keras-hub renames its layers on reload (known failure)
    "hub_t5_task",  # .h5 cannot save duplicate weight names (known failure)
    "app_mobilenetv3small",  # .h5 functional ops (known failure)
)
"""The corpus slice ``.ci/run`` runs from the installed wheel."""
