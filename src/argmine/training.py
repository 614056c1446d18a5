"""Training: fine-tune an :class:`~argmine.model.ArgmineModel` (or fit the TF-IDF baseline)
from a YAML config, and write a self-describing model folder with metrics and a model card.

Example:
    >>> import argmine.training as T
    >>> config = T.load_config("configs/tiny.yaml")   # doctest: +SKIP
    >>> result = T.train(config)                       # doctest: +SKIP
    >>> result.metrics["test"]["role"]["macro_f1"]     # doctest: +SKIP
"""

from __future__ import annotations

import json
import logging
import math
import statistics
import time
import types
import typing
from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from argmine import __version__
from argmine.data import data_hash, load_dataset_dict
from argmine.evaluate import contexts_for, evaluate_records, head_metrics, score, strip_text
from argmine.labels import HEADS, IGNORE_INDEX, SPLITS, label2id
from argmine.model import CONTEXT_MODES, POOLINGS, ArgmineModel, base_tokenizer, encode

logger = logging.getLogger(__name__)

MODEL_KINDS = ("transformer", "tfidf")


@dataclass
class TrainConfig:
    """Everything a training run needs. YAML configs map 1:1 onto these fields."""

    name: str = field(default="default", metadata={"help": "run name; output goes to models/<name>"})
    data: str = field(default="data/escalation-news", metadata={"help": "annotated JSONL file or folder"})
    output_dir: str | None = field(default=None, metadata={"help": "default models/<name>"})
    kind: str = field(default="transformer", metadata={"help": "transformer or tfidf (baseline)"})
    base_model: str = field(default="minilm-l6", metadata={"help": "alias, hub id or local path"})
    context: str = field(default="previous", metadata={"help": "none | previous | headline+previous"})
    pooling: str = field(default="pooler", metadata={"help": "pooler (exportable) or mean"})
    max_length: int = field(default=128, metadata={"help": "tokens per input (sentence + context)"})
    epochs: float = field(default=6.0, metadata={"help": "maximum training epochs"})
    batch_size: int = field(default=16, metadata={"help": "training batch size"})
    eval_batch_size: int = field(default=64, metadata={"help": "evaluation batch size"})
    learning_rate: float = field(default=5e-5, metadata={"help": "peak learning rate (AdamW)"})
    weight_decay: float = field(default=0.01, metadata={"help": "AdamW weight decay"})
    warmup_ratio: float = field(default=0.1, metadata={"help": "share of steps for LR warm-up"})
    classifier_dropout: float = field(default=0.1, metadata={"help": "dropout before the heads"})
    class_weighting: bool = field(default=True, metadata={"help": "inverse-frequency class weights per head"})
    early_stopping_patience: int = field(default=2, metadata={"help": "epochs without gain before stopping; 0 = off"})
    seed: int = field(default=42, metadata={"help": "random seed (same seed, same metrics on CPU)"})
    group_by_length: bool = field(default=True, metadata={"help": "batch similar lengths (less padding)"})
    max_train_samples: int | None = field(default=None, metadata={"help": "cap on training rows (smoke runs)"})
    threads: int | None = field(default=None, metadata={"help": "torch CPU threads (default: all cores)"})
    # baseline only
    tfidf_C: float = field(default=4.0, metadata={"help": "baseline: inverse regularisation strength"})
    tfidf_ngram_max: int = field(default=2, metadata={"help": "baseline: longest word n-gram"})

    def __post_init__(self) -> None:
        if self.kind not in MODEL_KINDS:
            raise ValueError(f"kind {self.kind!r} is not one of {', '.join(MODEL_KINDS)}")
        if self.context not in CONTEXT_MODES:
            raise ValueError(f"context {self.context!r} is not one of {', '.join(CONTEXT_MODES)}")
        if self.pooling not in POOLINGS:
            raise ValueError(f"pooling {self.pooling!r} is not one of {', '.join(POOLINGS)}")
        for name in ("epochs", "batch_size", "eval_batch_size", "learning_rate", "max_length"):
            if getattr(self, name) <= 0:
                raise ValueError(f"{name} must be > 0, got {getattr(self, name)}")
        if not 0 <= self.warmup_ratio < 1:
            raise ValueError(f"warmup_ratio must be in [0, 1), got {self.warmup_ratio}")
        if not 0 <= self.classifier_dropout < 1:
            raise ValueError(f"classifier_dropout must be in [0, 1), got {self.classifier_dropout}")
        if self.early_stopping_patience < 0:
            raise ValueError("early_stopping_patience must be >= 0")

    @property
    def output_path(self) -> Path:
        """Where the model folder goes."""
        return Path(self.output_dir or Path("models") / self.name)


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
        if option is float and isinstance(value, (int, float)) and not isinstance(value, bool):
            return float(value)
        if option is str and isinstance(value, str):
            return value
    names = " or ".join(getattr(o, "__name__", str(o)) for o in options)
    raise ValueError(f"{name} must be {names}, got {value!r}")


def config_from_dict(values: dict[str, Any], source: str = "<dict>") -> TrainConfig:
    """Build a :class:`TrainConfig`, checking keys and types; errors name key and source.

    Example:
        >>> config_from_dict({"epochs": 1, "kind": "tfidf"}).kind
        'tfidf'
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
        >>> load_config("configs/tiny.yaml", ["epochs=1"]).epochs  # doctest: +SKIP
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


@dataclass
class TrainResult:
    """What a run produced: where, how long, and the metrics per split."""

    output_dir: Path
    metrics: dict[str, Any]
    seconds: float
    config: TrainConfig

    def summary(self) -> dict[str, Any]:
        """Macro-F1 per split and head, plus run facts (for printing)."""
        out: dict[str, Any] = {"output_dir": str(self.output_dir), "seconds": round(self.seconds, 1)}
        for split, m in self.metrics.items():
            if isinstance(m, dict) and "role" in m:
                out[split] = {h: round(m[h]["macro_f1"], 4) for h in HEADS}
        return out


def _records(dataset) -> list[dict[str, Any]]:
    return [dict(row) for row in dataset]


def _class_weights(labels: list[int], n_classes: int) -> list[float]:
    """Inverse-frequency weights, normalised to mean 1 over present classes."""
    counts = np.bincount([x for x in labels if x != IGNORE_INDEX], minlength=n_classes)
    weights = np.where(counts > 0, counts.sum() / np.maximum(counts, 1) / n_classes, 0.0)
    present = weights[counts > 0]
    return (weights / present.mean()).tolist() if present.size else [1.0] * n_classes


def _eval_splits(predictor, dsd) -> dict[str, Any]:
    return {s: evaluate_records(predictor, _records(dsd[s])) for s in SPLITS if s in dsd and s != "train"}


def _train_baseline(config: TrainConfig, dsd) -> Any:
    from argmine.baseline import BaselineConfig, TfidfBaseline

    baseline = TfidfBaseline(
        BaselineConfig(C=config.tfidf_C, ngram_max=config.tfidf_ngram_max), seed=config.seed
    )
    baseline.fit(_records(dsd["train"]))
    baseline.save(config.output_path)
    return baseline


def _train_transformer(config: TrainConfig, dsd, resume: bool) -> Any:
    import torch
    from transformers import (
        DataCollatorWithPadding,
        EarlyStoppingCallback,
        Trainer,
        TrainingArguments,
        set_seed,
    )

    from argmine.predict import Predictor

    if config.threads:
        torch.set_num_threads(config.threads)
    set_seed(config.seed)
    tokenizer = base_tokenizer(config.base_model)
    model = ArgmineModel.from_base(
        config.base_model, max_length=config.max_length, context=config.context,
        pooling=config.pooling, classifier_dropout=config.classifier_dropout,
    )
    maps = {h: label2id(h) for h in HEADS}

    def tokenize(batch: dict[str, list]) -> dict[str, list]:
        rows = [dict(zip(batch, values, strict=True)) for values in zip(*batch.values(), strict=True)]
        enc = encode(tokenizer, batch["text"], contexts_for(rows, config.context), config.max_length)
        for h in HEADS:
            enc[f"{h}_labels"] = [maps[h][x] if x is not None else IGNORE_INDEX for x in batch[h]]
        return dict(enc)

    train_ds = dsd["train"]
    if config.max_train_samples:
        train_ds = train_ds.shuffle(seed=config.seed).select(
            range(min(config.max_train_samples, len(train_ds)))
        )
    columns = dsd["train"].column_names
    train_tok = train_ds.map(tokenize, batched=True, remove_columns=columns)
    has_val = "validation" in dsd
    val_tok = dsd["validation"].map(tokenize, batched=True, remove_columns=columns) if has_val else None
    if config.class_weighting:
        model.class_weights = {
            h: torch.tensor(_class_weights(train_tok[f"{h}_labels"], len(maps[h]))) for h in HEADS
        }

    def compute_metrics(eval_pred) -> dict[str, float]:
        logits, label_ids = eval_pred.predictions, eval_pred.label_ids
        metrics = {}
        for i, h in enumerate(HEADS):
            names = model.config.labels(h)
            gold = [names[x] if x != IGNORE_INDEX else None for x in label_ids[i]]
            pred = [names[x] for x in np.asarray(logits[i]).argmax(-1)]
            metrics[f"{h}_macro_f1"] = head_metrics(gold, pred, names)["macro_f1"]
        metrics["score"] = score({h: {"macro_f1": metrics[f"{h}_macro_f1"]} for h in HEADS})
        return metrics

    checkpoints = config.output_path / "checkpoints"
    quiet = logger.getEffectiveLevel() > logging.INFO
    args = TrainingArguments(
        output_dir=str(checkpoints),
        num_train_epochs=config.epochs,
        per_device_train_batch_size=config.batch_size,
        per_device_eval_batch_size=config.eval_batch_size,
        learning_rate=config.learning_rate,
        weight_decay=config.weight_decay,
        warmup_steps=config.warmup_ratio,  # a float in [0, 1) is a ratio in transformers 5
        eval_strategy="epoch" if has_val else "no",
        save_strategy="epoch",
        save_total_limit=2,
        load_best_model_at_end=has_val,
        metric_for_best_model="score",
        greater_is_better=True,
        label_names=[f"{h}_labels" for h in HEADS],
        logging_strategy="epoch",
        report_to="none",
        seed=config.seed,
        data_seed=config.seed,
        use_cpu=not torch.cuda.is_available(),
        dataloader_num_workers=0,
        disable_tqdm=quiet,
        train_sampling_strategy="group_by_length" if config.group_by_length else "random",
    )
    callbacks = []
    if has_val and config.early_stopping_patience:
        callbacks.append(EarlyStoppingCallback(early_stopping_patience=config.early_stopping_patience))
    trainer = Trainer(
        model=model,
        args=args,
        train_dataset=train_tok,
        eval_dataset=val_tok,
        data_collator=DataCollatorWithPadding(tokenizer),
        processing_class=tokenizer,
        compute_metrics=compute_metrics if has_val else None,
        callbacks=callbacks,
    )
    last = None
    if resume and checkpoints.exists():
        from transformers.trainer_utils import get_last_checkpoint

        last = get_last_checkpoint(str(checkpoints))
        logger.info("resuming from %s", last)
    trainer.train(resume_from_checkpoint=last)
    trainer.save_model(str(config.output_path))
    tokenizer.save_pretrained(str(config.output_path))
    (config.output_path / "train_history.json").write_text(json.dumps(trainer.state.log_history, indent=2))
    return Predictor(trainer.model, tokenizer)


def train(config: TrainConfig, resume: bool = False) -> TrainResult:
    """Train (or fit the baseline), evaluate on every held-out split, write the model folder.

    The folder gets the weights, tokenizer and ``config.json`` (or the baseline's
    files), ``metrics.json`` (validation / test / test_ood: per-class scores, macro-F1,
    confusion matrices), ``train_config.yaml`` and a model card ``README.md``.

    Args:
        config: the run's settings.
        resume: continue from the last checkpoint in ``<output>/checkpoints``.

    Example:
        >>> result = train(load_config("configs/tiny.yaml"))  # doctest: +SKIP
    """
    start = time.perf_counter()
    dsd = load_dataset_dict(config.data)
    if "train" not in dsd:
        raise ValueError(f"{config.data}: no rows in split 'train'")
    out = config.output_path
    out.mkdir(parents=True, exist_ok=True)
    logger.info("training %s (%s) on %s: %s", config.name, config.kind, config.data,
                {s: len(d) for s, d in dsd.items()})
    if config.kind == "tfidf":
        predictor = _train_baseline(config, dsd)
    else:
        predictor = _train_transformer(config, dsd, resume)
    train_seconds = time.perf_counter() - start
    metrics = _eval_splits(predictor, dsd)
    metrics["train_seconds"] = round(train_seconds, 1)
    metrics["n_train"] = len(dsd["train"])
    (out / "metrics.json").write_text(json.dumps(strip_text(metrics), indent=2))
    (out / "train_config.yaml").write_text(yaml.safe_dump(asdict(config), sort_keys=False))
    (out / "README.md").write_text(model_card(config, metrics))
    result = TrainResult(out, metrics, time.perf_counter() - start, config)
    logger.info("done in %.0f s: %s", result.seconds, result.summary())
    return result


def train_seeds(config: TrainConfig, n_seeds: int) -> dict[str, Any]:
    """Train ``n_seeds`` runs (seed, seed+1, ...) and report mean and sd of macro-F1.

    Each run goes to ``<output>/seed-<seed>``; the summary to ``<output>/seeds.json``.

    Example:
        >>> train_seeds(load_config("configs/tiny.yaml"), 3)["test"]["role"]  # doctest: +SKIP
        {'mean': 0.41, 'sd': 0.02, 'values': [...]}
    """
    runs = []
    for k in range(n_seeds):
        seed = config.seed + k
        run_config = replace(config, seed=seed, output_dir=str(config.output_path / f"seed-{seed}"))
        runs.append(train(run_config).metrics)
    summary: dict[str, Any] = {"seeds": [config.seed + k for k in range(n_seeds)]}
    for split in ("validation", "test", "test_ood"):
        if split not in runs[0]:
            continue
        summary[split] = {}
        for head in HEADS:
            values = [r[split][head]["macro_f1"] for r in runs]
            sd = statistics.stdev(values) if len(values) > 1 else 0.0
            summary[split][head] = {"mean": round(statistics.mean(values), 4),
                                    "sd": round(sd, 4), "values": [round(v, 4) for v in values]}
    config.output_path.mkdir(parents=True, exist_ok=True)
    (config.output_path / "seeds.json").write_text(json.dumps(summary, indent=2))
    return summary


def _fmt(x: float) -> str:
    return "n/a" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{x:.3f}"


def model_card(config: TrainConfig, metrics: dict[str, Any]) -> str:
    """Render the model folder's ``README.md``: what it is, how it was trained, how well it does."""
    rows = []
    for split in ("validation", "test", "test_ood"):
        if split in metrics:
            m = metrics[split]
            rows.append(f"| {split} | {m['n']} | {_fmt(m['role']['macro_f1'])} | "
                        f"{_fmt(m['stance']['macro_f1'])} |")
    per_class = []
    for split in ("test", "test_ood"):
        if split not in metrics:
            continue
        for head in HEADS:
            cells = ", ".join(f"{k} {_fmt(v['f1-score'])}"
                              for k, v in metrics[split][head]["per_class"].items())
            per_class.append(f"- {split} {head}: {cells}")
    base = config.base_model if config.kind == "transformer" else "none (TF-IDF + logistic regression)"
    hyper = yaml.safe_dump(asdict(config), sort_keys=False).strip()
    return f"""---
library_name: argmine
tags: [argument-mining, stance, text-classification]
---
# argmine model: {config.name}

Labels each sentence of a news article about armed conflict with a **role**
(claim, evidence, warning, none) and a **stance on escalation** (pro, con, neutral).
Trained with argmine {__version__}.

- Kind: {config.kind}
- Base model: {base}
- Context: {config.context if config.kind == "transformer" else "none"}
- Data: `{config.data}` (sha256 prefix {data_hash(config.data)}), {metrics.get('n_train')} training sentences
- Seed: {config.seed}
- Training time: {metrics.get('train_seconds')} s

## Scores (macro-F1)

| split | sentences | role | stance |
|---|---|---|---|
{chr(10).join(rows)}

Per-class F1:
{chr(10).join(per_class)}

## Intended use and limits

For research on how escalation is argued for and against in news. The training
corpus is written, not collected, English text; scores on real news will differ
from these. `test_ood` holds conflicts the model never saw in training. Do not use
its labels as a verdict on any person's or state's intentions.

## Hyper-parameters

```yaml
{hyper}
```
"""
