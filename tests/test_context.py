"""Tests of argmine.context: the one context rule, layout features, article windows."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from argmine.context import (
    CONTEXT_MODES,
    LAYOUT_FEATURES,
    article_contexts,
    chunk_article,
    layout_features,
    lead_index,
)

ARTICLE = [
    "Navy shadows patrol boats near island chain",
    "By Mara Ilic",
    "Published 14 March",
    "Three patrol boats crossed into the zone on Sunday, the coast guard said.",
    "The minister argued that the navy should fire warning shots.",
    "Coast guard cutters escort a supply ship past the rocks on Tuesday",
    "(Photo: Tomas Berg / Harbour Press)",
    "14:32 GMT",
    "Related: the long quarrel over the strait",
    "\u201cWe will not fire first,\u201d the admiral said.",
]


@pytest.mark.parametrize(
    ("mode", "expected"),
    [
        ("none", [None, None, None]),
        ("previous", ["", "H", "Troops crossed the river before dawn."]),
        ("headline+previous", ["", "H", "Troops crossed the river before dawn. | H"]),
        ("article", ["Troops crossed the river before dawn.", "H", "Troops crossed the river before dawn. | H"]),
    ],
)
def test_context_modes(mode, expected):
    assert article_contexts(["H", "Troops crossed the river before dawn.", "Talks went on."], mode) == expected


def test_article_context_adds_the_lead_after_previous_and_headline():
    contexts = article_contexts(ARTICLE, "article")
    lead = ARTICLE[3]
    assert lead_index(ARTICLE) == 3  # byline and "Published" line are not the lead
    assert contexts[5] == f"{ARTICLE[4]} | {ARTICLE[0]} | {lead}"
    assert contexts[4] == f"{lead} | {ARTICLE[0]}"  # the lead once, as the sentence before
    assert contexts[3] == f"{ARTICLE[2]} | {ARTICLE[0]}"  # the lead does not read itself


def test_article_context_cuts_long_parts():
    long = " ".join(["word"] * 100) + "."
    context = article_contexts([long, "Next sentence here."], "article")[1]
    assert context.endswith("...") and len(context.split()) == 41


def test_unknown_mode_is_an_error():
    with pytest.raises(ValueError, match="context 'next' is not one of none, previous"):
        article_contexts(["a"], "next")


@given(st.lists(st.text(max_size=40), max_size=12), st.sampled_from(CONTEXT_MODES))
def test_one_context_per_sentence(sentences, mode):
    contexts = article_contexts(sentences, mode)
    assert len(contexts) == len(sentences)
    assert all((c is None) == (mode == "none") for c in contexts)


def test_layout_features_recognise_page_furniture():
    rows = [dict(zip(LAYOUT_FEATURES, r)) for r in layout_features(ARTICLE)]
    assert rows[0]["is_headline"] == 1.0 and rows[0]["no_final_punctuation"] == 1.0
    assert rows[2]["stamp_like"] == 1.0  # Published line
    assert rows[3]["is_lead"] == 1.0 and rows[3]["no_final_punctuation"] == 0.0
    assert rows[5]["next_is_credit_like"] == 1.0 and rows[6]["credit_like"] == 1.0
    assert rows[7]["stamp_like"] == 1.0  # live-blog time stamp
    assert rows[8]["boilerplate_like"] == 1.0
    assert rows[9]["starts_with_quote"] == 1.0 and rows[9]["has_quote"] == 1.0
    assert rows[4]["credit_like"] == rows[4]["stamp_like"] == rows[4]["boilerplate_like"] == 0.0
    assert rows[-1]["position"] == 1.0 and rows[0]["position"] == 0.0


@given(st.lists(st.text(max_size=60), max_size=10))
def test_layout_features_shape(sentences):
    rows = layout_features(sentences)
    assert len(rows) == len(sentences)
    assert all(len(r) == len(LAYOUT_FEATURES) and all(0.0 <= x <= 1.0 for x in r) for r in rows)


@given(st.integers(0, 300), st.integers(1, 80), st.integers(0, 79))
def test_windows_tile_the_article(n, size, overlap):
    if overlap >= size:
        with pytest.raises(ValueError):
            chunk_article(n, size, overlap)
        return
    windows = chunk_article(n, size, overlap)
    kept = [i for _, _, lo, hi in windows for i in range(lo, hi)]
    assert kept == list(range(n))  # every sentence kept exactly once, in order
    for start, end, lo, hi in windows:
        assert 0 <= start <= lo <= hi <= end <= n and end - start <= size
