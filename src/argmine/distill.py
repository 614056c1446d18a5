"""Knowledge distillation: a teacher model's class probabilities as soft labels.

A large teacher (``configs/large.yaml``) labels the training articles once with
:func:`soft_labels` (``argmine soft-labels``); the file it writes is data, one row per
sentence. A student config names it (``distill_from:``) and then learns from a
weighted sum of the gold cross-entropy and the KL divergence to the teacher's
tempered probabilities (:func:`distillation_loss`, Hinton et al. 2015)::

    loss = (1 - distill_alpha) * CE(gold) + distill_alpha * T^2 * KL(teacher_T || student_T)

The file keys sentences by ``article_id`` and ``sentence_id`` and names every class,
so it stays readable and checkable without the teacher::

    {"article_id": "a1", "sentence_id": 0, "role": {"claim": 0.1, ...}, "stance": {"pro": 0.2, ...}}
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from argmine.data import group_articles
from argmine.labels import HEADS, label2id

if TYPE_CHECKING:
    import torch

    from argmine.predict import Predictor

SoftLabels = dict[tuple[str, int], dict[str, list[float]]]


def soft_labels(predictor: Predictor, records: list[dict[str, Any]], batch_size: int = 64) -> list[dict[str, Any]]:
    """The teacher's probabilities for every sentence of ``records`` (read article by article,
    as inference reads them), one row per sentence, in the order of the records."""
    articles = group_articles(records)
    scores = predictor.predict_articles([[r["text"] for r in rows] for rows in articles], batch_size=batch_size)
    out = []
    for rows, article in zip(articles, scores, strict=True):
        for r, s in zip(rows, article, strict=True):
            out.append({
                "article_id": r["article_id"], "sentence_id": r["sentence_id"],
                **{h: {label: round(float(p), 5) for label, p in zip(predictor.labels[h], getattr(s, h), strict=True)}
                   for h in HEADS},
            })
    return out


def write_soft_labels(rows: list[dict[str, Any]], path: str | Path) -> Path:
    """Write soft labels as JSON Lines."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def read_soft_labels(path: str | Path) -> SoftLabels:
    """Read and check a soft-label file: per (article_id, sentence_id), per head, the
    probabilities in argmine's label order. Errors name the file, line and field."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: soft-label file not found (write it with `argmine soft-labels`)")
    out: SoftLabels = {}
    with path.open(encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            if not line.strip():
                continue
            where = f"{path} line {n}"
            try:
                row = json.loads(line)
            except json.JSONDecodeError as err:
                raise ValueError(f"{where}: not valid JSON ({err.msg})") from None
            for field in ("article_id", "sentence_id", *HEADS):
                if field not in row:
                    raise ValueError(f"{where}: {field}: missing")
            probs = {}
            for h in HEADS:
                names = list(label2id(h))
                given = row[h]
                if not isinstance(given, dict) or sorted(given) != sorted(names):
                    raise ValueError(f"{where}: {h}: expected probabilities for {', '.join(names)}")
                values = [given[k] for k in names]
                if any(not isinstance(v, int | float) or v < 0 for v in values) or abs(sum(values) - 1) > 1e-3:
                    raise ValueError(f"{where}: {h}: probabilities must be >= 0 and sum to 1, got {values}")
                probs[h] = [float(v) for v in values]
            key = (str(row["article_id"]), int(row["sentence_id"]))
            if key in out:
                raise ValueError(f"{where}: sentence {key[0]}/{key[1]} appears twice")
            out[key] = probs
    return out


def attach_soft_labels(records: list[dict[str, Any]], soft: SoftLabels, source: str) -> list[dict[str, Any]]:
    """Records with ``role_soft`` / ``stance_soft`` added; every record needs a teacher row."""
    out = []
    for r in records:
        key = (str(r["article_id"]), int(r["sentence_id"]))
        if key not in soft:
            raise ValueError(f"{source}: no teacher probabilities for sentence {key[0]}/{key[1]}; "
                             f"regenerate it with `argmine soft-labels` on the training split")
        out.append({**r, **{f"{h}_soft": soft[key][h] for h in HEADS}})
    return out


def distillation_loss(logits: torch.Tensor, teacher_probs: torch.Tensor, temperature: float) -> torch.Tensor:
    """``T^2 * KL(teacher_T || student_T)`` averaged over sentences, where ``x_T`` is the
    distribution sharpened or softened by temperature ``T`` (the teacher's probabilities
    raised to ``1/T`` and renormalised, which equals its logits divided by ``T``)."""
    import torch.nn.functional as F

    teacher = (teacher_probs.clamp_min(1e-8).log() / temperature).log_softmax(-1)
    student = (logits.float() / temperature).log_softmax(-1)
    return temperature**2 * F.kl_div(student, teacher.float(), log_target=True, reduction="batchmean")


__all__ = ["attach_soft_labels", "distillation_loss", "read_soft_labels", "soft_labels", "write_soft_labels"]
