"""Tests of argmine.predict: the Miner API (analyze, analyze_batch), precision, cache."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch

import argmine
from argmine.cli import main
from argmine.data import group_articles, read_records
from argmine.labels import ROLES, STANCES
from argmine.predict import (
    ArticleAnalysis,
    ArticleSummary,
    Miner,
    Predictor,
    SentencePrediction,
    auto_precision,
    load,
)
from argmine.segment import split_sentences
from argmine.training import pair_examples

SAMPLE = Path(__file__).parents[1] / "data" / "samples" / "strait-standoff.txt"
ARTICLE = (
    "Navy shadows patrol boats near island chain\n\n"
    "Three patrol boats crossed into the zone on Sunday, the coast guard said. "
    "The minister argued that the navy should fire warning shots. "
    "Officials warned that any shot would be an act of war.\n"
    "(Photo: Ana Ruiz / Harbour Press)\n"
)


@pytest.fixture(scope="module")
def miner(model_dir) -> Miner:
    return load(model_dir, device="cpu", precision="fp32")


def test_quickstart_as_in_readme(model_dir):
    miner = argmine.load(model_dir)
    art = miner.analyze(ARTICLE, doc_id="a1")
    assert isinstance(art, argmine.ArticleAnalysis)
    assert isinstance(art.sentences[0], argmine.SentencePrediction)
    assert art.doc_id == "a1"
    assert miner.precision == auto_precision(torch.device("cpu"))[0]


def test_analyze_labels_every_sentence_with_offsets(miner):
    art = miner.analyze(ARTICLE)
    spans = split_sentences(ARTICLE)
    assert [s.text for s in art.sentences] == [s.text for s in spans]
    for s in art.sentences:
        assert ARTICLE[s.start : s.end] == s.text
        assert s.role in ROLES and s.stance in STANCES
        assert list(s.role_scores) == list(ROLES) and list(s.stance_scores) == list(STANCES)
        assert sum(s.role_scores.values()) == pytest.approx(1.0, abs=1e-5)
        assert s.role_score == max(s.role_scores.values())
        assert s.stance_score == s.stance_scores[s.stance]
        assert s.truncated is False


@pytest.mark.parametrize("text", ["", "   \n\t "])
def test_analyze_empty_text_gives_empty_analysis(miner, text):
    art = miner.analyze(text)
    assert art.sentences == []
    assert art.summary.n_sentences == 0
    assert art.summary.escalation_balance == 0.0


def test_analyze_rejects_non_text(miner):
    with pytest.raises(ValueError, match="text 0 is a int, not a str"):
        miner.analyze_batch([3])


def test_context_is_built_as_for_training(miner, mini_corpus):
    """The Miner feeds the model the same (sentence, context) pairs as training does."""
    rows = next(a for a in group_articles(read_records(mini_corpus)) if a[0]["article_id"] == "f-001")
    text = "\n\n".join(r["text"] for r in rows)
    art = miner.analyze(text)
    assert [s.text for s in art.sentences] == [r["text"] for r in rows]
    inputs = miner.predictor.preprocess([s.text for s in art.sentences])
    trained_on = [(e["text"], e["context"]) for e in pair_examples([rows], miner.config.context)]
    assert [inputs.inputs[k] for k in inputs.keys] == trained_on


@pytest.fixture(params=["pair", "hierarchical"])
def any_miner(request, model_dir, hier_model_dir) -> Miner:
    return load(model_dir if request.param == "pair" else hier_model_dir, device="cpu", precision="fp32")


def test_repeated_encoder_input_computed_once(any_miner, monkeypatch):
    seen: list[int] = []
    real = any_miner.predictor._encode

    def spy(pending, *args, **kwargs):
        seen.append(len(pending))
        return real(pending, *args, **kwargs)

    monkeypatch.setattr(any_miner.predictor, "_encode", spy)
    any_miner.clear_cache()
    arts = any_miner.analyze_batch([ARTICLE, ARTICLE, ARTICLE], show_progress_bar=False)
    assert seen == [len(split_sentences(ARTICLE))]
    assert arts[0] == arts[2]
    any_miner.analyze(ARTICLE)  # all cached now
    assert seen == [len(split_sentences(ARTICLE))]


def test_analyze_batch_matches_analyze_for_both_architectures(any_miner):
    texts = [ARTICLE, "", SAMPLE.read_text(encoding="utf-8")]
    arts = any_miner.analyze_batch(texts, batch_size=5, show_progress_bar=False)
    for text, batched in zip(texts, arts):
        any_miner.clear_cache()
        single = any_miner.analyze(text)
        assert [s.stance for s in single.sentences] == [s.stance for s in batched.sentences]
        np.testing.assert_allclose([s.stance_score for s in single.sentences],
                                   [s.stance_score for s in batched.sentences], atol=1e-5)


def test_hierarchical_long_article_is_read_in_windows(hier_model_dir):
    """Windows of 4 sentences overlapping by 2: every sentence gets one prediction, taken
    from the window where it sits farthest from a cut, and the result is what a model
    with one big window gives for a short article."""
    miner = load(hier_model_dir, device="cpu", precision="fp32")
    sample = SAMPLE.read_text(encoding="utf-8")
    art = miner.analyze(sample)
    assert len(art.sentences) == len(split_sentences(sample)) > 4
    for s in art.sentences:
        assert sum(s.stance_scores.values()) == pytest.approx(1.0, abs=1e-5)
    short = "Border clash\n\nTroops crossed. Talks went on."
    windowed = miner.analyze(short)
    assert len(windowed.sentences) == 3  # fits in one window: read as a whole
    miner.predictor.config.max_sentences = 64
    miner.clear_cache()
    assert miner.analyze(short) == windowed


def test_logit_bias_shifts_the_decision(model_dir):
    calibrated = load(model_dir, device="cpu", precision="fp32")
    calibrated.predictor.bias["stance"] = np.array([0.0, 0.0, 50.0], dtype=np.float32)
    assert {s.stance for s in calibrated.analyze(ARTICLE).sentences} == {"neutral"}
    raw = Predictor.from_pretrained(model_dir, device="cpu", precision="fp32", calibrated=False)
    assert not raw.bias["stance"].any()


def test_long_sentence_is_flagged_truncated(miner):
    long = "The army said " + "the missile strike was reported on monday " * 20 + "today."
    art = miner.analyze("Border clash\n\n" + long + " Talks went on.")
    flags = {s.text[:14]: s.truncated for s in art.sentences}
    assert flags["The army said "] is True
    assert flags["Border clash"] is False
    assert flags["Talks went on."] is False


@pytest.mark.parametrize("precision", ["bf16", "int8"])
def test_lower_precision_is_close_to_fp32(model_dir, miner, precision):
    other = load(model_dir, device="cpu", precision=precision)
    assert other.precision == precision
    a = miner.analyze(ARTICLE).sentences
    b = other.analyze(ARTICLE).sentences
    np.testing.assert_allclose(
        [s.role_scores["claim"] for s in a], [s.role_scores["claim"] for s in b], atol=0.03
    )


def test_unknown_precision_is_an_error(model_dir):
    with pytest.raises(ValueError, match="precision 'fp8' is not one of auto, fp32, bf16, fp16, int8"):
        load(model_dir, precision="fp8")
    with pytest.raises(ValueError, match="precision 'fp16' runs on CUDA only"):
        load(model_dir, device="cpu", precision="fp16")


@pytest.mark.parametrize(
    ("amx", "avx512_bf16", "expected"),
    [(True, True, "bf16"), (False, True, "bf16"), (False, False, "fp32")],
)
def test_auto_precision_follows_cpu_capabilities(monkeypatch, amx, avx512_bf16, expected):
    monkeypatch.setattr(torch.cpu, "_is_amx_tile_supported", lambda: amx)
    monkeypatch.setattr(torch.cpu, "_is_avx512_bf16_supported", lambda: avx512_bf16)
    monkeypatch.setattr(torch.backends.cpu, "get_cpu_capability", lambda: "AVX2")
    precision, reason = auto_precision(torch.device("cpu"))
    assert precision == expected
    assert ("slower than fp32" in reason) == (expected == "fp32")


@pytest.mark.parametrize(("bf16", "expected"), [(True, "bf16"), (False, "fp16")])
def test_auto_precision_on_cuda(monkeypatch, bf16, expected):
    monkeypatch.setattr(torch.cuda, "is_bf16_supported", lambda *a, **k: bf16)
    assert auto_precision(torch.device("cuda"))[0] == expected


def test_auto_precision_is_logged_and_stored(model_dir, monkeypatch, caplog):
    monkeypatch.setattr(torch.cpu, "_is_amx_tile_supported", lambda: False)
    monkeypatch.setattr(torch.cpu, "_is_avx512_bf16_supported", lambda: False)
    with caplog.at_level("INFO", logger="argmine.predict"):
        miner = load(model_dir, device="cpu")
    assert miner.precision == "fp32" and "without bf16" in miner.predictor.precision_reason
    assert "precision fp32" in caplog.text


def test_load_missing_folder_says_what_is_wrong(tmp_path):
    with pytest.raises(FileNotFoundError, match="is this an argmine model folder"):
        load(tmp_path)


def test_predictor_leaves_callers_model_in_fp32(tiny_model, model_dir):
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(model_dir)
    Predictor(tiny_model, tokenizer, device="cpu", precision="bf16")
    assert next(tiny_model.parameters()).dtype.is_floating_point
    assert str(next(tiny_model.parameters()).dtype) == "torch.float32"


def test_predict_articles_contract(miner):
    scores = miner.predictor.predict_articles([["Border clash", "Troops crossed."], [], ["Talks went on."]])
    assert [len(a) for a in scores] == [2, 0, 1]
    first = scores[0][1]
    assert first.role.shape == (4,) and first.stance.shape == (3,)
    assert first.role.dtype == np.float32 and first.truncated is False
    assert miner.predictor.predict_articles([]) == []


def test_analyze_batch_refuses_one_string(miner):
    with pytest.raises(TypeError, match="takes a list of articles, got one str"):
        miner.analyze_batch("Troops crossed. The navy fired.")


def test_to_dict_from_dict_round_trip(miner):
    art = miner.analyze(ARTICLE, doc_id="a1")
    data = json.loads(json.dumps(art.to_dict()))
    assert data["summary"]["n_sentences"] == len(art.sentences)
    again = ArticleAnalysis.from_dict(data)
    assert again == art
    assert again.summary == art.summary


def test_escalation_balance_formula():
    def sent(role, stance):
        return SentencePrediction("x", 0, 1, role, 1.0, stance, 1.0)

    art = ArticleAnalysis("a", [sent("claim", "pro"), sent("claim", "pro"), sent("warning", "con"),
                                 sent("evidence", "neutral"), sent("none", "pro")])
    summary = art.summary
    assert summary.role_counts == {"claim": 2, "evidence": 1, "warning": 1, "none": 1}
    assert summary.stance_counts == {"pro": 3, "con": 1, "neutral": 1}
    assert summary.escalation_balance == pytest.approx(1 / 3)  # the 'none' sentence is left out
    assert ArticleSummary.from_labels([("evidence", "neutral")]).escalation_balance == 0.0


def test_cli_analyze_table_and_json(model_dir, capsys):
    assert main(["analyze", "--model", str(model_dir), "--precision", "fp32", str(SAMPLE)]) == 0
    table = capsys.readouterr().out
    assert "strait-standoff.txt" in table and "escalation balance" in table
    assert "Navies trade warnings" in table
    assert main(["analyze", "--model", str(model_dir), "--json", str(SAMPLE)]) == 0
    data = json.loads(capsys.readouterr().out.splitlines()[0])
    assert len(data["sentences"]) == len(split_sentences(SAMPLE.read_text(encoding="utf-8")))


def test_cli_analyze_table_passes_no_terminal_control_codes(model_dir, tmp_path, capsys):
    article = tmp_path / "escape.txt"
    article.write_text("Border talks\x1b[2J\x1b]0;title\x07 resume. Envoys met\x9b31m today.")
    assert main(["analyze", "--model", str(model_dir), "--precision", "fp32", str(article)]) == 0
    table = capsys.readouterr().out
    assert "Border talks" in table and "Envoys met" in table
    assert not any(ch in table for ch in "\x1b\x07\x9b")
