"""Training: fine-tune an :class:`~argmine.model.ArgmineModel` (or fit the TF-IDF baseline)
from a config, calibrate it, and write a self-describing model folder with metrics and a
model card.

The model folder (``models/<name>``) holds the deliverable only: weights, tokenizer,
``config.json``, ``metrics.json``, ``train_config.yaml``, ``train_history.json`` (and its
picture, ``training_curves.png``) and the model card. Trainer checkpoints (optimizer state, ``training_args.bin``) go to
``runs/<name>``, from where ``--resume`` continues.

Example:
    >>> import argmine.training as T
    >>> from argmine.config import load_config
    >>> result = T.train(load_config("configs/tiny.yaml"))  # doctest: +SKIP
    >>> result.metrics["test"]["role"]["macro_f1"]           # doctest: +SKIP
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import statistics
import time
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from argmine.calibrate import class_weights, fit_model_bias
from argmine.config import TrainConfig, load_config
from argmine.context import article_contexts, chunk_article, layout_features
from argmine.data import group_articles, load_dataset_dict
from argmine.evaluate import evaluate_records, head_metrics, score, strip_text
from argmine.labels import HEADS, IGNORE_INDEX, SPLITS, label2id
from argmine.model_card import model_card

logger = logging.getLogger(__name__)

__all__ = ["TrainConfig", "TrainResult", "load_config", "train", "train_seeds"]


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


def process_rank() -> int:
    """This process's rank under ``torchrun`` (0 when run alone): rank 0 writes the model folder."""
    return int(os.environ.get("RANK", "0"))


def _label_ids(head: str, labels: list[str | None]) -> list[int]:
    mapping = label2id(head)
    return [mapping[x] if x is not None else IGNORE_INDEX for x in labels]


def pair_examples(articles: list[list[dict[str, Any]]], mode: str) -> list[dict[str, Any]]:
    """One example per sentence: its text, its context (the one rule of
    :func:`argmine.context.article_contexts`) and its labels."""
    out = []
    for rows in articles:
        contexts = article_contexts([r["text"] for r in rows], mode)
        out += [{"text": r["text"], "context": c or None, "role": r["role"], "stance": r["stance"],
                 **{f"{h}_soft": r[f"{h}_soft"] for h in HEADS if f"{h}_soft" in r}}
                for r, c in zip(rows, contexts)]
    return out


def article_examples(articles: list[list[dict[str, Any]]], size: int, overlap: int) -> list[dict[str, Any]]:
    """One example per article window: its sentences, their layout features and labels."""
    out = []
    for rows in articles:
        texts = [r["text"] for r in rows]
        layout = layout_features(texts)
        for start, end, _, _ in chunk_article(len(rows), size, overlap):
            window = rows[start:end]
            out.append({
                "texts": texts[start:end], "layout": layout[start:end],
                "role": [r["role"] for r in window], "stance": [r["stance"] for r in window],
                **{f"{h}_soft": [r[f"{h}_soft"] for r in window] for h in HEADS if f"{h}_soft" in rows[0]},
            })
    return out


@dataclass
class ArticleCollator:
    """Batch article windows for a hierarchical model: every sentence of every window in
    one padded token batch, plus each sentence's window, place and layout."""

    tokenizer: Any

    def __call__(self, features: list[dict[str, Any]]) -> dict[str, Any]:
        import torch

        flat, doc, pos = [], [], []
        for d, f in enumerate(features):
            for p, ids in enumerate(f["input_ids"]):
                flat.append({"input_ids": ids})
                doc.append(d)
                pos.append(p)
        batch = dict(self.tokenizer.pad(flat, return_tensors="pt"))
        batch["sentence_doc"] = torch.tensor(doc)
        batch["sentence_pos"] = torch.tensor(pos)
        batch["layout"] = torch.tensor([x for f in features for x in f["layout"]], dtype=torch.float32)
        for h in HEADS:
            batch[f"{h}_labels"] = torch.tensor([x for f in features for x in f[f"{h}_labels"]])
            if f"{h}_soft" in features[0]:
                batch[f"{h}_soft"] = torch.tensor([x for f in features for x in f[f"{h}_soft"]])
        return batch


def _tokenize(config: TrainConfig, tokenizer, examples: list[dict[str, Any]]):
    """A tokenised ``datasets.Dataset`` of pair or article examples."""
    from datasets import Dataset

    from argmine.model import encode

    if config.architecture == "hierarchical":
        rows = [{
            "input_ids": tokenizer(e["texts"], truncation=True, max_length=config.max_seq_length)["input_ids"],
            "layout": e["layout"],
            **{f"{h}_labels": _label_ids(h, e[h]) for h in HEADS},
            **{f"{h}_soft": e[f"{h}_soft"] for h in HEADS if f"{h}_soft" in e},
        } for e in examples]
        return Dataset.from_list(rows)

    def tokenize(batch: dict[str, list]) -> dict[str, list]:
        enc = dict(encode(tokenizer, batch["text"], batch["context"], config.max_seq_length))
        for h in HEADS:
            enc[f"{h}_labels"] = _label_ids(h, batch[h])
            if f"{h}_soft" in batch:
                enc[f"{h}_soft"] = batch[f"{h}_soft"]
        return enc

    dataset = Dataset.from_list(examples)
    return dataset.map(tokenize, batched=True, remove_columns=dataset.column_names)


def _examples(config: TrainConfig, records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    articles = group_articles(records)
    if config.architecture == "hierarchical":
        return article_examples(articles, config.max_sentences, config.sentence_overlap)
    return pair_examples(articles, config.context)


def _train_prior(records: list[dict[str, Any]], weighting: str) -> dict[str, tuple[list[float], list[float]]]:
    """Per head: the loss's class weights and the prior they train towards."""
    out = {}
    for h in HEADS:
        counts = np.bincount([i for i in _label_ids(h, [r[h] for r in records]) if i != IGNORE_INDEX],
                             minlength=len(label2id(h)))
        weights = class_weights(counts, weighting)
        prior = counts * weights
        out[h] = (weights.tolist(), (prior / max(prior.sum(), 1e-12)).tolist())
    return out


def _build_trainer(config: TrainConfig, model, tokenizer, train_set, val_set, run_dir: Path):
    import torch
    from transformers import DataCollatorWithPadding, EarlyStoppingCallback, Trainer, TrainingArguments

    class ArgmineTrainer(Trainer):
        """The Trainer, with its own learning rate for the heads (and document transformer)."""

        def create_optimizer(self, model=None):
            optimizer = super().create_optimizer(model)
            if config.head_learning_rate is None:
                return optimizer
            encoder = {id(p) for p in self.model.encoder.parameters()}
            groups = []
            for group in optimizer.param_groups:
                for inside in (True, False):
                    params = [p for p in group["params"] if (id(p) in encoder) == inside]
                    if params:
                        lr = group["lr"] if inside else config.head_learning_rate
                        groups.append({**group, "params": params, "lr": lr, "initial_lr": lr})
            optimizer.param_groups = groups
            return optimizer

        def compute_loss(self, model, inputs, return_outputs=False, num_items_in_batch=None):
            """The gold loss, mixed with the distillation loss when the batch carries soft labels."""
            soft = {h: inputs.pop(f"{h}_soft", None) for h in HEADS}
            outputs = model(**inputs)
            loss = outputs.loss
            if config.distill_from and soft["role"] is not None:
                from argmine.distill import distillation_loss

                kd = sum(distillation_loss(getattr(outputs, f"{h}_logits"), soft[h], config.distill_temperature)
                         for h in HEADS)
                loss = (1 - config.distill_alpha) * loss + config.distill_alpha * kd
            return (loss, outputs) if return_outputs else loss

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

    hierarchical = config.architecture == "hierarchical"
    has_val = val_set is not None
    quiet = logger.getEffectiveLevel() > logging.INFO
    args = TrainingArguments(
        output_dir=str(run_dir),
        num_train_epochs=config.epochs,
        per_device_train_batch_size=config.batch_size,
        per_device_eval_batch_size=max(1, config.eval_batch_size // 16) if hierarchical else config.eval_batch_size,
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
        # under torchrun on CPU: gloo (on GPUs the Trainer picks NCCL); alone: no process group
        ddp_backend="gloo" if int(os.environ.get("WORLD_SIZE", "1")) > 1 and not torch.cuda.is_available() else None,
        # mean pooling (and the hierarchical model) leave the encoder's pooler unused
        ddp_find_unused_parameters=hierarchical or config.pooling != "pooler",
        remove_unused_columns=False,  # the datasets hold model inputs only, plus soft labels for compute_loss
    )
    callbacks = []
    if has_val and config.early_stopping_patience:
        callbacks.append(EarlyStoppingCallback(early_stopping_patience=config.early_stopping_patience))
    return ArgmineTrainer(
        model=model,
        args=args,
        train_dataset=train_set,
        eval_dataset=val_set,
        data_collator=ArticleCollator(tokenizer) if hierarchical else DataCollatorWithPadding(tokenizer),
        processing_class=tokenizer,
        compute_metrics=compute_metrics if has_val else None,
        callbacks=callbacks,
    )


def _train_transformer(config: TrainConfig, dsd, resume: bool):
    """Fine-tune, keep the best epoch, save weights, tokenizer and config; return (model, tokenizer)."""
    import torch
    from transformers import set_seed

    from argmine.model import ArgmineModel, base_tokenizer

    if config.threads:
        torch.set_num_threads(config.threads)
    set_seed(config.seed)
    tokenizer = base_tokenizer(config.base_model)
    model = ArgmineModel.from_base(
        config.base_model, max_seq_length=config.max_seq_length, architecture=config.architecture,
        context=config.context, pooling=config.pooling, classifier_dropout=config.classifier_dropout,
        doc_layers=config.doc_layers, max_sentences=config.max_sentences,
        sentence_overlap=config.sentence_overlap,
    )
    train_records = dsd["train"].to_list()
    train_rows = train_records
    if config.distill_from:
        from argmine.distill import attach_soft_labels, read_soft_labels

        train_rows = attach_soft_labels(train_records, read_soft_labels(config.distill_from),
                                                 config.distill_from)
        logger.info("distilling from %s (alpha %s, temperature %s)", config.distill_from,
                    config.distill_alpha, config.distill_temperature)
    examples = _examples(config, train_rows)
    if config.max_train_samples:
        rng = np.random.default_rng(config.seed)
        keep = sorted(rng.permutation(len(examples))[: config.max_train_samples])
        examples = [examples[i] for i in keep]
    train_set = _tokenize(config, tokenizer, examples)
    val_set = _tokenize(config, tokenizer, _examples(config, dsd["validation"].to_list())) \
        if "validation" in dsd else None
    prior = _train_prior(train_records, config.class_weighting)
    model.config.train_prior = {h: prior[h][1] for h in HEADS}
    if config.class_weighting != "none":
        for h in HEADS:
            model.set_class_weights(h, torch.tensor(prior[h][0], dtype=torch.float32))

    run_dir = config.run_path
    last = _checkpoint_to_resume(config, run_dir) if resume else None
    if last is None and process_rank() == 0:  # a fresh run: an older run's checkpoints must not linger
        for old in run_dir.glob("checkpoint-*"):
            shutil.rmtree(old)
        run_dir.mkdir(parents=True, exist_ok=True)
        (run_dir / _RUN_CONFIG).write_text(json.dumps(_resume_key(config), indent=2))
    trainer = _build_trainer(config, model, tokenizer, train_set, val_set, run_dir)
    trainer.train(resume_from_checkpoint=last)
    model = trainer.model
    if process_rank() == 0:
        from argmine.plots import plot_training_curves

        (config.output_path / "train_history.json").write_text(json.dumps(trainer.state.log_history, indent=2))
        plot_training_curves(trainer.state.log_history, config.name, config.output_path / "training_curves.png")
    return model, tokenizer


_RUN_CONFIG = "argmine_run_config.json"


def _resume_key(config: TrainConfig) -> dict[str, Any]:
    """The settings a checkpoint depends on (not where output goes, how many threads, or
    how long to train: resuming with more epochs continues a run)."""
    free = ("output_dir", "run_dir", "threads", "realdev", "epochs", "early_stopping_patience")
    return {k: v for k, v in asdict(config).items() if k not in free}


def _checkpoint_to_resume(config: TrainConfig, run_dir: Path) -> str | None:
    """The last checkpoint of ``run_dir``, after checking it belongs to this config."""
    from transformers.trainer_utils import get_last_checkpoint

    last = get_last_checkpoint(str(run_dir)) if run_dir.is_dir() else None
    if last is None:
        logger.info("nothing to resume in %s; training from the start", run_dir)
        return None
    recorded = run_dir / _RUN_CONFIG
    if not recorded.exists():
        raise ValueError(f"{run_dir}: checkpoints without {_RUN_CONFIG}, so nothing says which config they "
                         f"belong to; train without --resume (they are then cleared) or set run_dir")
    before, now = json.loads(recorded.read_text()), json.loads(json.dumps(_resume_key(config)))
    changed = sorted(k for k in set(before) | set(now) if before.get(k) != now.get(k))
    if changed:
        raise ValueError(f"{run_dir}: its checkpoints belong to another config (differs in "
                         f"{', '.join(changed)}); resume with the same config, or train without --resume")
    logger.info("resuming from %s", last)
    return last


def _train_baseline(config: TrainConfig, dsd) -> None:
    from argmine.baseline import BaselineConfig, TfidfBaseline

    baseline = TfidfBaseline(
        BaselineConfig(C=config.tfidf_C, ngram_max=config.tfidf_ngram_max), seed=config.seed
    )
    baseline.fit(dsd["train"].to_list())
    baseline.save(config.output_path)


def _calibrate(config: TrainConfig, dsd) -> dict[str, Any]:
    """Fit the configured calibration on the validation split and write it into config.json."""
    from argmine.model import ArgmineConfig
    from argmine.predict import Predictor

    if config.calibration == "none" or "validation" not in dsd:
        return {"method": "none"}
    raw = Predictor.from_pretrained(config.output_path, precision="fp32", calibrated=False, cache_size=0)
    bias = fit_model_bias(raw, dsd["validation"].to_list(), config.calibration, config.calibration_shares or {})
    model_config = ArgmineConfig.from_pretrained(config.output_path)
    model_config.logit_bias = bias
    model_config.save_pretrained(config.output_path)
    logger.info("calibration %s: logit bias %s", config.calibration, bias)
    return {"method": config.calibration, "shares": config.calibration_shares, "logit_bias": bias}


def _realdev(config: TrainConfig) -> dict[str, Any] | None:
    """Score the saved model on a realdev folder, when the config names one that exists."""
    if not config.realdev:
        return None
    if not (Path(config.realdev) / "gold.jsonl").exists():
        logger.info("realdev folder %s not found; skipping the real-text benchmark", config.realdev)
        return None
    from argmine.predict import load_predictor
    from argmine.realdev import evaluate_realdev

    metrics = evaluate_realdev(load_predictor(config.output_path, precision="fp32"), config.realdev)
    metrics.pop("predictions")
    return metrics


def train(config: TrainConfig, resume: bool = False) -> TrainResult:
    """Train (or fit the baseline), calibrate, evaluate on every held-out split, write the model folder.

    The folder gets the weights, tokenizer and ``config.json`` (or the baseline's
    files), ``metrics.json`` (validation / test / test_ood, and ``realdev`` when the
    config names a realdev folder that exists: per-class scores, macro-F1, confusion
    matrices; the calibration fitted), ``train_config.yaml``, ``train_history.json`` and
    a model card ``README.md``. The saved folder is what gets scored, in fp32.

    Args:
        config: the run's settings.
        resume: continue from the last checkpoint in ``config.run_path`` (``runs/<name>``).

    Example:
        >>> result = train(load_config("configs/tiny.yaml"))  # doctest: +SKIP
    """
    from argmine.predict import load_predictor

    start = time.perf_counter()
    dsd = load_dataset_dict(config.data)
    if "train" not in dsd:
        raise ValueError(f"{config.data}: no rows in split 'train'")
    out = config.output_path
    out.mkdir(parents=True, exist_ok=True)
    logger.info("training %s (%s) on %s: %s", config.name, config.kind, config.data,
                {s: len(d) for s, d in dsd.items()})
    calibration: dict[str, Any] = {"method": "none"}
    if config.kind == "tfidf":
        _train_baseline(config, dsd)
    else:
        model, tokenizer = _train_transformer(config, dsd, resume)
        if process_rank() != 0:  # under torchrun: rank 0 alone writes, calibrates and scores
            return TrainResult(out, {}, time.perf_counter() - start, config)
        model.save_pretrained(out)
        tokenizer.save_pretrained(out)
        del model
        calibration = _calibrate(config, dsd)
    train_seconds = time.perf_counter() - start
    predictor = load_predictor(out, precision="fp32")
    metrics: dict[str, Any] = {
        s: evaluate_records(predictor, dsd[s].to_list()) for s in SPLITS if s in dsd and s != "train"
    }
    realdev = _realdev(config)
    if realdev is not None:
        metrics["realdev"] = realdev
    metrics["calibration"] = calibration
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
        run_config = replace(config, seed=seed, output_dir=str(config.output_path / f"seed-{seed}"),
                             run_dir=str(config.run_path / f"seed-{seed}"))
        runs.append(train(run_config).metrics)
    summary: dict[str, Any] = {"seeds": [config.seed + k for k in range(n_seeds)]}
    for split in ("validation", "test", "test_ood", "realdev"):
        if split not in runs[0]:
            continue
        summary[split] = {}
        for head in HEADS:
            values = [r[split][head]["macro_f1"] for r in runs]
            sd = statistics.stdev(values) if len(values) > 1 else 0.0
            summary[split][head] = {"mean": round(statistics.mean(values), 4),
                                    "sd": round(sd, 4), "values": [round(v, 4) for v in values]}
    if process_rank() == 0:
        config.output_path.mkdir(parents=True, exist_ok=True)
        (config.output_path / "seeds.json").write_text(json.dumps(summary, indent=2))
    return summary
