"""The HTML article view and displaCy's manual format."""

from __future__ import annotations

import re
from html import unescape
from html.parser import HTMLParser

import pytest

from argmine.cli import main
from argmine.predict import load
from argmine.results import ArticleAnalysis, SentencePrediction

HOSTILE = ("Strike talk <script>alert('x')</script> grows\n\n"
           'Officials said <img src=x onerror="alert(1)"> nothing. The minister urged restraint & calm.')


class _Tags(HTMLParser):
    """Collect start tags and their attributes."""

    def __init__(self):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def _tags(html: str) -> list[tuple[str, dict]]:
    parser = _Tags()
    parser.feed(html)
    return parser.tags


def _art(text: str) -> ArticleAnalysis:
    """An analysis with made-up labels over the sentences of ``text`` (one per line)."""
    sentences, start = [], 0
    labels = [("claim", "pro"), ("evidence", "neutral"), ("warning", "con"), ("none", "neutral")]
    for i, line in enumerate(text.split("\n")):
        if line.strip():
            role, stance = labels[i % len(labels)]
            sentences.append(SentencePrediction(line, start, start + len(line), role, 0.9, stance, 0.8,
                                                {role: 0.9}, {stance: 0.8}))
        start += len(line) + 1
    return ArticleAnalysis("doc <1>", sentences, text=text)


def test_input_text_is_escaped_and_nothing_is_loaded_from_outside():
    html = _art(HOSTILE).to_html()
    tags = _tags(html)
    assert not [t for t, _ in tags if t in ("script", "img", "link", "iframe")]
    assert not any(k.startswith("on") for _, attrs in tags for k in attrs)
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in html
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in html
    assert "doc &lt;1&gt;" in html and "restraint &amp; calm" in html
    assert not re.search(r"https?://", html)


def test_one_element_per_sentence_with_role_stance_scores_and_text_labels():
    art = _art("Headline here\nA fact.\nA warning.\nPhoto: Agency")
    html = art.to_html()
    spans = [a for t, a in _tags(html) if t == "span" and "data-sentence" in a]
    assert len(spans) == len(art.sentences) == 4
    assert [a["data-role"] for a in spans] == ["claim", "evidence", "warning", "none"]
    assert "role: claim 0.90" in spans[0]["title"] and "stance: pro 0.80" in spans[0]["title"]
    badges = re.findall(r'<span class="am-badge">([^<]*)</span>', html)
    assert badges == ["claim · pro", "evidence", "warning · con"]  # none / neutral carry no badge
    assert 'class="am-legend"' in html and "escalation balance +0.00" in html
    assert art._repr_html_().startswith("<style>") and "<html" not in art._repr_html_()


def test_the_view_keeps_the_articles_own_text_and_paragraphs():
    art = _art("Title & more\n\nFirst line.\nSecond line.")
    text_div = re.search(r'<div class="am-text">(.*)</div></div>', art.to_html(), re.S).group(1)
    without_badges = re.sub(r'<span class="am-badge">[^<]*</span>', "", text_div)
    assert unescape(re.sub(r"<[^>]+>", "", without_badges)) == art.text


def test_displacy_dict_spans_point_into_the_text():
    art = _art("Title\nA fact.\nA warning.\nPhoto: Agency")
    d = art.to_displacy()
    assert d["title"] == "doc <1>"
    assert [d["text"][e["start"]:e["end"]] for e in d["ents"]] == ["Title", "A fact.", "A warning."]
    assert [e["label"] for e in d["ents"]] == ["CLAIM PRO", "EVIDENCE NEUTRAL", "WARNING CON"]
    rebuilt = ArticleAnalysis.from_dict(art.to_dict())  # the text is not serialised: rebuilt at offsets
    assert rebuilt.to_displacy()["ents"] == d["ents"]
    assert [rebuilt.to_displacy()["text"][e["start"]:e["end"]] for e in d["ents"]] == ["Title", "A fact.", "A warning."]


def test_cli_render_writes_a_page_per_article(tmp_path, model_dir):
    a, b = tmp_path / "a.txt", tmp_path / "b.txt"
    a.write_text(HOSTILE)
    b.write_text("Border calm\n\nTroops stayed in their barracks.")
    assert main(["-q", "render", "--model", str(model_dir), str(a), "-o", str(tmp_path / "a-view.html")]) == 0
    page = (tmp_path / "a-view.html").read_text()
    assert "&lt;script&gt;" in page and not [t for t, _ in _tags(page) if t == "script"]
    assert main(["-q", "render", "--model", str(model_dir), str(a), str(b), "-o", str(tmp_path / "views")]) == 0
    assert sorted(p.name for p in (tmp_path / "views").iterdir()) == ["a.html", "b.html"]


def test_cli_render_refuses_one_html_file_for_several_articles(tmp_path, model_dir, capsys):
    a = tmp_path / "a.txt"
    a.write_text("One line.")
    assert main(["render", "--model", str(model_dir), str(a), str(a), "-o", str(tmp_path / "x.html")]) == 2
    assert "several files need an output folder" in capsys.readouterr().err


@pytest.mark.parametrize("kept", [True, False])
def test_miner_keeps_the_text_for_the_view(model_dir, kept):
    miner = load(model_dir, device="cpu", precision="fp32")
    text = "Border clash\n\nTroops crossed the line. Officials warned of war."
    art = miner.analyze(text)
    if not kept:
        art = ArticleAnalysis.from_dict(art.to_dict())
        assert art.text is None
    spans = [a for t, a in _tags(art.to_html()) if t == "span" and "data-sentence" in a]
    assert len(spans) == len(art.sentences)
