"""Example models of a shop: text, ranking, a subclassed model, a fine-tuned image model."""
