"""Tests of argmine.realdev: scoring a model on a realdev-style folder of real articles.

The folder here is a fake one written for these tests (no real article text); when
the shared scorer sits beside the project, our scores must equal its scores.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from argmine.cli import main
from argmine.predict import load_predictor
from argmine.realdev import evaluate_realdev, match, score_predictions

SHARED_SCORER = Path(__file__).resolve().parents[2] / "shared" / "realdev" / "score.py"

ARTICLES = {
    "x01": "Navy shadows patrol boats\n\nThree boats crossed the line on Sunday. "
           "The minister argued that the navy should fire warning shots.\n\n(Photo: A. Ruiz / Harbour Press)\n",
    "x02": "Talks resume\n\nThe envoy said both sides would meet next week. Officials warned that one shot "
           "would be an act of war.\n",
}
LABELS = {
    "x01": [("evidence", "neutral", []), ("evidence", "neutral", []), ("claim", "pro", ["stance"]),
            ("none", "neutral", [])],
    "x02": [("evidence", "neutral", []), ("evidence", "con", ["role"]), ("warning", "con", [])],
}


@pytest.fixture
def fake_realdev(tmp_path) -> Path:
    from argmine.segment import split_sentences

    (tmp_path / "articles").mkdir()
    gold = []
    for doc_id, text in ARTICLES.items():
        (tmp_path / "articles" / f"{doc_id}.txt").write_text(text, encoding="utf-8")
        for i, (span, (role, stance, amb)) in enumerate(zip(split_sentences(text), LABELS[doc_id], strict=True)):
            gold.append({"article_id": doc_id, "sentence_id": i, "text": span.text, "start": span.start,
                         "end": span.end, "role": role, "stance": stance, "ambiguous": amb})
    (tmp_path / "gold.jsonl").write_text("".join(json.dumps(g) + "\n" for g in gold), encoding="utf-8")
    return tmp_path


def test_match_takes_the_largest_overlap_and_marks_misses():
    gold = [{"article_id": "a", "start": 0, "end": 10}, {"article_id": "b", "start": 0, "end": 5}]
    pred = [{"doc_id": "a", "start": 0, "end": 3}, {"doc_id": "a", "start": 3, "end": 20}]
    assert match(gold, pred) == [pred[1], None]


def test_scores_are_strict_and_macro_over_gold_classes(fake_realdev):
    gold = [json.loads(x) for x in (fake_realdev / "gold.jsonl").read_text().splitlines()]
    perfect = [{"doc_id": g["article_id"], "start": g["start"], "end": g["end"],
                "role": g["role"], "stance": g["stance"]} for g in gold]
    scores = score_predictions(gold, perfect)
    assert scores["role"]["macro_f1"] == 1.0 and scores["stance"]["macro_f1"] == 1.0
    assert scores["stance"]["n"] == 6 and scores["role"]["n"] == 6  # ambiguous labels left out
    assert set(scores["stance"]["per_class"]) == {"con", "neutral"}  # pro is only ambiguous
    wrong = [dict(p, stance="pro") for p in perfect]
    assert score_predictions(gold, wrong)["stance"]["macro_f1"] == 0.0


def test_model_scores_equal_the_shared_scorer(fake_realdev, model_dir, tmp_path):
    ours = evaluate_realdev(load_predictor(model_dir), fake_realdev)
    assert ours["segments"] == 7 and ours["unmatched"] == 0
    if not SHARED_SCORER.exists():
        pytest.skip("../shared/realdev/score.py is not beside the project")
    pred = tmp_path / "pred.jsonl"
    pred.write_text("".join(json.dumps(p) + "\n" for p in ours["predictions"]))
    out = subprocess.run([sys.executable, str(SHARED_SCORER), str(pred), "--gold", str(fake_realdev / "gold.jsonl")],
                         capture_output=True, text=True, check=True).stdout
    theirs = json.loads(out.strip().splitlines()[-1])
    for head in ("role", "stance"):
        assert round(ours[head]["macro_f1"], 4) == theirs[head]["macro_f1"]
        assert round(ours[head]["accuracy"], 4) == theirs[head]["accuracy"]
        assert ours[head]["confusion"] == theirs[head]["confusion"]


def test_cli_evaluate_realdev(fake_realdev, model_dir, tmp_path, capsys):
    report = tmp_path / "report"
    assert main(["evaluate", "--model", str(model_dir), "--realdev", str(fake_realdev),
                 "--report-dir", str(report)]) == 0
    out = capsys.readouterr().out
    assert "7 gold segments" in out and "== stance: macro-F1" in out
    assert (report / "realdev_metrics.json").exists()
    assert len((report / "realdev_predictions.jsonl").read_text().splitlines()) == 7


def test_cli_evaluate_needs_data_or_realdev(model_dir, capsys):
    assert main(["evaluate", "--model", str(model_dir)]) == 2
    assert "give --data FILE" in capsys.readouterr().err


def test_missing_gold_says_what_a_realdev_folder_holds(tmp_path, model_dir):
    with pytest.raises(FileNotFoundError, match="a realdev folder holds articles/ and gold.jsonl"):
        evaluate_realdev(load_predictor(model_dir), tmp_path)


def test_baseline_scores_on_realdev(fake_realdev, tmp_path, mini_corpus):
    from argmine.baseline import TfidfBaseline
    from argmine.data import read_records

    baseline = TfidfBaseline().fit(read_records(mini_corpus))
    scores = evaluate_realdev(baseline, fake_realdev)
    assert scores["segments"] == 7 and 0.0 <= scores["stance"]["macro_f1"] <= 1.0
