"""keras-hub backbones and their Tasks, built from tiny configs (no downloads).

One row per architecture: the backbone class, its constructor arguments (the
common small values below, plus the row's own), and the Task built on it where
keras-hub has one that takes a backbone and no preprocessor. Rows that cannot
be built on CPU from a small config are listed in ``NOT_BUILT`` with the reason.
"""

from __future__ import annotations

import keras_gate

TEXT = dict(vocabulary_size=64, num_layers=2, num_heads=2, hidden_dim=16, intermediate_dim=32)
"""An encoder's or decoder's small size (most text backbones take these names)."""
GQA = dict(
    vocabulary_size=64,
    num_layers=2,
    num_query_heads=2,
    num_key_value_heads=1,
    hidden_dim=16,
    intermediate_dim=32,
)
"""The same for the grouped-query decoders (Llama, Mistral, Gemma, Qwen...)."""
IMAGE = (32, 32, 3)

NOT_BUILT = {
    "MoonshineBackbone": "builds, but its encoder's padding mask is per audio sample and its "
    "conv stack shortens the sequence: no length of derived inputs runs (32-400 tried)",
    "BASNetBackbone": "refuses the ResNet row's encoder (built with image_shape); not retried",
}
"""Architectures tried and left out, with the reason (``docs/corpus.md`` lists all).
``ESM2Backbone`` and ``SmolLMBackbone`` are aliases of ``ESMBackbone`` and
``SmolLM3Backbone``; the other backbones of keras-hub 0.32.0 were not tried (their
tiny configs need encoders of other rows or more arguments than this table has)."""
RESNET = dict(
    input_conv_filters=[8],
    input_conv_kernel_sizes=[3],
    stackwise_num_filters=[64, 16],
    stackwise_num_blocks=[1, 1],
    stackwise_num_strides=[1, 2],
    image_shape=IMAGE,
)
"""A two-stage ResNet (keras-hub wants 64 filters in the first stage)."""


class Sub(str):
    """An argument that is another row's backbone (a segmenter's image encoder)."""


# name: (backbone class, constructor arguments, task class or None, task arguments)
BACKBONES: dict[str, tuple[str, dict, str | None, dict]] = {
    # Encoders
    "albert": (
        "AlbertBackbone",
        {**TEXT, "embedding_dim": 8, "max_sequence_length": 16},
        "AlbertTextClassifier",
        {"num_classes": 2},
    ),
    "bert": (
        "BertBackbone",
        {**TEXT, "max_sequence_length": 16},
        "BertTextClassifier",
        {"num_classes": 2},
    ),
    "distil_bert": (
        "DistilBertBackbone",
        {**TEXT, "max_sequence_length": 16},
        "DistilBertTextClassifier",
        {"num_classes": 2},
    ),
    "roberta": (
        "RobertaBackbone",
        {**TEXT, "max_sequence_length": 16},
        "RobertaTextClassifier",
        {"num_classes": 2},
    ),
    "xlm_roberta": (
        "XLMRobertaBackbone",
        {**TEXT, "max_sequence_length": 16},
        "XLMRobertaTextClassifier",
        {"num_classes": 2},
    ),
    "deberta_v3": (
        "DebertaV3Backbone",
        {**TEXT, "max_sequence_length": 16, "bucket_size": 8},
        "DebertaV3TextClassifier",
        {"num_classes": 2},
    ),
    "electra": (
        "ElectraBackbone",
        {
            "vocab_size": 64,
            "num_layers": 2,
            "num_heads": 2,
            "hidden_dim": 16,
            "embedding_dim": 16,
            "intermediate_dim": 32,
            "max_sequence_length": 16,
        },
        None,
        {},
    ),
    "f_net": (
        "FNetBackbone",
        {
            "vocabulary_size": 64,
            "num_layers": 2,
            "hidden_dim": 16,
            "intermediate_dim": 32,
            "max_sequence_length": 16,
        },
        "FNetTextClassifier",
        {"num_classes": 2},
    ),
    "roformer_v2": (
        "RoformerV2Backbone",
        {**TEXT, "head_size": 8, "max_wavelength": 64},
        "RoformerV2TextClassifier",
        {"num_classes": 2},
    ),
    "esm": (
        "ESMBackbone",
        {**TEXT, "max_sequence_length": 16},
        "ESMProteinClassifier",
        {"num_classes": 2},
    ),
    "xlnet": ("XLNetBackbone", TEXT, None, {}),
    # Decoders
    "gpt2": (
        "GPT2Backbone",
        {**TEXT, "max_sequence_length": 16},
        "GPT2CausalLM",
        {},
    ),
    "gpt_neo_x": ("GPTNeoXBackbone", {**TEXT, "max_sequence_length": 16}, "GPTNeoXCausalLM", {}),
    "opt": ("OPTBackbone", {**TEXT, "max_sequence_length": 16}, "OPTCausalLM", {}),
    "bloom": ("BloomBackbone", TEXT, "BloomCausalLM", {}),
    "falcon": (
        "FalconBackbone",
        {
            "vocabulary_size": 64,
            "num_layers": 2,
            "num_attention_heads": 2,
            "hidden_dim": 16,
            "intermediate_dim": 32,
        },
        "FalconCausalLM",
        {},
    ),
    "llama": ("LlamaBackbone", GQA, "LlamaCausalLM", {}),
    "llama3": ("Llama3Backbone", GQA, "Llama3CausalLM", {}),
    "mistral": ("MistralBackbone", GQA, "MistralCausalLM", {}),
    "mixtral": ("MixtralBackbone", {**GQA, "num_experts": 2}, "MixtralCausalLM", {}),
    "gemma": ("GemmaBackbone", {**GQA, "head_dim": 8}, "GemmaCausalLM", {}),
    "phi3": (
        "Phi3Backbone",
        {
            "vocabulary_size": 64,
            "num_layers": 2,
            "hidden_dim": 16,
            "intermediate_dim": 32,
            "num_query_heads": 2,
            "num_key_value_heads": 1,
        },
        "Phi3CausalLM",
        {},
    ),
    "qwen": ("QwenBackbone", GQA, "QwenCausalLM", {}),
    "qwen2": ("Qwen2Backbone", GQA, "Qwen2CausalLM", {}),
    "gemma3": (
        "Gemma3Backbone",
        {**GQA, "head_dim": 8, "image_size": 16},
        "Gemma3CausalLM",
        {},
    ),
    "qwen_moe": (
        "QwenMoeBackbone",
        {
            **GQA,
            "moe_intermediate_dim": 16,
            "shared_expert_intermediate_dim": 16,
            "num_experts": 2,
            "top_k": 1,
        },
        "QwenMoeCausalLM",
        {},
    ),
    "qwen3": ("Qwen3Backbone", {**GQA, "head_dim": 8}, "Qwen3CausalLM", {}),
    "qwen3_moe": (
        "Qwen3MoeBackbone",
        {**GQA, "moe_intermediate_dim": 16, "num_experts": 2, "top_k": 1},
        "Qwen3MoeCausalLM",
        {},
    ),
    "gpt_oss": (
        "GptOssBackbone",
        {**GQA, "num_experts": 2, "top_k": 1, "head_dim": 8},
        "GptOssCausalLM",
        {},
    ),
    "qwen3_5": (
        "Qwen3_5Backbone",
        {
            **GQA,
            "head_dim": 8,
            "linear_num_key_heads": 2,
            "linear_num_value_heads": 2,
            "linear_key_head_dim": 8,
            "linear_value_head_dim": 8,
        },
        "Qwen3_5CausalLM",
        {},
    ),
    "rwkv7": (
        "RWKV7Backbone",
        {
            "hidden_size": 16,
            "head_size": 8,
            "num_layers": 2,
            "vocabulary_size": 64,
            "intermediate_dim": 32,
        },
        "RWKV7CausalLM",
        {},
    ),
    "smollm3": (
        "SmolLM3Backbone",
        {
            "vocabulary_size": 64,
            "hidden_dim": 16,
            "intermediate_dim": 32,
            "num_layers": 2,
            "num_attention_heads": 2,
            "num_key_value_heads": 1,
            "attention_bias": False,
            "attention_dropout": 0.0,
            "rope_layer_enabled_list": [True, True],
            "layer_types": ["attention", "attention"],
            "mlp_bias": False,
            "layer_norm_epsilon": 1e-6,
            "max_position_embeddings": 32,
            "rope_theta": 10000.0,
            "partial_rotary_factor": 1.0,
        },
        "SmolLM3CausalLM",
        {},
    ),
    # Encoder-decoders
    "bart": ("BartBackbone", {**TEXT, "max_sequence_length": 16}, "BartSeq2SeqLM", {}),
    "t5": ("T5Backbone", TEXT, "T5Seq2SeqLM", {}),
    "t5_gemma": (
        "T5GemmaBackbone",
        {
            "vocabulary_size": 64,
            **{
                f"{side}_{key}": value
                for side in ("encoder", "decoder")
                for key, value in {
                    "hidden_dim": 16,
                    "intermediate_dim": 32,
                    "num_layers": 2,
                    "num_attention_heads": 2,
                    "num_key_value_heads": 1,
                    "head_dim": 8,
                    "layer_types": ["full_attention", "full_attention"],
                }.items()
            },
        },
        "T5GemmaSeq2SeqLM",
        {},
    ),
    "edrec": (
        "EdRecBackbone",
        {
            "vocab_size": 64,
            "num_layers_enc": 1,
            "num_layers_dec": 1,
            "hidden_dim": 16,
            "intermediate_dim": 32,
            "num_heads": 2,
        },
        "EdRecSeq2SeqLM",
        {},
    ),
    "whisper": (
        "WhisperBackbone",
        {
            **TEXT,
            "num_mels": 8,
            "max_encoder_sequence_length": 16,
            "max_decoder_sequence_length": 8,
        },
        None,
        {},
    ),
    # Image
    "resnet": (
        "ResNetBackbone",
        {**RESNET, "input_conv_filters": [64], "block_type": "basic_block"},
        "ResNetImageClassifier",
        {"num_classes": 3},
    ),
    "resnet_v2": (
        "ResNetBackbone",
        {**RESNET, "block_type": "bottleneck_block", "use_pre_activation": True},
        None,
        {},
    ),
    "vgg": (
        "VGGBackbone",
        {"stackwise_num_repeats": [1, 1], "stackwise_num_filters": [8, 16], "image_shape": IMAGE},
        "VGGImageClassifier",
        {"num_classes": 3, "pooling": "avg"},
    ),
    "densenet": (
        "DenseNetBackbone",
        {"stackwise_num_repeats": [1, 1], "growth_rate": 4, "image_shape": IMAGE},
        "DenseNetImageClassifier",
        {"num_classes": 3},
    ),
    "xception": (
        "XceptionBackbone",
        {
            "stackwise_conv_filters": [[8, 16], [16, 16]],
            "stackwise_pooling": [True, False],
            "image_shape": IMAGE,
        },
        "XceptionImageClassifier",
        {"num_classes": 3},
    ),
    "cspnet": (
        "CSPNetBackbone",
        {
            "stem_filters": 16,
            "stem_kernel_size": 3,
            "stem_strides": 2,
            "stackwise_depth": [1, 1],
            "stackwise_strides": [1, 2],
            "stackwise_num_filters": [32, 64],
            "block_type": "bottleneck_block",
            "stage_type": "dark",
            "image_shape": IMAGE,
        },
        "CSPNetImageClassifier",
        {"num_classes": 3},
    ),
    "mit": (
        "MiTBackbone",
        {
            "layerwise_depths": [1, 1],
            "num_layers": 2,
            "layerwise_num_heads": [1, 2],
            "layerwise_sr_ratios": [2, 1],
            "max_drop_path_rate": 0.0,
            "layerwise_patch_sizes": [3, 3],
            "layerwise_strides": [2, 2],
            "hidden_dims": [8, 16],
            "image_shape": IMAGE,
        },
        "MiTImageClassifier",
        {"num_classes": 3},
    ),
    "vit": (
        "ViTBackbone",
        {
            "image_shape": IMAGE,
            "patch_size": 8,
            "num_layers": 2,
            "num_heads": 2,
            "hidden_dim": 16,
            "mlp_dim": 32,
        },
        "ViTImageClassifier",
        {"num_classes": 3},
    ),
    "deit": (
        "DeiTBackbone",
        {
            "image_shape": IMAGE,
            "patch_size": 8,
            "num_layers": 2,
            "num_heads": 2,
            "hidden_dim": 16,
            "intermediate_dim": 32,
        },
        "DeiTImageClassifier",
        {"num_classes": 3},
    ),
    "dinov2": (
        "DINOV2Backbone",
        {
            "patch_size": 8,
            "num_layers": 2,
            "hidden_dim": 16,
            "num_heads": 2,
            "intermediate_dim": 32,
            "image_shape": IMAGE,
            "position_embedding_shape": IMAGE,
        },
        None,
        {},
    ),
    "dinov3": (
        "DINOV3Backbone",
        {
            "patch_size": 8,
            "num_layers": 2,
            "hidden_dim": 16,
            "num_heads": 2,
            "intermediate_dim": 32,
            "image_shape": IMAGE,
        },
        None,
        {},
    ),
    "vit_det": (
        "ViTDetBackbone",
        {
            "hidden_size": 16,
            "num_layers": 2,
            "intermediate_dim": 32,
            "num_heads": 2,
            "global_attention_layer_indices": [1],
            "image_shape": IMAGE,
            "patch_size": 8,
            "num_output_channels": 8,
            "window_size": 2,
        },
        None,
        {},
    ),
    "retinanet": (
        "RetinaNetBackbone",
        {
            "image_encoder": Sub("resnet"),
            "min_level": 3,
            "max_level": 4,
            "use_p5": False,
            "image_shape": IMAGE,
        },
        None,
        {},
    ),
    "segformer": (
        "SegFormerBackbone",
        {"image_encoder": Sub("mit"), "projection_filters": 8},
        "SegFormerImageSegmenter",
        {"num_classes": 3},
    ),
    "deeplab_v3": (
        "DeepLabV3Backbone",
        {
            "image_encoder": Sub("resnet"),
            "spatial_pyramid_pooling_key": "P3",
            "upsampling_size": 8,
            "dilation_rates": [1, 2],
            "projection_filters": 8,
            "image_shape": IMAGE,
        },
        "DeepLabV3ImageSegmenter",
        {"num_classes": 3},
    ),
    "swin_transformer": (
        "SwinTransformerBackbone",
        {
            "image_shape": IMAGE,
            "embed_dim": 8,
            "depths": [2],
            "num_heads": [2],
            "window_size": 4,
            "patch_size": 4,
        },
        "SwinTransformerImageClassifier",
        {"num_classes": 3},
    ),
    "efficientnet": (
        "EfficientNetBackbone",
        {
            "stackwise_width_coefficients": [1.0] * 2,
            "stackwise_depth_coefficients": [1.0] * 2,
            "stackwise_kernel_sizes": [3, 3],
            "stackwise_num_repeats": [1, 1],
            "stackwise_input_filters": [8, 8],
            "stackwise_output_filters": [8, 16],
            "stackwise_expansion_ratios": [1, 2],
            "stackwise_squeeze_and_excite_ratios": [0.25, 0.25],
            "stackwise_strides": [1, 2],
            "stackwise_block_types": ["v1", "v1"],
            "stackwise_force_input_filters": [0, 0],
            "stackwise_nores_option": [False, False],
            "num_features": 32,
            "input_shape": IMAGE,
        },
        "EfficientNetImageClassifier",
        {"num_classes": 3},
    ),
}


def _build(name: str, task: bool):
    import keras_hub

    backbone_class, arguments, task_class, task_arguments = BACKBONES[name]
    arguments = {
        key: _build(value, task=False) if isinstance(value, Sub) else value
        for key, value in arguments.items()
    }
    backbone = getattr(keras_hub.models, backbone_class)(**arguments)
    if not task:
        return backbone
    return getattr(keras_hub.models, task_class)(
        backbone=backbone, preprocessor=None, **task_arguments
    )


FORMATS = [*keras_gate.CORE_FORMATS, "preset"]
"""keras-hub models travel as presets too (``save_to_preset`` / ``from_preset``)."""


def _factory(name: str, task: bool):
    @keras_gate.model(formats=FORMATS)
    def build():
        return _build(name, task)

    build.__name__ = f"{name}_{'task' if task else 'backbone'}"
    build.__qualname__ = build.__name__
    return build


BERT_VOCABULARY = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "the", "quick", "brown", "fox"]
BERT_VOCABULARY += ["jump", "##s", "over", "lazy", "dog", "."] + [f"w{i}" for i in range(49)]
"""A WordPiece vocabulary of the text rows' size (64), with keras-hub's special tokens."""
GPT2_MERGES = ["Ġ a", "Ġ t", "a i", "p l", "n e", "p o", "r t", "ai r", "pl a", "po rt"]
GPT2_MERGES += ["pla ne", "Ġa t", "Ġ air", "Ġt h", "Ġth e"]
"""Byte-pair merges in the manner of keras-hub's own tokenizer tests ("airplane at port")."""
GPT2_VOCABULARY = ["<|endoftext|>", "!", *"Ġaiplnetorh"]
GPT2_VOCABULARY += ["".join(merge.split()) for merge in GPT2_MERGES]
"""The characters the merges join, then each merge's result (ids below the rows' 64)."""


def _bert_tokenized_task():
    import keras_hub

    tokenizer = keras_hub.tokenizers.BertTokenizer(vocabulary=BERT_VOCABULARY)
    preprocessor = keras_hub.models.BertTextClassifierPreprocessor(tokenizer, sequence_length=16)
    return keras_hub.models.BertTextClassifier(
        backbone=_build("bert", task=False), num_classes=2, preprocessor=preprocessor
    )


def _gpt2_tokenized_task():
    import keras_hub

    vocabulary = {token: i for i, token in enumerate(GPT2_VOCABULARY)}
    tokenizer = keras_hub.tokenizers.GPT2Tokenizer(vocabulary=vocabulary, merges=GPT2_MERGES)
    preprocessor = keras_hub.models.GPT2CausalLMPreprocessor(tokenizer, sequence_length=16)
    return keras_hub.models.GPT2CausalLM(
        backbone=_build("gpt2", task=False), preprocessor=preprocessor
    )


def _bert_masked_lm_tokenized_task():
    # Its preprocessor masks tokens at random by design: two calls differ unless both
    # draw from the same seeds, as the preprocessing check makes them.
    import keras_hub

    tokenizer = keras_hub.tokenizers.BertTokenizer(vocabulary=BERT_VOCABULARY)
    preprocessor = keras_hub.models.BertMaskedLMPreprocessor(
        tokenizer, sequence_length=16, mask_selection_rate=0.5, mask_selection_length=4
    )
    return keras_hub.models.BertMaskedLM(
        backbone=_build("bert", task=False), preprocessor=preprocessor
    )


# Tasks with their preprocessor (built from vocabularies written here: no downloads):
# a preset holds the tokenizer's assets, the preprocessing check reads them back.
TOKENIZED = {
    "hub_bert_tokenized_task": _bert_tokenized_task,
    "hub_gpt2_tokenized_task": _gpt2_tokenized_task,
    "hub_bert_masked_lm_tokenized_task": _bert_masked_lm_tokenized_task,
}

KERAS_HUB = {
    **{f"hub_{name}_backbone": _factory(name, False) for name in BACKBONES},
    **{f"hub_{name}_task": _factory(name, True) for name, row in BACKBONES.items() if row[2]},
    **{name: keras_gate.model(formats=FORMATS)(build) for name, build in TOKENIZED.items()},
}
"""Every row's backbone and (where it has one) its Task, and the tokenized Tasks:
``{model name: factory}``."""
