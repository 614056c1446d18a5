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


def test_genres_each_at_least_ten_percent(report):
    genres = report.counts["genre_articles"]
    assert set(genres) == {"wire", "analysis", "opinion", "statement", "liveblog"}
    assert all(n / report.n_articles >= 0.10 for n in genres.values()), genres


@pytest.mark.parametrize(
    ("head", "label", "low", "high"),
    [("role", "claim", 0.25, 0.35), ("role", "evidence", 0.30, 0.40), ("role", "warning", 0.12, 0.20),
     ("role", "none", 0.10, 0.18), ("stance", "pro", 0.22, 0.32), ("stance", "con", 0.22, 0.32)],
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
