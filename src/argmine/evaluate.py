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


def predict_records(predictor: Scorable, records: Sequence[dict[str, Any]], batch_size: int = 64):
    """Predict labels for annotated records (see :func:`record_scores`).

    Returns:
        ``(records in article order, {head: list of label names in that order})``.
    """
    ordered, flat = record_scores(predictor, records, batch_size)
    predicted = {
        head: [predictor.labels[head][int(getattr(s, head).argmax())] for s in flat] for head in HEADS
    }
    return ordered, predicted


def evaluate_records(predictor: Scorable, records: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Score a predictor on annotated records (grouped into articles), both heads.

    Returns:
        ``{"role": head_metrics, "stance": head_metrics, "score": mean macro-F1, "n": rows}``
    """
    ordered, predicted = predict_records(predictor, records)
    out: dict[str, Any] = {
        head: head_metrics([r[head] for r in ordered], predicted[head], predictor.labels[head])
        for head in HEADS
    }
    out["score"] = score(out)
    out["n"] = len(ordered)
    return out


def plot_confusion(metrics: dict[str, Any], title: str, path: str | Path) -> Path:
    """Save a confusion matrix (counts, rows gold) as a PNG.

    Example:
        >>> plot_confusion(m["role"], "role / test", "cm-role.png")  # doctest: +SKIP
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    labels, matrix = metrics["labels"], np.array(metrics["confusion"])
    fig, ax = plt.subplots(figsize=(1.2 * len(labels) + 2, 1.1 * len(labels) + 1.5))
    ax.imshow(matrix, cmap="Blues")
    ax.set_xticks(range(len(labels)), labels, rotation=30)
    ax.set_yticks(range(len(labels)), labels)
    ax.set_xlabel("predicted")
    ax.set_ylabel("gold")
    ax.set_title(title)
    top = matrix.max() if matrix.size else 0
    for (i, j), v in np.ndenumerate(matrix):
        ax.text(j, i, str(v), ha="center", va="center", color="white" if v > top / 2 else "black")
    fig.tight_layout()
    path = Path(path)
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


def strip_text(metrics: dict[str, Any]) -> dict[str, Any]:
    """Copy of nested metrics without the ``report_text`` strings (for JSON files)."""
    if isinstance(metrics, dict):
        return {k: strip_text(v) for k, v in metrics.items() if k != "report_text"}
    return metrics


def evaluate_model(
    model_dir: str | Path, data: str | Path, report_dir: str | Path | None = None
) -> dict[str, Any]:
    """Score a saved model on an annotated file or folder (all its rows, any split).

    Writes ``metrics.json`` and ``confusion_<head>.png`` to ``report_dir`` when given.

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
            plot_confusion(metrics[head], f"{head} ({Path(data).name})",
                           report_dir / f"confusion_{head}.png")
        logger.info("wrote metrics and confusion matrices to %s", report_dir)
    return metrics
