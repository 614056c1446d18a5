"""The corpus report: counts, balance per source and date, strongest sentences, escaping."""

from __future__ import annotations

import json
import re

import pytest

from argmine.cli import main
from argmine.report import corpus_report


def _rows():
    rows = []
    plan = [  # doc, source, date, url, (role, stance) per sentence
        ("d1", "Wire A", "2026-01-05", "https://example.org/d1", [("claim", "pro"), ("evidence", "neutral")]),
        ("d2", "Wire A", "2026-01-06", None, [("warning", "con"), ("warning", "con"), ("none", "neutral")]),
        ("d3", "Daily <B>", "2026-02-10", "javascript:alert(1)", [("claim", "pro"), ("none", "pro")]),
    ]
    for doc, source, date, url, labels in plan:
        for i, (role, stance) in enumerate(labels):
            rows.append({"doc_id": doc, "sentence_id": i, "start": 0, "end": 1,
                         "text": f"<i>{doc} sentence {i}</i>", "role": role, "role_score": 0.9 - 0.1 * i,
                         "stance": stance, "stance_score": 0.8, "truncated": False,
                         "source": source, "date": date, **({"url": url} if url else {})})
    return rows


@pytest.fixture
def predictions(tmp_path):
    path = tmp_path / "labels.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in _rows()))
    (tmp_path / "labels.jsonl.errors.jsonl").write_text('{"doc_id": "d4", "error": "empty"}\n')
    return path


def test_report_counts_balance_and_failures(predictions, tmp_path):
    report = corpus_report(predictions, tmp_path / "report")
    assert (report.n_documents, report.n_sentences, report.n_failed) == (3, 7, 1)
    html = report.index.read_text()
    # argumentative sentences: 2 pro (d1, d3), 2 con (d2); the `none` + pro row does not count
    assert "Escalation balance of the corpus +0.00 (2 pro, 2 con sentences)" in html
    assert "1 documents failed (25.0%)" in html
    for png in ("counts.png", "balance_over_time.png", "balance_by_source.png"):
        assert (tmp_path / "report" / png).read_bytes()[:4] == b"\x89PNG" and f'src="{png}"' in html
    assert "<td>Wire A</td><td>5</td><td>1</td><td>2</td><td>-0.33</td>" in html
    # a 36-day span is shown per day (per month beyond 120 days)
    assert "<td>2026-01-06</td><td>3</td><td>0</td><td>2</td><td>-1.00</td>" in html
    assert "<td>2026-02-10</td><td>2</td><td>1</td><td>0</td><td>+1.00</td>" in html


def test_report_escapes_text_and_links_only_web_urls(predictions, tmp_path):
    html = corpus_report(predictions, tmp_path / "report").index.read_text()
    assert "<i>" not in html and "&lt;i&gt;d1 sentence 0&lt;/i&gt;" in html
    assert "Daily &lt;B&gt;" in html
    assert '<a href="https://example.org/d1">d1</a>' in html
    assert "javascript:" not in html
    top = re.search(r"<h3>claim · pro</h3><ol>(.*?)</ol>", html).group(1)
    assert top.count("<li>") == 2


def test_cli_report_and_bad_input(predictions, tmp_path, capsys):
    assert main(["-q", "report", "--predictions", str(predictions), "--output", str(tmp_path / "r")]) == 0
    assert "3 documents, 7 sentences, 1 failed" in capsys.readouterr().out
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"doc_id": "x", "text": "t"}\n')
    assert main(["report", "--predictions", str(bad), "--output", str(tmp_path / "r2")]) == 2
    assert "missing field(s) role, role_score, stance, stance_score" in capsys.readouterr().err
