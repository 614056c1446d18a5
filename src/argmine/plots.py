"""Pictures of a model's scores: confusion matrices, per-class F1, reliability diagrams and
training curves, as PNG files (matplotlib, no display needed).

``argmine evaluate --report-dir DIR`` writes the first three for both heads; training
writes ``training_curves.png`` into the model folder.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np


def pyplot():
    """matplotlib.pyplot on the file-only Agg backend (no display needed)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def save_figure(fig, path: str | Path) -> Path:
    """Save ``fig`` as a PNG at ``path`` and close it."""
    path = Path(path)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    pyplot().close(fig)
    return path


def reliability(
    gold: Sequence[str | None], predicted: Sequence[str], confidence: Sequence[float], n_bins: int = 10
) -> dict[str, Any]:
    """Top-label calibration of one head: per confidence bin, the mean confidence, the
    accuracy and the count, and the expected calibration error (ECE). Gold ``None`` rows
    are skipped.

    Example:
        >>> r = reliability(["pro", "con"], ["pro", "pro"], [0.9, 0.7], n_bins=2)
        >>> r["count"], round(r["ece"], 2)
        ([0, 2], 0.3)
    """
    rows = [(g == p, c) for g, p, c in zip(gold, predicted, confidence, strict=True) if g is not None]
    edges = np.linspace(0.0, 1.0, n_bins + 1)
    correct = np.array([r[0] for r in rows], dtype=float)
    conf = np.array([r[1] for r in rows], dtype=float)
    which = np.clip(np.digitize(conf, edges[1:-1], right=True), 0, n_bins - 1)
    count, accuracy, mean_conf = [], [], []
    ece = 0.0
    for b in range(n_bins):
        inside = which == b
        n = int(inside.sum())
        count.append(n)
        accuracy.append(float(correct[inside].mean()) if n else None)
        mean_conf.append(float(conf[inside].mean()) if n else None)
        if n:
            ece += n / len(rows) * abs(accuracy[-1] - mean_conf[-1])
    return {"edges": edges.tolist(), "count": count, "accuracy": accuracy, "confidence": mean_conf,
            "ece": float(ece) if rows else float("nan")}


def plot_confusion(metrics: dict[str, Any], title: str, path: str | Path) -> Path:
    """A confusion matrix (counts, rows gold) drawn by scikit-learn's ConfusionMatrixDisplay."""
    from sklearn.metrics import ConfusionMatrixDisplay

    labels = metrics["labels"]
    fig, ax = pyplot().subplots(figsize=(1.2 * len(labels) + 2, 1.1 * len(labels) + 1.5))
    ConfusionMatrixDisplay(np.array(metrics["confusion"]), display_labels=labels).plot(
        ax=ax, cmap="Blues", colorbar=False, xticks_rotation=30)
    ax.set_xlabel("predicted")
    ax.set_ylabel("gold")
    ax.set_title(title)
    return save_figure(fig, path)


def plot_per_class_f1(metrics: dict[str, Any], title: str, path: str | Path) -> Path:
    """Precision, recall and F1 per class, with the macro-F1 as a line."""
    per_class = metrics["per_class"]
    labels = list(per_class)
    x = np.arange(len(labels))
    fig, ax = pyplot().subplots(figsize=(1.3 * len(labels) + 2.5, 3.2))
    for k, (key, colour) in enumerate((("precision", "#56B4E9"), ("recall", "#E69F00"), ("f1-score", "#009E73"))):
        values = [per_class[c][key] for c in labels]
        bars = ax.bar(x + (k - 1) * 0.27, values, 0.27, label=key, color=colour)
        if key == "f1-score":
            ax.bar_label(bars, fmt="%.2f", fontsize=8)
    ax.axhline(metrics["macro_f1"], color="#555", linestyle="--", linewidth=1,
               label=f"macro-F1 {metrics['macro_f1']:.3f}")
    ax.set_xticks(x, [f"{c}\n(n={int(per_class[c]['support'])})" for c in labels])
    ax.set_ylim(0, 1.08)
    ax.set_title(title)
    ax.legend(fontsize=8, loc="lower right")
    return save_figure(fig, path)


def plot_reliability(rel: dict[str, Any], title: str, path: str | Path) -> Path:
    """Reliability diagram: accuracy against confidence per bin, the diagonal being perfect
    calibration; bar widths show the bins, the count of each is printed above it."""
    edges = np.array(rel["edges"])
    centres = (edges[:-1] + edges[1:]) / 2
    fig, ax = pyplot().subplots(figsize=(4.2, 4.0))
    ax.plot([0, 1], [0, 1], color="#999", linestyle="--", linewidth=1, label="perfectly calibrated")
    keep = [i for i, n in enumerate(rel["count"]) if n]
    ax.bar(centres[keep], [rel["accuracy"][i] for i in keep], width=np.diff(edges)[keep] * 0.9,
           color="#56B4E9", edgecolor="#0072B2", label="accuracy")
    ax.plot([rel["confidence"][i] for i in keep], [rel["accuracy"][i] for i in keep], "o", color="#D55E00",
            markersize=4, label="mean confidence")
    for i in keep:
        ax.text(centres[i], min(rel["accuracy"][i] + 0.02, 1.02), str(rel["count"][i]), ha="center", fontsize=7)
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1.08)
    ax.set_xlabel("confidence of the predicted label")
    ax.set_ylabel("accuracy")
    ax.set_title(f"{title}\nECE {rel['ece']:.3f}")
    ax.legend(fontsize=7, loc="upper left")
    return save_figure(fig, path)


def plot_training_curves(log_history: list[dict[str, Any]], title: str, path: str | Path) -> Path | None:
    """Training loss and validation loss / macro-F1 per epoch, from the Trainer's log
    history (``train_history.json``); None when the history has no epochs."""
    train = [(e["epoch"], e["loss"]) for e in log_history if "loss" in e and "epoch" in e]
    evals = [e for e in log_history if "eval_loss" in e]
    if not train and not evals:
        return None
    fig, (left, right) = pyplot().subplots(1, 2, figsize=(8, 3.2))
    if train:
        left.plot(*zip(*train), "o-", color="#E69F00", label="training loss")
    if evals:
        left.plot([e["epoch"] for e in evals], [e["eval_loss"] for e in evals], "s-", color="#0072B2",
                  label="validation loss")
        for key, colour in (("eval_role_macro_f1", "#009E73"), ("eval_stance_macro_f1", "#CC79A7")):
            if key in evals[0]:
                right.plot([e["epoch"] for e in evals], [e[key] for e in evals], "o-", color=colour,
                           label=key.removeprefix("eval_").replace("_", " "))
        right.set_ylim(0, 1)
        right.legend(fontsize=8)
    left.legend(fontsize=8)
    left.set_xlabel("epoch")
    right.set_xlabel("epoch")
    left.set_title(f"{title}: loss")
    right.set_title("validation macro-F1")
    return save_figure(fig, path)


__all__ = [
    "plot_confusion", "plot_per_class_f1", "plot_reliability", "plot_training_curves", "pyplot", "reliability",
    "save_figure",
]
