"""Tests of argmine.calibrate: class weights, prior shift and fitted logit biases."""

from __future__ import annotations

import numpy as np
import pytest

from argmine.calibrate import (
    class_weights,
    fit_logit_bias,
    prior_shift_bias,
    reweighting,
    target_vector,
)


def test_class_weights():
    np.testing.assert_allclose(class_weights([100, 300], "inverse"), [1.5, 0.5])
    np.testing.assert_allclose(class_weights([100, 400], "sqrt"), [4 / 3, 2 / 3])
    np.testing.assert_allclose(class_weights([100, 400], "none"), [1.0, 1.0])
    np.testing.assert_allclose(class_weights([0, 100, 300], "inverse"), [0.0, 1.5, 0.5])


def test_prior_shift_moves_a_uniform_posterior_to_the_target():
    bias = prior_shift_bias([1 / 3] * 3, [0.1, 0.2, 0.7])
    probs = np.exp(bias) / np.exp(bias).sum()
    np.testing.assert_allclose(probs, [0.1, 0.2, 0.7])


def test_reweighting_gives_target_shares():
    gold = np.array([0, 0, 0, 1, 2, 2])
    weights = reweighting(gold, np.array([0.2, 0.3, 0.5]))
    shares = [weights[gold == c].sum() / weights.sum() for c in range(3)]
    np.testing.assert_allclose(shares, [0.2, 0.3, 0.5])


def _synthetic(n=3000, seed=0):
    """A model trained on balanced classes: scores are right, but its prior is uniform."""
    rng = np.random.default_rng(seed)
    gold = rng.choice(3, size=n, p=[1 / 3] * 3)
    logits = rng.normal(size=(n, 3)) * 1.0
    logits[np.arange(n), gold] += 1.5
    return logits, gold


@pytest.mark.parametrize("method", ["prior-shift", "fit-nll", "fit-f1"])
def test_calibration_moves_decisions_towards_a_rare_class_prior(method):
    logits, gold = _synthetic()
    target = np.array([0.07, 0.13, 0.80])
    bias = fit_logit_bias(method, logits, gold, target, train_prior=np.ones(3) / 3)
    assert bias.shape == (3,) and abs(bias.mean()) < 1e-9
    before = np.bincount(logits.argmax(1), minlength=3) / len(gold)
    after = np.bincount((logits + bias).argmax(1), minlength=3) / len(gold)
    assert after[2] > before[2] + 0.1  # more neutral decisions
    assert bias[2] > bias[0] and bias[2] > bias[1]


def test_fit_nll_recovers_the_prior_shift_on_well_specified_data():
    logits, gold = _synthetic(n=20000, seed=1)
    target = np.array([0.1, 0.2, 0.7])
    fitted = fit_logit_bias("fit-nll", logits, gold, target, np.ones(3) / 3)
    shift = fit_logit_bias("prior-shift", logits, gold, target, np.ones(3) / 3)
    np.testing.assert_allclose(fitted, shift, atol=0.15)


def test_none_and_errors():
    assert not fit_logit_bias("none", np.zeros((2, 3)), np.array([0, 1]), np.ones(3) / 3, np.ones(3) / 3).any()
    with pytest.raises(ValueError, match="calibration 'magic' is not one of none"):
        fit_logit_bias("magic", np.zeros((2, 3)), np.array([0, 1]), np.ones(3) / 3, np.ones(3) / 3)
    with pytest.raises(ValueError, match="missing \\['neutral'\\]"):
        target_vector({"pro": 1, "con": 1}, ["pro", "con", "neutral"])
    with pytest.raises(ValueError, match="must be > 0"):
        target_vector({"pro": 0, "con": 1, "neutral": 1}, ["pro", "con", "neutral"])
