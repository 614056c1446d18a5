"""What the model sees around a sentence: the one home of argmine's context rule.

Training, evaluation, inference and export all call these functions, so a model is
always fed the same way. Everything here works on the *text of an article's
segments, in order* (``sentences[0]`` is the headline), and imports neither torch nor
transformers.

* :func:`article_contexts` gives the second segment a sentence-pair model reads next
  to each sentence (``none``, ``previous``, ``headline+previous``, ``article``);
* :func:`layout_features` describes where each segment sits on the page (headline,
  credit line, time stamp, a line without final punctuation...), for the
  hierarchical model, which reads the whole article;
* :func:`chunk_article` cuts very long articles into overlapping windows and says
  which window each sentence's prediction comes from.

Example:
    >>> from argmine.context import article_contexts
    >>> article_contexts(["Talks fail", "Troops crossed.", "Shelling began."], "previous")
    ['', 'Talks fail', 'Troops crossed.']
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Literal, get_args

__all__ = [
    "CONTEXT_MODES", "ContextMode", "LAYOUT_FEATURES", "article_contexts", "check_choice",
    "chunk_article", "layout_features", "lead_index",
]

ContextMode = Literal["none", "previous", "headline+previous", "article"]
CONTEXT_MODES: tuple[str, ...] = get_args(ContextMode)

#: Longest part (in words) of an ``article`` context; longer headlines and leads are cut.
MAX_CONTEXT_PART_WORDS = 40
_SEPARATOR = " | "


def check_choice(name: str, value: object, allowed: Sequence[str]) -> str:
    """Return ``value`` if it is one of ``allowed``, else raise a ``ValueError`` saying so.

    Example:
        >>> check_choice("context", "previous", CONTEXT_MODES)
        'previous'
    """
    if value not in allowed:
        raise ValueError(f"{name} {value!r} is not one of {', '.join(allowed)}")
    return value  # type: ignore[return-value]


def _is_prose(text: str) -> bool:
    """A sentence of running text: ends with final punctuation and has 6+ words."""
    return len(text.split()) >= 6 and bool(_FINAL.search(text))


def lead_index(sentences: Sequence[str]) -> int | None:
    """Index of the article's lead: the first prose sentence after the headline.

    Bylines, datelines, "Published" lines and captions' credits are skipped because
    they are short or end without final punctuation.

    Example:
        >>> lead_index(["Border clash", "By A. Writer", "Troops crossed the river before dawn on Sunday."])
        2
    """
    for i in range(1, len(sentences)):
        if _is_prose(sentences[i]):
            return i
    return None


def _cut(text: str) -> str:
    words = text.split()
    return " ".join(words[:MAX_CONTEXT_PART_WORDS]) + (" ..." if len(words) > MAX_CONTEXT_PART_WORDS else "")


def article_contexts(sentences: Sequence[str], mode: str) -> list[str | None]:
    """The second segment of every sentence of one article, in order.

    - ``none``: ``None`` for every sentence (the model reads the sentence alone);
    - ``previous``: the sentence before (``""`` for the first);
    - ``headline+previous``: the headline and the sentence before, joined by ``" | "``
      (the headline once when it is the sentence before; ``""`` for the headline);
    - ``article``: the sentence before, the headline and the lead (the first prose
      sentence, see :func:`lead_index`), each at most 40 words, in that order, so that
      truncation cuts the lead first; parts equal to the sentence itself or to an
      earlier part are left out (so the headline reads the lead, and the lead reads the
      sentence before it and the headline).

    An empty context means "no second segment": the sentence is encoded alone.

    Example:
        >>> article_contexts(["Talks fail", "Troops crossed the river before dawn.", "Shelling began."], "article")
        ['Troops crossed the river before dawn.', 'Talks fail', 'Troops crossed the river before dawn. | Talks fail']
    """
    check_choice("context", mode, CONTEXT_MODES)
    if mode == "none":
        return [None] * len(sentences)
    headline = sentences[0] if sentences else ""
    lead = lead_index(sentences)
    out: list[str | None] = []
    for i, sentence in enumerate(sentences):
        previous = sentences[i - 1] if i else ""
        if mode == "previous":
            out.append(previous)
            continue
        parts = [previous, headline if i else ""]
        if mode == "article" and lead is not None and i != lead:
            parts.append(sentences[lead])
        kept: list[str] = []
        for part in parts:
            if part and part != sentence and part not in kept:
                kept.append(part)
        out.append(_SEPARATOR.join(_cut(p) if mode == "article" else p for p in kept))
    return out


# -- layout ---------------------------------------------------------------------------

_FINAL = re.compile(r"[.!?\u2026][\"'\u00bb\u2019\u201d)\]]*\s*$")
_CREDIT = re.compile(
    r"^\s*[\(\[].{0,80}(/|\bphoto\b|\bcredit\b|\bgetty\b|\bimages?\b|\bafp\b|\breuters\b|\bap\b|\bepa\b)"
    r".{0,80}[\)\]]\s*$"
    r"|^\s*(photo(graph)?|picture|image|credit|source|via|video)s?\s*(:|by\b)"
    r"|^\s*[\u2014\u2013-]\s*\S.{0,60}\(@\w+\)"
    r"|\b(getty images|afp via getty|/ ?reuters|/ ?afp|/ ?ap\b|/ ?epa\b|shutterstock)\b",
    re.IGNORECASE,
)
_STAMP = re.compile(
    r"^\s*(published|updated|posted|last updated|first published)\b"
    r"|^\s*\d{1,2}[:.]\d{2}\s*(gmt|bst|cet|cest|utc|edt|est|et|am|pm|a\.m\.|p\.m\.)?\s*$"
    r"|^\s*\d+\s*(min|mins|minutes?|h|hrs?|hours?|d|days?)\s+ago\s*$"
    r"|^\s*(mon|tue|wed|thu|fri|sat|sun)[a-z]*,?\s+\d{1,2}\s+[a-z]+\s+\d{4}",
    re.IGNORECASE,
)
_BOILERPLATE = re.compile(
    r"^\s*(related|read more|also read|watch|listen|sign up|subscribe|share|advertisement|"
    r"follow|click here|this (article|story|post) (was|has been|first|originally)|the post\b)",
    re.IGNORECASE,
)
_QUOTE_START = re.compile(r"^\s*[\"\u201c\u2018']")
_QUOTES = re.compile(r"[\"\u201c\u201d]")

#: Names of the columns :func:`layout_features` returns, in order.
LAYOUT_FEATURES: tuple[str, ...] = (
    "is_headline", "position", "no_final_punctuation", "short", "credit_like",
    "next_is_credit_like", "stamp_like", "boilerplate_like", "starts_with_quote", "has_quote",
    "is_lead",
)


def layout_features(sentences: Sequence[str]) -> list[list[float]]:
    """Page-layout cues of each segment of one article, one row of floats per segment.

    Captions, credits, datelines and live-blog stamps are recognised from how they
    look on the page rather than from what they say: a short line without final
    punctuation, a bracketed credit after it, a time stamp. The columns are
    :data:`LAYOUT_FEATURES`; ``position`` is the relative place in the article (0 for
    the headline, 1 for the last segment), every other column is 0 or 1. Only the
    segments' own text is used, so features are the same for an annotated corpus (rows)
    and for raw text split by :func:`argmine.segment.split_sentences`.

    Example:
        >>> rows = layout_features(["Border clash", "Smoke over the river.", "(Photo: A. B / Agency)"])
        >>> dict(zip(LAYOUT_FEATURES, rows[1]))["next_is_credit_like"]
        1.0
    """
    n = len(sentences)
    credit = [bool(_CREDIT.search(s)) for s in sentences]
    lead = lead_index(sentences)
    rows = []
    for i, text in enumerate(sentences):
        rows.append([
            float(i == 0),
            i / (n - 1) if n > 1 else 0.0,
            float(not _FINAL.search(text)),
            float(len(text.split()) <= 8),
            float(credit[i]),
            float(i + 1 < n and credit[i + 1]),
            float(bool(_STAMP.search(text))),
            float(bool(_BOILERPLATE.search(text))),
            float(bool(_QUOTE_START.search(text))),
            float(bool(_QUOTES.search(text))),
            float(i == lead),
        ])
    return rows


# -- long articles --------------------------------------------------------------------


def chunk_article(n: int, size: int, overlap: int) -> list[tuple[int, int, int, int]]:
    """Cut ``n`` sentences into windows of at most ``size`` that overlap by ``overlap``.

    Returns ``(start, end, keep_start, keep_end)`` per window: the window covers
    sentences ``start:end`` and is the one whose predictions are kept for
    ``keep_start:keep_end``. The kept ranges tile ``0:n`` exactly, and each sentence is
    kept from the window in which it sits farthest from a cut edge.

    Example:
        >>> chunk_article(10, 6, 2)
        [(0, 6, 0, 5), (4, 10, 5, 10)]
        >>> chunk_article(3, 64, 16)
        [(0, 3, 0, 3)]
    """
    if size < 1 or not 0 <= overlap < size:
        raise ValueError(f"need size >= 1 and 0 <= overlap < size, got size {size}, overlap {overlap}")
    if n <= size:
        return [(0, n, 0, n)]
    step = size - overlap
    starts = list(range(0, n - size, step)) + [n - size]
    windows = []
    for k, start in enumerate(starts):
        end = start + size
        keep_start = 0 if k == 0 else windows[-1][3]
        keep_end = n if k == len(starts) - 1 else (starts[k + 1] + end) // 2
        windows.append((start, end, keep_start, keep_end))
    return windows
