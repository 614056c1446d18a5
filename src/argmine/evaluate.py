"""Scores for both heads: per-class precision/recall/F1, macro-F1, confusion matrices.

Rows whose gold label is missing (``None``) are left out of that head's scores.

Example:
    >>> from argmine.evaluate import head_metrics
    >>> m = head_metrics(["claim", "none"], ["claim", "claim"], ("claim", "evidence", "warning", "none"))
    >>> round(m["macro_f1"], 3)
    0.333
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol

import numpy as np
from sklearn.metrics import classification_report, confusion_matrix, f1_score

from argmine.labels import HEADS
from argmine.plots import plot_confusion, plot_per_class_f1, plot_reliability
from argmine.results import SentenceScores

logger = logging.getLogger(__name__)


def head_metrics(
    gold: Sequence[str | None], predicted: Sequence[str], labels: Sequence[str]
) -> dict[str, Any]:
    """Score one head. Gold ``None`` rows are skipped (masked labels).

    Macro-F1 averages over the labels present in gold or predictions, as
    scikit-learn does with ``labels=None``; classes that appear in neither
    are not counted as zero.

    Returns:
        ``macro_f1``, ``accuracy``, ``support``, ``per_class`` (precision, recall, f1,
        support per label), ``confusion`` (rows gold, columns predicted, in ``labels``
        order), ``labels`` and ``report_text`` (scikit-learn's text report).
    """
    pairs = [(g, p) for g, p in zip(gold, predicted, strict=True) if g is not None]
    labels = list(labels)
    if not pairs:
        return {"macro_f1": float("nan"), "accuracy": float("nan"), "support": 0,
                "per_class": {}, "confusion": [], "labels": labels, "report_text": "no labels"}
    y_true, y_pred = zip(*pairs)
    present = [x for x in labels if x in set(y_true) | set(y_pred)]
    report = classification_report(
        y_true, y_pred, labels=present, output_dict=True, zero_division=0
    )
    return {
        "macro_f1": float(f1_score(y_true, y_pred, labels=present, average="macro",
                                   zero_division=0)),
        "accuracy": float(np.mean([t == p for t, p in pairs])),
        "support": len(pairs),
        "per_class": {
            x: {k: float(report[x][k]) for k in ("precision", "recall", "f1-score", "support")}
            for x in present
        },
        "confusion": confusion_matrix(y_true, y_pred, labels=labels).tolist(),
        "labels": labels,
        "report_text": classification_report(
            y_true, y_pred, labels=present, digits=3, zero_division=0
        ),
    }


def score(metrics: dict[str, Any]) -> float:
    """The model-selection score: mean of role and stance macro-F1."""
    return float(np.nanmean([metrics["role"]["macro_f1"], metrics["stance"]["macro_f1"]]))


class Scorable(Protocol):
    """What a model offers to be scored: label names per head and article-level scores.

    :class:`~argmine.predict.Predictor` and :class:`~argmine.baseline.TfidfBaseline` have both.
    """

    labels: dict[str, tuple[str, ...]]

    def predict_articles(
        self, articles: Sequence[Sequence[str]], batch_size: int = 64, show_progress_bar: bool | None = None
    ) -> list[list[SentenceScores]]: ...


def record_scores(
    predictor: Scorable, records: Sequence[dict[str, Any]], batch_size: int = 64
) -> tuple[list[dict[str, Any]], list[SentenceScores]]:
    """Score annotated records, reading each article as a whole.

    Records are grouped into articles (:func:`argmine.data.group_articles`), so a model
    sees each sentence with the same context it gets at inference.

    Returns:
        ``(records in article order, their scores in that order)``.
    """
    from argmine.data import group_articles

    articles = group_articles(records)
    scores = predictor.predict_articles([[r["text"] for r in a] for a in articles], batch_size)
    return [r for a in articles for r in a], [s for a in scores for s in a]


def evaluate_records(predictor: Scorable, records: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Score a predictor on annotated records (grouped into articles), both heads.

    Returns:
        ``{"role": head_metrics, "stance": head_metrics, "score": mean macro-F1, "n": rows}``;
        each head's metrics also hold ``reliability`` (see :func:`argmine.plots.reliability`).
    """
    from argmine.plots import reliability

    ordered, flat = record_scores(predictor, records)
    out: dict[str, Any] = {}
    for head in HEADS:
        probs = np.array([getattr(s, head) for s in flat]).reshape(len(flat), -1)
        predicted = [predictor.labels[head][i] for i in probs.argmax(-1)]
        gold = [r[head] for r in ordered]
        out[head] = head_metrics(gold, predicted, predictor.labels[head])
        out[head]["reliability"] = reliability(gold, predicted, probs.max(-1).tolist())
    out["score"] = score(out)
    out["n"] = len(ordered)
    return out


def strip_text(metrics: dict[str, Any]) -> dict[str, Any]:
    """Copy of nested metrics without the ``report_text`` strings (for JSON files)."""
    if isinstance(metrics, dict):
        return {k: strip_text(v) for k, v in metrics.items() if k != "report_text"}
    return metrics


def evaluate_model(
    model_dir: str | Path, data: str | Path, report_dir: str | Path | None = None
) -> dict[str, Any]:
    """Score a saved model on an annotated file or folder (all its rows, any split).

    Writes ``metrics.json``, ``confusion_<head>.png``, ``per_class_<head>.png`` and
    ``reliability_<head>.png`` to ``report_dir`` when given.

    Example:
        >>> m = evaluate_model("models/default", "data/escalation-news/test.jsonl")  # doctest: +SKIP
        >>> m["role"]["macro_f1"]                                                   # doctest: +SKIP
    """
    from argmine.data import read_records
    from argmine.predict import load_predictor

    metrics = evaluate_records(load_predictor(model_dir), read_records(data, require_labels=False))
    if report_dir is not None:
        report_dir = Path(report_dir)
        report_dir.mkdir(parents=True, exist_ok=True)
        (report_dir / "metrics.json").write_text(json.dumps(strip_text(metrics), indent=2))
        for head in HEADS:
            title = f"{head} ({Path(data).name})"
            plot_confusion(metrics[head], title, report_dir / f"confusion_{head}.png")
            plot_per_class_f1(metrics[head], title, report_dir / f"per_class_{head}.png")
            plot_reliability(metrics[head]["reliability"], title, report_dir / f"reliability_{head}.png")
        logger.info("wrote metrics, confusion matrices, per-class F1 and reliability diagrams to %s", report_dir)
    return metrics
