from __future__ import annotations

import json

import pytest

from argmine.data import DataError, check_corpus, group_articles, load_dataset_dict, read_records


def _write(tmp_path, rows, name="x.jsonl"):
    path = tmp_path / name
    lines = [r if isinstance(r, str) else json.dumps(r) for r in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _row(**kw):
    row = {"article_id": "a1", "sentence_id": 0, "text": "Troops crossed.", "role": "evidence",
           "stance": "neutral", "split": "train", "conflict": "c", "genre": "wire"}
    row.update(kw)
    return row


def test_fixture_corpus_loads_by_split(mini_corpus):
    dsd = load_dataset_dict(mini_corpus)
    assert set(dsd) == {"train", "validation", "test", "test_ood"}
    assert sum(len(d) for d in dsd.values()) == 27
    first, second = dsd["train"][0], dsd["train"][1]
    assert (first["article_id"], first["sentence_id"]) == (second["article_id"], 0)
    assert second["sentence_id"] == 1


@pytest.mark.parametrize(
    ("rows", "match"),
    [
        (['{"article_id": "a1", '], r"x\.jsonl line 1: not valid JSON"),
        ([_row(), {k: v for k, v in _row(sentence_id=1).items() if k != "text"}],
         r"x\.jsonl line 2: text: missing"),
        ([_row(role="Claim")], r"line 1: role: role 'Claim' is not one of claim, evidence, warning, none"),
        ([_row(stance="against")], r"line 1: stance: stance 'against' is not one of pro, con, neutral"),
        ([_row(), _row()], r"line 2: sentence_id: duplicate \(article_id, sentence_id\) \('a1', 0\)"),
        ([_row(sentence_id="3")], r"line 1: sentence_id: must be an integer >= 0, got '3'"),
        ([_row(sentence_id=True)], r"sentence_id: must be an integer"),
        ([_row(text="  ")], r"line 1: text: must be a non-empty string"),
        ([_row(split="dev")], r"line 1: split: 'dev' is not one of train, validation, test, test_ood"),
        ([_row(role="none", stance="pro")], r"stance: a 'none' sentence must be 'neutral'"),
        ([_row(ambiguous="role")], r"ambiguous: must be a list"),
        (["[1, 2]"], r"line 1: expected a JSON object, got list"),
        ([_row(genre=3)], r"line 1: genre: must be a string, got 3"),
    ],
)
def test_bad_rows_name_file_line_and_field(tmp_path, rows, match):
    path = _write(tmp_path, rows)
    with pytest.raises(DataError, match=match):
        read_records(path)


def test_missing_labels_allowed_when_asked(tmp_path):
    path = _write(tmp_path, [_row(role=None), {k: v for k, v in _row(sentence_id=1).items()
                                               if k != "stance"}])
    with pytest.raises(DataError, match="role"):
        read_records(path)
    rows = read_records(path, require_labels=False)
    assert rows[0]["role"] is None and rows[1]["stance"] is None


def test_missing_path_and_empty_folder(tmp_path):
    with pytest.raises(DataError, match="no such file"):
        read_records(tmp_path / "nope.jsonl")
    with pytest.raises(DataError, match="no \\*.jsonl"):
        read_records(tmp_path)


def test_folder_is_read_in_name_order(tmp_path):
    _write(tmp_path, [_row(article_id="b")], "2.jsonl")
    _write(tmp_path, [_row(article_id="a")], "1.jsonl")
    assert [r["article_id"] for r in read_records(tmp_path)] == ["a", "b"]


def test_group_articles_orders_sentences_within_articles():
    rows = [{"article_id": "a", "sentence_id": 1, "text": "B"},
            {"article_id": "z", "sentence_id": 0, "text": "Z"},
            {"article_id": "a", "sentence_id": 0, "text": "H"}]
    assert [[r["text"] for r in a] for a in group_articles(rows)] == [["H", "B"], ["Z"]]


def test_check_corpus_finds_rule_breaks(tmp_path):
    rows = [
        _row(article_id="a", sentence_id=0),
        _row(article_id="b", sentence_id=0, split="test_ood"),
        _row(article_id="a", sentence_id=2, genre="opinion"),
    ]
    report = check_corpus(_write(tmp_path, rows))
    text = "\n".join(report.problems)
    assert not report.ok
    assert "article a: rows are not contiguous" in text
    assert "article a: sentence ids are not 0..1 in order" in text
    assert "article a: several values of genre" in text
    assert "conflict c: in test_ood and also in ['train']" in text


def test_check_corpus_counts_fixture(mini_corpus):
    report = check_corpus(mini_corpus)
    assert report.ok, report.problems
    assert report.n_articles == 5 and report.n_sentences == 27
    table = report.table()
    assert "test_ood" in table and "mountain-pass" in table
