"""The shipped EscalationNews corpus meets the rules and numbers it promises (DATASHEET.md)."""

from __future__ import annotations

from pathlib import Path

import pytest

from argmine.cli import main
from argmine.data import check_corpus

CORPUS = Path(__file__).resolve().parents[1] / "data" / "escalation-news"


@pytest.fixture(scope="module")
def report():
    return check_corpus(CORPUS)


def _share(report, head, label):
    total = sum(report.counts["split_label"][(s, head, label)] for s in report.counts["split_sentences"])
    return total / report.n_sentences


def test_corpus_is_valid(report):
    assert report.ok, report.problems
    assert report.n_articles >= 160 and report.n_sentences >= 3200


def test_breadth_and_russia_ukraine(report):
    conflicts = report.counts["conflict_articles"]
    assert len(conflicts) >= 16
    ru = conflicts["russia-ukraine"]
    assert ru == max(conflicts.values()) and ru / report.n_articles >= 0.12
    assert report.counts["conflict_splits"]["russia-ukraine"] == {"train", "validation", "test"}
    ood = [c for c, s in report.counts["conflict_splits"].items() if s == {"test_ood"}]
    assert len(ood) >= 3


def test_genres(report):
    genres = report.counts["genre_articles"]
    assert set(genres) == {"wire", "analysis", "opinion", "statement", "liveblog", "report", "factcheck", "explainer"}
    for genre in ("wire", "analysis", "opinion", "statement", "liveblog", "report"):
        assert genres[genre] / report.n_articles >= 0.10, genres


@pytest.mark.parametrize(
    ("head", "label", "low", "high"),
    [("role", "claim", 0.25, 0.40), ("role", "evidence", 0.30, 0.45), ("role", "warning", 0.10, 0.20),
     ("role", "none", 0.10, 0.20), ("stance", "pro", 0.15, 0.25), ("stance", "con", 0.18, 0.28),
     ("stance", "neutral", 0.55, 0.65)],
)
def test_label_balance(report, head, label, low, high):
    assert low <= _share(report, head, label) <= high


def test_splits_by_article_about_70_15_15(report):
    arts = report.counts["split_articles"]
    in_domain = arts["train"] + arts["validation"] + arts["test"]
    assert 0.6 <= arts["train"] / in_domain <= 0.8
    assert arts["validation"] >= 15 and arts["test"] >= 15


def test_no_leaked_near_copies_beyond_stock_phrases(report):
    from argmine.data import read_records

    text = {f"{r['article_id']}/{r['sentence_id']}": r["text"] for r in read_records(CORPUS)}
    long_copies = [(a, b) for a, b, _ in report.near_duplicates if len(text[a].split()) > 8]
    assert not long_copies, [(text[a], text[b]) for a, b in long_copies]


def test_validate_data_command_prints_the_table(capsys):
    assert main(["validate-data", str(CORPUS)]) == 0
    out = capsys.readouterr().out
    assert "test_ood" in out and "russia-ukraine" in out and "valid: 0 problem(s)" in out


def _wave3(records):
    return [r for r in records if int(r["article_id"].split("-")[0][1:]) >= 15]


def test_wave3_reads_like_real_news():
    """Wave 3 (batches h15-h21): >= 150 articles, >= 3,500 sentences, 8+ new conflicts, mostly neutral."""
    from argmine.data import read_records

    records = read_records(CORPUS)
    wave3 = _wave3(records)
    assert len({r["article_id"] for r in wave3}) >= 150 and len(wave3) >= 3500
    older = {r["conflict"] for r in records if r not in wave3}
    assert len({r["conflict"] for r in wave3} - older) >= 8
    neutral = sum(r["stance"] == "neutral" for r in wave3) / len(wave3)
    assert 0.65 <= neutral <= 0.80
    reports = [r for r in wave3 if r["genre"] in ("report", "wire")]
    assert 0.68 <= sum(r["stance"] == "neutral" for r in reports) / len(reports) <= 0.82
