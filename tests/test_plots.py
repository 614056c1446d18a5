"""Evaluation pictures: reliability numbers, and the PNGs evaluate writes."""

from __future__ import annotations

import json

import pytest

from argmine.cli import main
from argmine.plots import plot_training_curves, reliability


def test_reliability_bins_accuracy_and_ece():
    rel = reliability(["a", "a", "b", None, "b"], ["a", "b", "b", "a", "b"], [0.95, 0.92, 0.55, 0.99, 0.6],
                      n_bins=5)
    assert rel["count"] == [0, 0, 2, 0, 2]  # the None row is left out
    assert rel["accuracy"][4] == 0.5 and rel["confidence"][4] == pytest.approx(0.935)
    assert rel["accuracy"][2] == 1.0
    # ECE: half the rows off by |0.5 - 0.935|, half by |1.0 - 0.575|
    assert rel["ece"] == pytest.approx(0.5 * 0.435 + 0.5 * 0.425)


def test_evaluate_writes_every_picture_next_to_the_metrics(tmp_path, model_dir, mini_corpus):
    report = tmp_path / "report"
    assert main(["-q", "evaluate", "--model", str(model_dir), "--data", str(mini_corpus),
                 "--report-dir", str(report)]) == 0
    for head in ("role", "stance"):
        for kind in ("confusion", "per_class", "reliability"):
            png = report / f"{kind}_{head}.png"
            assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", png
    metrics = json.loads((report / "metrics.json").read_text())
    assert sum(metrics["stance"]["reliability"]["count"]) == metrics["stance"]["support"]


def test_training_curves_need_a_history(tmp_path):
    assert plot_training_curves([], "x", tmp_path / "c.png") is None
    history = [{"loss": 1.2, "epoch": 1.0}, {"eval_loss": 1.0, "eval_role_macro_f1": 0.4,
                                             "eval_stance_macro_f1": 0.3, "epoch": 1.0}]
    assert plot_training_curves(history, "x", tmp_path / "c.png").read_bytes()[:4] == b"\x89PNG"
