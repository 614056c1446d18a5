"""The argmine model: one transformer encoder, a role head and a stance head.

Two architectures share the heads and the loss:

* ``pair``: a cross-encoder. Each sentence is read with a second segment built by
  :func:`argmine.context.article_contexts` (the sentence before, the headline, the
  lead), pooled, and classified on its own.
* ``hierarchical``: the encoder embeds each sentence once (mean of its tokens); a small
  transformer then reads the sentence vectors of the whole article (learned positions
  plus :func:`argmine.context.layout_features`), so every sentence is classified in the
  light of the headline, the lead and its neighbours. One article (or a window of a
  long one, see :func:`argmine.context.chunk_article`) is one training example, and the
  encoder is fine-tuned end to end.

A saved model is a self-describing folder: ``model.safetensors``, the tokenizer, and
``config.json`` holding both label maps, the base model, ``max_seq_length``, the
architecture, the context mode, the logit bias of the calibration and the argmine
version.

Example:
    >>> from argmine.model import ArgmineModel
    >>> model = ArgmineModel.from_base("minilm-l6", architecture="hierarchical")  # doctest: +SKIP
    >>> model.save_pretrained("models/untrained")                                   # doctest: +SKIP
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal, get_args

import torch
from torch import nn
from torch.nn import functional as F
from transformers import AutoConfig, AutoModel, PretrainedConfig, PreTrainedModel
from transformers.utils import ModelOutput

from argmine import __version__
from argmine.context import CONTEXT_MODES, LAYOUT_FEATURES, check_choice
from argmine.encoders import BASE_MODEL_ALIASES, resolve_base_model
from argmine.labels import IGNORE_INDEX, id2label, labels_for

Pooling = Literal["pooler", "mean"]
POOLINGS: tuple[str, ...] = get_args(Pooling)
Architecture = Literal["pair", "hierarchical"]
ARCHITECTURES: tuple[str, ...] = get_args(Architecture)

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


_ENCODER_KEYS_DROPPED = ("id2label", "label2id", "_name_or_path", "name_or_path", "num_labels")


class ArgmineConfig(PretrainedConfig):
    """Configuration of :class:`ArgmineModel`: encoder config, label maps, inputs.

    Args:
        encoder: the encoder's own config as a dict (``AutoConfig.to_dict()``).
        base_model: the name the encoder was loaded from (alias, hub id or path).
        max_seq_length: token limit of one input (sentence plus context). Named so
            because ``max_length`` is reserved by transformers for generation.
        architecture: ``pair`` (sentence + context segment) or ``hierarchical``
            (sentence vectors read by a document transformer), see the module docstring.
        context: what goes in the second segment of a ``pair`` model (see
            :func:`argmine.context.article_contexts`); ``none`` for ``hierarchical``.
        pooling: ``pooler`` (the encoder's pooler output, exportable to a plain
            ``AutoModelForSequenceClassification``) or ``mean`` (mean of the sentence's tokens).
        classifier_dropout: dropout before each head.
        doc_layers: layers of the document transformer (``hierarchical``).
        max_sentences: window of the document transformer, in sentences; longer articles
            are read in windows that overlap by ``sentence_overlap``.
        sentence_overlap: sentences shared by two neighbouring windows.
        logit_bias: per head, a vector added to the logits at inference (the calibration
            fitted after training, see :mod:`argmine.calibrate`); empty means none.
        train_prior: per head, the class prior the loss trained towards (training
            shares times class weights), which the ``prior-shift`` calibration corrects.
    """

    model_type = "argmine"

    def __init__(
        self,
        encoder: dict | None = None,
        base_model: str = "",
        max_seq_length: int = 128,
        architecture: str = "pair",
        context: str = "previous",
        pooling: str = "mean",
        classifier_dropout: float = 0.1,
        doc_layers: int = 2,
        max_sentences: int = 64,
        sentence_overlap: int = 16,
        logit_bias: dict | None = None,
        train_prior: dict | None = None,
        role_id2label: dict | None = None,
        stance_id2label: dict | None = None,
        argmine_version: str = __version__,
        **kwargs,
    ):
        super().__init__(**kwargs)
        check_choice("architecture", architecture, ARCHITECTURES)
        check_choice("context", context, CONTEXT_MODES)
        check_choice("pooling", pooling, POOLINGS)
        if architecture == "hierarchical" and context != "none":
            raise ValueError("a hierarchical model reads the whole article; set context: none")
        if max_seq_length < 8:
            raise ValueError(f"max_seq_length must be >= 8, got {max_seq_length}")
        if not 0 <= sentence_overlap < max_sentences:
            raise ValueError(f"need 0 <= sentence_overlap < max_sentences, got {sentence_overlap}, {max_sentences}")
        # the encoder's own config, without what does not belong to it here: its classifier
        # label map (the heads' maps are role_id2label / stance_id2label) and the local path
        # it was read from (a config.json must not name the machine that trained it)
        self.encoder = {k: v for k, v in (encoder or {}).items() if k not in _ENCODER_KEYS_DROPPED}
        self.base_model = base_model
        self.max_seq_length = max_seq_length
        self.architecture = architecture
        self.context = context
        self.pooling = pooling
        self.classifier_dropout = classifier_dropout
        self.doc_layers = doc_layers
        self.max_sentences = max_sentences
        self.sentence_overlap = sentence_overlap
        # JSON turns int keys into strings; turn them back into ints.
        self.role_id2label = {int(k): v for k, v in (role_id2label or id2label("role")).items()}
        self.stance_id2label = {
            int(k): v for k, v in (stance_id2label or id2label("stance")).items()
        }
        self.logit_bias = {h: [float(x) for x in v] for h, v in (logit_bias or {}).items() if v}
        for head, bias in self.logit_bias.items():
            if len(bias) != len(self.labels(head)):
                raise ValueError(f"logit_bias[{head!r}] has {len(bias)} values for {len(self.labels(head))} labels")
        self.train_prior = {h: [float(x) for x in v] for h, v in (train_prior or {}).items() if v}
        self.argmine_version = argmine_version
        self.id2label = dict(self.role_id2label)  # transformers' generic map: the role head's
        self.label2id = {v: k for k, v in self.role_id2label.items()}

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


def position_limit(encoder_config) -> int | None:
    """Tokens an encoder can read: its position embeddings, less the offset that
    RoBERTa-style models (RoBERTa, MPNet...) reserve before the first position."""
    n = getattr(encoder_config, "max_position_embeddings", None)
    if n is None:
        return None
    if getattr(encoder_config, "model_type", "") in ("roberta", "xlm-roberta", "camembert", "mpnet"):
        n -= (getattr(encoder_config, "pad_token_id", 1) or 1) + 1
    return n


def check_model_folder(path: str | Path) -> None:
    """Refuse, with a message naming the file and field, a folder that is not a readable
    argmine model: a plain Hugging Face model, missing or corrupt weights, label maps that
    do not fit the heads. Run before loading (nothing in the folder is executed)."""
    import json

    from safetensors import safe_open

    path = Path(path)
    try:
        config = json.loads((path / "config.json").read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise FileNotFoundError(f"{path}: no config.json; is this an argmine model folder?") from None
    except json.JSONDecodeError as err:
        raise ValueError(f"{path / 'config.json'}: not valid JSON ({err.msg})") from None
    if config.get("model_type") != ArgmineConfig.model_type:
        raise ValueError(f"{path}: not an argmine model (config.json model_type {config.get('model_type')!r}); "
                         f"a plain encoder can be fine-tuned with `base_model: {path}` in a training config")
    weights = path / "model.safetensors"
    if not weights.exists():
        raise FileNotFoundError(f"{weights}: missing; the folder holds no weights")
    try:
        with safe_open(str(weights), framework="pt") as f:
            shapes = {k: f.get_slice(k).get_shape() for k in f.keys() if k.endswith("_head.weight")}
    except Exception as err:  # safetensors raises its own error types for truncated or corrupt files
        raise ValueError(f"{weights}: cannot be read ({err}); truncated or corrupt? Copy or train it again") from None
    for head in ("role", "stance"):
        field = f"{head}_id2label"
        mapping = config.get(field)
        if not isinstance(mapping, dict) or not mapping:
            raise ValueError(f"{path / 'config.json'}: {field}: missing or not a mapping")
        if sorted(mapping) != [str(i) for i in range(len(mapping))]:
            raise ValueError(f"{path / 'config.json'}: {field}: keys must be 0..{len(mapping) - 1}, "
                             f"got {', '.join(sorted(mapping))}")
        rows = shapes.get(f"{head}_head.weight", [None])[0]
        if rows is not None and rows != len(mapping):
            raise ValueError(f"{path / 'config.json'}: {field} has {len(mapping)} labels but the {head} head "
                             f"has {rows} outputs")


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
    A ``hierarchical`` model also takes, per sentence, the index of its article in the
    batch (``sentence_doc``), its place in the article (``sentence_pos``) and its layout
    features (``layout``).

    Example:
        >>> model = ArgmineModel.from_pretrained("models/default")  # doctest: +SKIP
    """

    config_class = ArgmineConfig
    base_model_prefix = "encoder"
    supports_gradient_checkpointing = False

    def __init__(self, config: ArgmineConfig, encoder: PreTrainedModel | None = None):
        super().__init__(config)
        self.encoder = encoder if encoder is not None else AutoModel.from_config(
            AutoConfig.for_model(**config.encoder)
        )
        hidden = self.encoder.config.hidden_size
        self.dropout = nn.Dropout(config.classifier_dropout)
        if config.architecture == "hierarchical":
            self.layout_proj = nn.Linear(len(LAYOUT_FEATURES), hidden)
            self.sentence_position = nn.Embedding(config.max_sentences, hidden)
            heads = next(h for h in (8, 6, 4, 2, 1) if hidden % h == 0)
            layer = nn.TransformerEncoderLayer(
                hidden, heads, dim_feedforward=2 * hidden, dropout=config.classifier_dropout,
                batch_first=True, norm_first=True,
            )
            self.doc_encoder = nn.TransformerEncoder(
                layer, config.doc_layers, enable_nested_tensor=False
            )
            self.doc_norm = nn.LayerNorm(hidden)
        self.role_head = nn.Linear(hidden, len(config.role_id2label))
        self.stance_head = nn.Linear(hidden, len(config.stance_id2label))
        self.post_init()

    def _init_weights(self, module: nn.Module) -> None:
        if isinstance(module, nn.Linear) and module in (
            getattr(self, "role_head", None), getattr(self, "stance_head", None),
            getattr(self, "layout_proj", None),
        ):
            std = getattr(self.encoder.config, "initializer_range", 0.02)
            module.weight.data.normal_(mean=0.0, std=std)
            module.bias.data.zero_()
        elif module is getattr(self, "sentence_position", None):
            module.weight.data.normal_(mean=0.0, std=0.02)

    @classmethod
    def from_base(
        cls,
        base_model: str,
        *,
        max_seq_length: int = 128,
        architecture: str = "pair",
        context: str = "previous",
        pooling: str = "mean",
        classifier_dropout: float = 0.1,
        doc_layers: int = 2,
        max_sentences: int = 64,
        sentence_overlap: int = 16,
    ) -> ArgmineModel:
        """Create an untrained model on a pretrained encoder (alias, hub id or path).

        Example:
            >>> model = ArgmineModel.from_base("minilm-l6")  # doctest: +SKIP
        """
        encoder = _base_encoder(base_model)
        limit = position_limit(encoder.config)
        if limit is not None and max_seq_length > limit:
            raise ValueError(f"max_seq_length {max_seq_length} exceeds what the encoder {base_model!r} can read "
                             f"({limit} positions); use at most {limit}")
        # an absolute local path is recorded by its folder name only (config.json travels)
        recorded = Path(base_model).name if Path(base_model).is_absolute() else base_model
        config = ArgmineConfig(
            encoder=encoder.config.to_dict(), base_model=recorded, max_seq_length=max_seq_length,
            architecture=architecture, context=context, pooling=pooling,
            classifier_dropout=classifier_dropout, doc_layers=doc_layers,
            max_sentences=max_sentences, sentence_overlap=sentence_overlap,
        )
        return cls(config, encoder=encoder)

    def set_class_weights(self, head: str, weights: torch.Tensor | None) -> None:
        """Per-class loss weights of ``head`` (training only; never saved with the model)."""
        labels_for(head)
        self.register_buffer(f"{head}_class_weights", weights, persistent=False)

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

    def embed(
        self,
        input_ids: torch.Tensor,
        attention_mask: torch.Tensor | None = None,
        token_type_ids: torch.Tensor | None = None,
    ) -> torch.Tensor:
        """One vector per input sequence: the encoder, then pooling."""
        if attention_mask is None:
            attention_mask = torch.ones_like(input_ids)
        encoder_kwargs = {"input_ids": input_ids, "attention_mask": attention_mask}
        if token_type_ids is not None:
            encoder_kwargs["token_type_ids"] = token_type_ids
        return self.pool(self.encoder(**encoder_kwargs), attention_mask, token_type_ids)

    def embed_by_length(
        self, input_ids: torch.Tensor, attention_mask: torch.Tensor, chunk: int = 32
    ) -> torch.Tensor:
        """:meth:`embed` over length-sorted chunks, each cut to its own longest input.

        An article batch pads every sentence to the batch's longest one; running the
        encoder on chunks of similar length skips most of that padding. The result is
        the same as one :meth:`embed` call (up to floating-point rounding).
        """
        lengths = attention_mask.sum(1)
        order = torch.argsort(lengths, descending=True)
        out = None
        for start in range(0, len(order), chunk):
            rows = order[start : start + chunk]
            width = int(lengths[rows[0]])
            vectors = self.embed(input_ids[rows, :width], attention_mask[rows, :width])
            if out is None:
                out = vectors.new_zeros(len(order), vectors.shape[-1])
            out = out.index_copy(0, rows, vectors)
        return out

    def contextualize(
        self,
        vectors: torch.Tensor,
        layout: torch.Tensor,
        sentence_doc: torch.Tensor,
        sentence_pos: torch.Tensor,
    ) -> torch.Tensor:
        """Let the sentence vectors of each article attend to each other (hierarchical).

        Args:
            vectors: ``(n, hidden)`` sentence vectors of every sentence in the batch.
            layout: ``(n, len(LAYOUT_FEATURES))`` layout features.
            sentence_doc: ``(n,)`` index of each sentence's article (window) in the batch.
            sentence_pos: ``(n,)`` place of each sentence in its window, from 0.

        Returns:
            ``(n, hidden)``, in the order of ``vectors``.
        """
        n_docs = int(sentence_doc.max()) + 1
        width = int(sentence_pos.max()) + 1
        x = vectors + self.layout_proj(layout.to(vectors.dtype)) + self.sentence_position(sentence_pos)
        grid = x.new_zeros(n_docs, width, x.shape[-1])
        grid[sentence_doc, sentence_pos] = x
        padding = torch.ones(n_docs, width, dtype=torch.bool, device=x.device)
        padding[sentence_doc, sentence_pos] = False
        out = self.doc_encoder(grid, src_key_padding_mask=padding)
        return self.doc_norm(out[sentence_doc, sentence_pos])

    def classify(self, vectors: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Both heads' logits for final sentence vectors."""
        vectors = self.dropout(vectors)
        return self.role_head(vectors), self.stance_head(vectors)

    def forward(
        self,
        input_ids: torch.Tensor,
        attention_mask: torch.Tensor | None = None,
        token_type_ids: torch.Tensor | None = None,
        layout: torch.Tensor | None = None,
        sentence_doc: torch.Tensor | None = None,
        sentence_pos: torch.Tensor | None = None,
        role_labels: torch.Tensor | None = None,
        stance_labels: torch.Tensor | None = None,
        **kwargs,
    ) -> ArgmineOutput:
        """Run the encoder once and both heads; add the loss when labels are given."""
        if self.config.architecture == "hierarchical":
            if layout is None or sentence_doc is None or sentence_pos is None:
                raise ValueError("a hierarchical model needs layout, sentence_doc and sentence_pos")
            if attention_mask is None:
                attention_mask = torch.ones_like(input_ids)
            vectors = self.embed_by_length(input_ids, attention_mask)
            vectors = self.contextualize(vectors, layout, sentence_doc, sentence_pos)
        else:
            vectors = self.embed(input_ids, attention_mask, token_type_ids)
        role_logits, stance_logits = self.classify(vectors)
        loss = None
        if role_labels is not None or stance_labels is not None:
            loss = role_logits.new_zeros(())
            for head, logits, labels in (
                ("role", role_logits, role_labels),
                ("stance", stance_logits, stance_labels),
            ):
                if labels is None:
                    continue
                weight = getattr(self, f"{head}_class_weights", None)
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
    if model.config.architecture != "pair":
        raise ValueError("export needs a pair model: a hierarchical model reads whole articles, "
                         "which a plain text-classification pipeline cannot give it")
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
    "ARCHITECTURES", "ArgmineConfig", "ArgmineModel", "ArgmineOutput", "BASE_MODEL_ALIASES",
    "POOLINGS", "base_tokenizer", "encode", "export_head", "masked_cross_entropy", "resolve_base_model",
]

# Let AutoConfig / AutoModel (and so AutoTokenizer and pipelines) recognise saved folders.
AutoConfig.register("argmine", ArgmineConfig, exist_ok=True)
AutoModel.register(ArgmineConfig, ArgmineModel, exist_ok=True)
