"""Score a model on a realdev-style benchmark: real articles, labelled by hand, kept
outside the repository (by default ``../shared/realdev``).

A benchmark folder holds ``articles/<doc_id>.txt`` and ``gold.jsonl`` (one gold segment
per line: ``article_id``, ``start``, ``end``, ``role``, ``stance``, ``ambiguous``).
Scoring follows the benchmark's own README and scorer exactly: each article is
analysed through the public API (argmine's own sentence splitter), each gold segment
takes the labels of the predicted sentence that overlaps it most (the earliest on ties;
no overlap counts as wrong), labels marked ambiguous are left out, and the headline
number per head is the macro-F1 over the classes present in gold.

Example:
    >>> from argmine.realdev import evaluate_realdev
    >>> from argmine.predict import load_predictor
    >>> m = evaluate_realdev(load_predictor("models/default"), "../shared/realdev")  # doctest: +SKIP
    >>> m["stance"]["macro_f1"]                                                     # doctest: +SKIP
"""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path
from typing import Any

from argmine.labels import HEADS, labels_for

MISSING = "__missing__"
DEFAULT_REALDEV = Path("../shared/realdev")


def read_gold(folder: str | Path) -> list[dict[str, Any]]:
    """Read ``gold.jsonl`` of a benchmark folder (errors name the file and line)."""
    path = Path(folder) / "gold.jsonl"
    if not path.exists():
        raise FileNotFoundError(f"{path}: not found; a realdev folder holds articles/ and gold.jsonl")
    rows = []
    with open(path, encoding="utf-8") as handle:
        for number, line in enumerate(handle, 1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as err:
                raise ValueError(f"{path} line {number}: not valid JSON ({err.msg})") from None
            missing = [k for k in ("article_id", "start", "end", *HEADS) if k not in row]
            if missing:
                raise ValueError(f"{path} line {number}: missing field(s) {', '.join(missing)}")
            rows.append(row)
    return rows


def predict_folder(predictor, folder: str | Path, batch_size: int = 64) -> list[dict[str, Any]]:
    """Label every ``articles/*.txt`` of a benchmark folder; one row per predicted sentence.

    ``predictor`` is anything :class:`argmine.evaluate.Scorable` (a
    :class:`~argmine.predict.Predictor`, the TF-IDF baseline); the articles are split with
    :func:`argmine.segment.split_sentences`, as :meth:`argmine.predict.Miner.analyze` does.
    """
    from argmine.segment import split_sentences

    files = sorted((Path(folder) / "articles").glob("*.txt"))
    if not files:
        raise FileNotFoundError(f"{folder}/articles: no .txt articles")
    spans = [split_sentences(f.read_text(encoding="utf-8")) for f in files]
    scores = predictor.predict_articles([[s.text for s in article] for article in spans], batch_size)
    rows = []
    for f, article, article_scores in zip(files, spans, scores):
        for span, s in zip(article, article_scores):
            rows.append({"doc_id": f.stem, "start": span.start, "end": span.end,
                         **{h: predictor.labels[h][int(getattr(s, h).argmax())] for h in HEADS}})
    return rows


def match(gold: list[dict[str, Any]], predicted: list[dict[str, Any]]) -> list[dict[str, Any] | None]:
    """For each gold segment, the predicted sentence of its article that overlaps it most."""
    by_doc: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for p in predicted:
        by_doc[str(p["doc_id"])].append(p)
    out = []
    for g in gold:
        best, best_overlap = None, 0
        for p in by_doc.get(g["article_id"], []):
            overlap = min(g["end"], p["end"]) - max(g["start"], p["start"])
            if overlap > best_overlap:
                best, best_overlap = p, overlap
        out.append(best)
    return out


def score_head(head: str, gold: list[dict[str, Any]], matched: list[dict[str, Any] | None]) -> dict[str, Any]:
    """Strict scores of one head: ambiguous labels left out, macro-F1 over gold classes."""
    from sklearn.metrics import accuracy_score, confusion_matrix, f1_score, precision_recall_fscore_support

    y, y_hat = [], []
    for g, p in zip(gold, matched):
        if head in g.get("ambiguous", []):
            continue
        y.append(g[head])
        y_hat.append(p[head] if p is not None else MISSING)
    labels = [c for c in labels_for(head) if c in set(y)]
    precision, recall, f1, support = precision_recall_fscore_support(y, y_hat, labels=labels, zero_division=0)
    shown = labels + sorted(set(y_hat) - set(labels))
    return {
        "n": len(y),
        "macro_f1": float(f1_score(y, y_hat, labels=labels, average="macro", zero_division=0)),
        "accuracy": float(accuracy_score(y, y_hat)),
        "per_class": {
            c: {"precision": float(p), "recall": float(r), "f1": float(f), "support": int(s)}
            for c, p, r, f, s in zip(labels, precision, recall, f1, support)
        },
        "confusion": {"labels": shown, "matrix": confusion_matrix(y, y_hat, labels=shown).tolist()},
    }


def score_predictions(gold: list[dict[str, Any]], predicted: list[dict[str, Any]]) -> dict[str, Any]:
    """Score predicted sentences against gold segments, both heads."""
    matched = match(gold, predicted)
    out: dict[str, Any] = {
        "segments": len(gold), "unmatched": sum(m is None for m in matched),
    }
    for head in HEADS:
        out[head] = score_head(head, gold, matched)
    return out


def evaluate_realdev(predictor, folder: str | Path = DEFAULT_REALDEV, batch_size: int = 64) -> dict[str, Any]:
    """Label a benchmark folder's articles with ``predictor`` and score them.

    Returns:
        ``{"segments", "unmatched", "role": {...}, "stance": {...}, "predictions": [...]}``;
        each head has ``macro_f1``, ``accuracy``, ``n``, ``per_class`` and ``confusion``.
    """
    gold = read_gold(folder)
    predicted = predict_folder(predictor, folder, batch_size)
    return {**score_predictions(gold, predicted), "predictions": predicted}


def format_report(metrics: dict[str, Any]) -> str:
    """Plain-text report: macro-F1, per-class scores and confusion matrix per head."""
    lines = []
    for head in HEADS:
        m = metrics[head]
        lines.append(f"== {head}: macro-F1 {m['macro_f1']:.3f}  accuracy {m['accuracy']:.3f}  "
                     f"(n={m['n']}, ambiguous left out)")
        lines.append(f"   {'class':<10}{'prec':>7}{'rec':>7}{'F1':>7}{'n':>6}")
        for c, v in m["per_class"].items():
            lines.append(f"   {c:<10}{v['precision']:>7.3f}{v['recall']:>7.3f}{v['f1']:>7.3f}{v['support']:>6}")
        labels = m["confusion"]["labels"]
        lines.append("   confusion (rows gold, columns predicted): " + " / ".join(labels))
        for label, row in zip(labels, m["confusion"]["matrix"]):
            if not label.startswith("__"):
                lines.append(f"   {label:<10}" + "".join(f"{v:>6}" for v in row))
    return "\n".join(lines)
