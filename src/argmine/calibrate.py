"""Calibration: a per-class logit bias that fits a head's decisions to real class shares.

A model trained on EscalationNews (about half of its sentences take a side, and the
loss weights classes by inverse frequency) learns a prior that real news does not
have: in real reports most sentences take no side. Adding a bias ``b`` to the logits
(``softmax(z + b)``) moves the decision to another prior without retraining. The bias
is fitted on the project's own validation split; real text enters only through the
*class shares* to aim at (a few numbers given in the config), never through its rows.

Methods (``calibration`` in the training config):

* ``none``: no bias;
* ``prior-shift``: the Bayes correction for a change of prior,
  ``b = log(target share) - log(training prior)``, where the training prior is the
  class shares of the training split times the loss's class weights;
* ``fit-nll``: the bias that minimises cross-entropy on the validation split with
  every row reweighted so the classes have the target shares (a convex fit);
* ``fit-f1``: the bias that maximises macro-F1 on that reweighted validation split
  (coordinate search on a grid).

Example:
    >>> import numpy as np
    >>> from argmine.calibrate import prior_shift_bias
    >>> np.round(prior_shift_bias([0.25, 0.25, 0.5], [0.1, 0.2, 0.7]), 3).tolist()
    [-0.916, -0.223, 0.336]
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Literal, get_args

import numpy as np

__all__ = [
    "CALIBRATIONS", "Calibration", "class_weights", "fit_logit_bias", "fit_model_bias", "prior_shift_bias",
    "reweighting", "target_vector",
]

Calibration = Literal["none", "prior-shift", "fit-nll", "fit-f1"]
CALIBRATIONS: tuple[str, ...] = get_args(Calibration)
ClassWeighting = Literal["inverse", "sqrt", "none"]
CLASS_WEIGHTINGS: tuple[str, ...] = get_args(ClassWeighting)


def class_weights(counts: Sequence[int], weighting: str) -> np.ndarray:
    """Loss weights per class from training counts, normalised to mean 1 over present classes.

    ``inverse`` weighs each class by 1/count (every class counts the same in the loss),
    ``sqrt`` by 1/sqrt(count) (milder), ``none`` by 1.

    Example:
        >>> class_weights([100, 300], "inverse").round(2).tolist()
        [1.5, 0.5]
    """
    counts = np.asarray(counts, dtype=np.float64)
    power = {"inverse": 1.0, "sqrt": 0.5, "none": 0.0}[weighting]
    present = counts > 0
    weights = np.where(present, np.maximum(counts, 1.0) ** -power, 0.0)
    return weights / weights[present].mean() if present.any() else np.ones_like(counts)


def prior_shift_bias(train_prior: Sequence[float], target: Sequence[float]) -> np.ndarray:
    """``log(target) - log(train_prior)``: move a posterior from one class prior to another."""
    train_prior = np.asarray(train_prior, dtype=np.float64)
    target = np.asarray(target, dtype=np.float64)
    return np.log(target / target.sum()) - np.log(train_prior / train_prior.sum())


def target_vector(shares: Mapping[str, float], labels: Sequence[str]) -> np.ndarray:
    """Target shares in label order; every label must be given a share > 0.

    Example:
        >>> target_vector({"con": 1, "pro": 1, "neutral": 2}, ["pro", "con", "neutral"]).tolist()
        [0.25, 0.25, 0.5]
    """
    missing = [x for x in labels if x not in shares]
    unknown = [x for x in shares if x not in labels]
    if missing or unknown:
        raise ValueError(f"calibration shares need exactly the labels {', '.join(labels)}; "
                         f"missing {missing}, unknown {unknown}")
    vector = np.asarray([float(shares[x]) for x in labels])
    if (vector <= 0).any():
        raise ValueError(f"calibration shares must be > 0, got {dict(shares)}")
    return vector / vector.sum()


def reweighting(gold: np.ndarray, target: np.ndarray) -> np.ndarray:
    """Row weights that give the classes of ``gold`` (indices) the ``target`` shares."""
    counts = np.bincount(gold, minlength=len(target)).astype(np.float64)
    per_class = np.where(counts > 0, target / np.maximum(counts, 1.0), 0.0)
    return per_class[gold] * len(gold)


def _softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def _fit_nll(logits: np.ndarray, gold: np.ndarray, weights: np.ndarray, steps: int = 2000) -> np.ndarray:
    onehot = np.eye(logits.shape[1])[gold]
    bias = np.zeros(logits.shape[1])
    total = weights.sum()
    for _ in range(steps):  # convex in the bias: plain gradient descent converges
        grad = (weights[:, None] * (_softmax(logits + bias) - onehot)).sum(0) / total
        bias -= 2.0 * grad
        if np.abs(grad).max() < 1e-7:
            break
    return bias - bias.mean()


def _fit_f1(logits: np.ndarray, gold: np.ndarray, weights: np.ndarray, start: np.ndarray) -> np.ndarray:
    from sklearn.metrics import f1_score

    labels = list(range(logits.shape[1]))

    def macro_f1(bias: np.ndarray) -> float:
        predicted = (logits + bias).argmax(1)
        return f1_score(gold, predicted, labels=labels, average="macro", sample_weight=weights, zero_division=0)

    bias = start.copy()
    best = macro_f1(bias)
    grid = np.arange(-3.0, 3.0001, 0.1)
    for _ in range(4):  # coordinate search; the last class stays the reference
        improved = False
        for c in labels[:-1]:
            for value in bias[c] + grid:
                trial = bias.copy()
                trial[c] = value
                f1 = macro_f1(trial)
                if f1 > best + 1e-9:
                    best, bias, improved = f1, trial, True
        if not improved:
            break
    return bias - bias.mean()


def fit_logit_bias(
    method: str,
    log_probs: np.ndarray,
    gold: np.ndarray,
    target: np.ndarray,
    train_prior: np.ndarray,
) -> np.ndarray:
    """Fit the logit bias of one head.

    Args:
        method: one of :data:`CALIBRATIONS`.
        log_probs: ``(n, classes)`` uncalibrated log-probabilities (or logits) on the
            validation split.
        gold: ``(n,)`` gold class indices of those rows (masked rows removed).
        target: class shares to aim at (sums to 1).
        train_prior: the prior the model was trained towards (class shares of the
            training split times the class weights of the loss).

    Returns:
        The bias, one value per class (mean 0).

    Example:
        >>> fit_logit_bias("none", np.zeros((2, 3)), np.array([0, 2]), np.ones(3) / 3, np.ones(3) / 3).tolist()
        [0.0, 0.0, 0.0]
    """
    if method not in CALIBRATIONS:
        raise ValueError(f"calibration {method!r} is not one of {', '.join(CALIBRATIONS)}")
    k = log_probs.shape[1]
    if method == "none":
        return np.zeros(k)
    shift = prior_shift_bias(train_prior, target)
    if method == "prior-shift":
        return shift - shift.mean()
    if len(gold) == 0:
        raise ValueError(f"calibration {method!r} needs labelled validation rows")
    weights = reweighting(gold, target)
    if method == "fit-nll":
        return _fit_nll(log_probs, gold, weights)
    return _fit_f1(log_probs, gold, weights, start=shift - shift.mean())


def fit_model_bias(
    predictor, records: Sequence[dict], method: str, shares: Mapping[str, Mapping[str, float]]
) -> dict[str, list[float]]:
    """Fit the logit bias of each head named in ``shares`` on annotated ``records``.

    Args:
        predictor: a :class:`~argmine.predict.Predictor` giving *uncalibrated* scores
            (``calibrated=False``); its ``config.train_prior`` is the training prior.
        records: annotated sentences (the validation split), read article by article.
        method: one of :data:`CALIBRATIONS`.
        shares: per head, the class shares to aim at (``{"stance": {"pro": 0.13, ...}}``).

    Returns:
        ``{head: bias}``, ready for :attr:`argmine.model.ArgmineConfig.logit_bias`.

    Example:
        >>> fit_model_bias(predictor, validation_rows, "fit-nll", {"stance": shares})  # doctest: +SKIP
    """
    from argmine.evaluate import record_scores

    ordered, scores = record_scores(predictor, records)
    out = {}
    for head, head_shares in shares.items():
        labels = list(predictor.labels[head])
        keep = [i for i, r in enumerate(ordered) if r[head] is not None]
        log_probs = np.log(np.stack([getattr(scores[i], head) for i in keep]) + 1e-12)
        gold = np.asarray([labels.index(ordered[i][head]) for i in keep], dtype=np.int64)
        prior = predictor.config.train_prior.get(head) or [1.0 / len(labels)] * len(labels)
        bias = fit_logit_bias(method, log_probs, gold, target_vector(head_shares, labels), np.asarray(prior))
        out[head] = [round(float(x), 6) for x in bias]
    return out
