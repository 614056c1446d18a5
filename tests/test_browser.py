"""The article view and the corpus report, opened in a real (headless) Chromium.

Runs whenever ``chromium`` is installed (``make test`` installs it where it can);
skipped otherwise.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess

import pytest

from argmine.report import corpus_report
from argmine.results import ArticleAnalysis, SentencePrediction

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync"]
PAYLOAD = ("Ceasefire talks resume\n\n"
           "<script>document.title = 'script ran'; document.body.innerHTML = ''</script> "
           "Envoys met on Monday. <img src=x onerror=\"document.title='handler ran'\"> They agreed to talk again.")


def _chromium(*args: str) -> str:
    done = subprocess.run([CHROMIUM, *FLAGS, *args], capture_output=True, text=True, timeout=120, check=True)
    return done.stdout


def _analysis() -> ArticleAnalysis:
    sentences = []
    for m, (role, stance) in zip(re.finditer(r"[^\n.]+\.?", PAYLOAD),
                                 [("none", "neutral"), ("evidence", "neutral"), ("claim", "con")] * 3):
        text = m.group().strip()
        start = PAYLOAD.index(text, m.start())
        sentences.append(SentencePrediction(text, start, start + len(text), role, 0.9, stance, 0.8,
                                            {role: 0.9}, {stance: 0.8}))
    return ArticleAnalysis("payload.txt", sentences, text=PAYLOAD)


def test_article_view_renders_in_chromium_and_runs_no_input_script(tmp_path):
    art = _analysis()
    page = tmp_path / "article.html"
    page.write_text(art.to_html())
    dom = _chromium("--dump-dom", page.as_uri())
    assert len(re.findall(r'data-sentence="\d+"', dom)) == len(art.sentences) >= 3
    assert 'class="am-legend"' in dom
    assert "<title>payload.txt</title>" in dom  # neither the script nor the onerror handler changed it
    assert "<script" not in dom and "<img" not in dom
    shot = tmp_path / "article.png"
    _chromium(f"--screenshot={shot}", "--window-size=900,600", page.as_uri())
    assert shot.read_bytes()[:4] == b"\x89PNG"


def test_corpus_report_renders_in_chromium(tmp_path):
    rows = [{"doc_id": f"d{i}", "sentence_id": 0, "start": 0, "end": 5, "text": "<b>x</b>", "role": "claim",
             "role_score": 0.9, "stance": "pro" if i % 2 else "con", "stance_score": 0.8, "truncated": False,
             "source": f"s{i % 3}", "date": f"2026-01-{i + 1:02d}"} for i in range(12)]
    path = tmp_path / "labels.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    report = corpus_report(path, tmp_path / "report")
    dom = _chromium("--dump-dom", report.index.as_uri())
    assert dom.count("<img") == 3 and "<b>" not in dom
    assert "Over time" in dom and "By source" in dom
