"""Training configs: the typed :class:`TrainConfig`, loaded from YAML with clear errors.

A YAML config maps 1:1 onto the dataclass fields; an unknown key, a wrong type or a
bad value is a ``ValueError`` naming the key and the file. The dataclass defaults are
the default recipe (``configs/default.yaml`` spells them out).

Example:
    >>> from argmine.config import config_from_dict
    >>> config_from_dict({"epochs": 1, "kind": "tfidf"}).kind
    'tfidf'
"""

from __future__ import annotations

import types
import typing
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, Literal, get_args

import yaml

from argmine.calibrate import CALIBRATIONS, CLASS_WEIGHTINGS
from argmine.context import CONTEXT_MODES, check_choice
from argmine.labels import HEADS, labels_for

__all__ = ["MODEL_KINDS", "TrainConfig", "config_from_dict", "load_config"]

ModelKind = Literal["transformer", "tfidf"]
MODEL_KINDS: tuple[str, ...] = get_args(ModelKind)
_ARCHITECTURES = ("pair", "hierarchical")  # argmine.model.ARCHITECTURES, without importing torch
_POOLINGS = ("pooler", "mean")


@dataclass
class TrainConfig:
    """Everything a training run needs. YAML configs map 1:1 onto these fields."""

    name: str = field(default="default", metadata={"help": "run name; output goes to models/<name>"})
    data: str = field(default="data/escalation-news", metadata={"help": "annotated JSONL file or folder"})
    output_dir: str | None = field(default=None, metadata={"help": "model folder; default models/<name>"})
    run_dir: str | None = field(default=None, metadata={
        "help": "Trainer checkpoints (what --resume reads); default runs/<name>"})
    kind: str = field(default="transformer", metadata={"help": "transformer or tfidf (baseline)"})
    base_model: str = field(default="minilm-l6", metadata={"help": "alias, hub id or local path"})
    architecture: str = field(default="pair", metadata={
        "help": "pair (sentence + context segment) or hierarchical (a transformer over the article's sentences)"})
    context: str = field(default="previous", metadata={
        "help": "pair models: none | previous | headline+previous | article; hierarchical: none"})
    pooling: str = field(default="mean", metadata={"help": "pooler (exportable) or mean"})
    max_seq_length: int = field(default=128, metadata={"help": "tokens per input (sentence + context)"})
    doc_layers: int = field(default=2, metadata={"help": "hierarchical: layers of the document transformer"})
    max_sentences: int = field(default=64, metadata={"help": "hierarchical: sentences per article window"})
    sentence_overlap: int = field(default=16, metadata={"help": "hierarchical: overlap of article windows"})
    epochs: float = field(default=5.0, metadata={"help": "maximum training epochs"})
    batch_size: int = field(default=16, metadata={
        "help": "training batch size (sentences; articles for a hierarchical model)"})
    eval_batch_size: int = field(default=64, metadata={"help": "evaluation batch size (sentences)"})
    learning_rate: float = field(default=1e-4, metadata={"help": "peak learning rate (AdamW)"})
    head_learning_rate: float | None = field(default=None, metadata={
        "help": "learning rate of the heads and document transformer (default: learning_rate)"})
    weight_decay: float = field(default=0.01, metadata={"help": "AdamW weight decay"})
    warmup_ratio: float = field(default=0.1, metadata={"help": "share of steps for LR warm-up"})
    classifier_dropout: float = field(default=0.1, metadata={"help": "dropout before the heads"})
    class_weighting: str = field(default="inverse", metadata={
        "help": "loss weights per class: inverse (1/count), sqrt (1/sqrt(count)) or none"})
    calibration: str = field(default="none", metadata={
        "help": "logit bias fitted on validation: none | prior-shift | fit-nll | fit-f1"})
    calibration_shares: dict[str, dict[str, float]] | None = field(default=None, metadata={
        "help": "per head, the class shares the calibration aims at, e.g. {stance: {pro: 0.13, ...}}"})
    realdev: str | None = field(default=None, metadata={
        "help": "a realdev folder (real articles + gold) to score the model on after training; skipped if absent"})
    distill_from: str | None = field(default=None, metadata={
        "help": "a teacher's soft-label file for the training split (argmine soft-labels); None = no distillation"})
    distill_alpha: float = field(default=0.5, metadata={
        "help": "weight of the distillation loss (KL to the teacher); 1 - alpha weighs the gold loss"})
    distill_temperature: float = field(default=2.0, metadata={"help": "softmax temperature of the distillation"})
    early_stopping_patience: int = field(default=2, metadata={"help": "epochs without gain before stopping; 0 = off"})
    seed: int = field(default=42, metadata={"help": "random seed (same seed, same metrics on CPU)"})
    group_by_length: bool = field(default=True, metadata={"help": "batch similar lengths (less padding)"})
    max_train_samples: int | None = field(default=None, metadata={
        "help": "cap on training rows (articles for a hierarchical model; smoke runs)"})
    threads: int | None = field(default=None, metadata={"help": "torch CPU threads (default: all cores)"})
    # baseline only
    tfidf_C: float = field(default=4.0, metadata={"help": "baseline: inverse regularisation strength"})
    tfidf_ngram_max: int = field(default=2, metadata={"help": "baseline: longest word n-gram"})

    def __post_init__(self) -> None:
        check_choice("kind", self.kind, MODEL_KINDS)
        check_choice("architecture", self.architecture, _ARCHITECTURES)
        check_choice("context", self.context, CONTEXT_MODES)
        check_choice("pooling", self.pooling, _POOLINGS)
        check_choice("class_weighting", self.class_weighting, CLASS_WEIGHTINGS)
        check_choice("calibration", self.calibration, CALIBRATIONS)
        if self.architecture == "hierarchical" and self.context != "none":
            raise ValueError("a hierarchical model reads the whole article; set context: none")
        for name in ("epochs", "batch_size", "eval_batch_size", "learning_rate", "max_seq_length",
                     "doc_layers", "max_sentences"):
            if getattr(self, name) <= 0:
                raise ValueError(f"{name} must be > 0, got {getattr(self, name)}")
        if self.head_learning_rate is not None and self.head_learning_rate <= 0:
            raise ValueError(f"head_learning_rate must be > 0, got {self.head_learning_rate}")
        if not 0 <= self.sentence_overlap < self.max_sentences:
            raise ValueError(f"sentence_overlap must be in [0, max_sentences), got {self.sentence_overlap}")
        if not 0 <= self.warmup_ratio < 1:
            raise ValueError(f"warmup_ratio must be in [0, 1), got {self.warmup_ratio}")
        if not 0 <= self.classifier_dropout < 1:
            raise ValueError(f"classifier_dropout must be in [0, 1), got {self.classifier_dropout}")
        if not 0 < self.distill_alpha <= 1:
            raise ValueError(f"distill_alpha must be in (0, 1], got {self.distill_alpha}")
        if self.distill_temperature <= 0:
            raise ValueError(f"distill_temperature must be > 0, got {self.distill_temperature}")
        if self.early_stopping_patience < 0:
            raise ValueError("early_stopping_patience must be >= 0")
        if self.calibration != "none" and not self.calibration_shares:
            raise ValueError(f"calibration {self.calibration!r} needs calibration_shares")
        for head, shares in (self.calibration_shares or {}).items():
            check_choice("calibration_shares head", head, HEADS)
            from argmine.calibrate import target_vector

            target_vector(shares, labels_for(head))

    @property
    def output_path(self) -> Path:
        """Where the model folder goes."""
        return Path(self.output_dir or Path("models") / self.name)

    @property
    def run_path(self) -> Path:
        """Where the Trainer's checkpoints go."""
        return Path(self.run_dir or Path("runs") / self.name)


def _number(value: Any) -> float | None:
    """A YAML number, also one PyYAML read as a string ("1e-4" is a str in YAML 1.1)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return None
    return None


def _check_type(name: str, value: Any, hint: Any) -> Any:
    """Coerce/check a YAML value against a dataclass field type; raise ValueError if wrong."""
    options = typing.get_args(hint) if isinstance(hint, types.UnionType) else (hint,)
    if value is None:
        if type(None) in options:
            return None
        raise ValueError(f"{name} must not be empty")
    for option in options:
        if option is bool and isinstance(value, bool):
            return value
        if option is int and isinstance(value, int) and not isinstance(value, bool):
            return value
        if option is float and _number(value) is not None:
            return _number(value)
        if option is str and isinstance(value, str):
            return value
        if typing.get_origin(option) is dict and isinstance(value, dict):
            return _check_shares(name, value)
    names = " or ".join(getattr(o, "__name__", str(o)) for o in options)
    raise ValueError(f"{name} must be {names}, got {value!r}")


def _check_shares(name: str, value: dict) -> dict[str, dict[str, float]]:
    out = {}
    for head, shares in value.items():
        if not isinstance(shares, dict):
            raise ValueError(f"{name}.{head} must be a mapping of label to share, got {shares!r}")
        out[str(head)] = {}
        for label, share in shares.items():
            number = _number(share)
            if number is None:
                raise ValueError(f"{name}.{head}.{label} must be a number, got {share!r}")
            out[str(head)][str(label)] = number
    return out


def config_from_dict(values: dict[str, Any], source: str = "<dict>") -> TrainConfig:
    """Build a :class:`TrainConfig`, checking keys and types; errors name key and source.

    Example:
        >>> config_from_dict({"learning_rate": "2e-5"}).learning_rate
        2e-05
    """
    if not isinstance(values, dict):
        raise ValueError(f"{source}: expected a mapping of config keys, got {type(values).__name__}")
    hints = typing.get_type_hints(TrainConfig)
    known = {f.name for f in fields(TrainConfig)}
    checked = {}
    for key, value in values.items():
        if key not in known:
            raise ValueError(
                f"{source}: unknown config key {key!r}; known keys: {', '.join(sorted(known))}"
            )
        try:
            checked[key] = _check_type(key, value, hints[key])
        except ValueError as err:
            raise ValueError(f"{source}: {err}") from None
    try:
        return TrainConfig(**checked)
    except ValueError as err:
        raise ValueError(f"{source}: {err}") from None


def load_config(path: str | Path, overrides: list[str] | None = None) -> TrainConfig:
    """Load a YAML config; ``name`` defaults to the file's stem.

    Args:
        path: the YAML file.
        overrides: ``KEY=VALUE`` strings (values parsed as YAML), applied after the file.

    Example:
        >>> load_config("configs/tiny.yaml", ["epochs=1"]).epochs
        1.0
    """
    path = Path(path)
    try:
        values = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except FileNotFoundError:
        raise FileNotFoundError(f"{path}: config file not found") from None
    except yaml.YAMLError as err:
        raise ValueError(f"{path}: not valid YAML ({err})") from None
    if isinstance(values, dict):
        values.setdefault("name", path.stem)
    for item in overrides or []:
        key, sep, raw = item.partition("=")
        if not sep:
            raise ValueError(f"override {item!r}: expected KEY=VALUE")
        values[key.strip()] = yaml.safe_load(raw)
    return config_from_dict(values, source=str(path))
