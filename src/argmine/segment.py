"""Split news text into sentence spans with exact character offsets.

syntok decides where sentences end inside running text; this module adds the rules news
pages need on top of it:

* a line break ends a segment when its line has no final punctuation (headlines,
  captions, bylines, ``Advertisement``, widget text, markup remnants); a blank line
  always ends a segment;
* a parenthesised or bracketed photo credit (``(Name / Agency)``, ``[Name/Reuters]``,
  ``(Photo: Name/Agency)``) is a segment of its own;
* a proposed cut is kept only after final punctuation (. ! ? ... or the ellipsis
  character, then any closing quotes or brackets), so a closing quote stays with its
  sentence and a dateline such as ``KYIV (Reuters) -`` is not split;
* odd whitespace (no-break and thin spaces, zero-width characters, tabs, ``\\r\\n``)
  never shifts an offset.

syntok reads a copy of the text with the same length in which whitespace is plain
spaces, the ellipsis character is a dot, URLs and e-mail addresses are masked, dots
between digits are commas, the dot of a title before a name (``Lt. Col. Ahmed``) is a
space and a second closing quote after a stop is a space. A number after a stop that
follows a plain lowercase word starts a sentence (``fled. 300 stayed``). Spans are cut
from the original text, so offsets are exact by construction, and the text between two
spans is whitespace only.

Example:
    >>> from argmine.segment import split_sentences
    >>> [s.text for s in split_sentences("Gen. Lee spoke at 6 a.m. Monday. The war went on.")]
    ['Gen. Lee spoke at 6 a.m. Monday.', 'The war went on.']
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from syntok import segmenter
from syntok.tokenizer import Tokenizer

__all__ = ["Span", "split_sentences"]

_ZERO_WIDTH = "\u200b\u200c\u200d\u2060\ufeff"
#: Characters that never start or end a span: everything ``str.isspace`` accepts, plus
#: zero-width spaces and joiners and the byte-order mark.
WHITESPACE = (
    "\t\n\v\f\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005"
    "\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000" + _ZERO_WIDTH
)
# The line boundaries of str.splitlines; "\r\n" counts as one.
_LINE_BREAKS = "\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029"

_TERMINALS = frozenset(".!?\u2026\u203c\u203d\u2047\u2048\u2049\u3002\ufe52\ufe57\uff01\uff0e\uff1f\uff61")
_CLOSERS = frozenset("\"'\u00bb\u2019\u201d\u203a)]}")

# Whitespace becomes a plain space and the ellipsis character a dot, which syntok knows.
_VIEW_TABLE = str.maketrans({**dict.fromkeys(WHITESPACE, " "), "\u2026": "."})

_WS_CLASS = re.escape(WHITESPACE)
_GAP = re.compile(f"[{re.escape(_LINE_BREAKS)}][{_WS_CLASS}]*")

# A dot followed by a capitalised name, after a title or rank that precedes names; not
# when the next word is a common sentence starter ("promoted to Gen. The order...").
_TITLES = (
    "Adm|Amb|Brig|Capt|Cdr|Cmdr|Col|Cpl|Det|Dr|Ft|Gen|Gens|Gov|Hon|Insp|Lieut|Lt|Maj|Mr|"
    "Mrs|Ms|Mt|Pfc|Pres|Prof|Pvt|Rep|Reps|Rev|Sec|Sen|Sens|Sgt|Spc|St|Supt"
)
_STARTERS = "The|A|An|He|She|It|They|We|I|This|That|These|Those|But|And|In|On|At|His|Her"
_TLDS = "com|org|net|gov|edu|int|mil|info|io|news|tv|uk|ua|ru|il|ps|sy|ir|eu|de|fr"
_MASK = re.compile(
    r"(?P<url>(?:https?://|www\.)[^\s<>()\[\]{}\"'“”‘’]*[^\s<>()\[\]{}\"'“”‘’.,;:!?])"
    r"|(?P<email>[\w.+-]{1,64}@[\w-]{1,63}(?:\.[\w-]{1,63}){1,8})"
    rf"|(?P<domain>\b[\w-]{{1,63}}(?:\.[\w-]{{1,63}}){{0,8}}\.(?:{_TLDS})\b"
    r"(?:/[^\s()\[\]]*[^\s()\[\].,;:!?])?)"
    r"|(?P<number>(?<=\d)\.(?=\d))"
    rf"|(?P<title>\b(?:{_TITLES})\.(?= +(?!(?:{_STARTERS})\b)[A-Z]))"
    r"|(?P<no>\b(?:No|Nos|no|nos|Art|Vol|vol|Fig|fig|Figs|Para|Ch|pp|p)\.(?= *\d))"
    # syntok keeps one closing quote after a stop; hide the rest ("retreat.’” Then")
    r"|(?P<quotes>(?<=[.!?][\"'”’»])[\"'”’»]+)"
)
# syntok keeps "fled. 300 stayed" together; a plain lowercase word before the dot is no
# abbreviation, so a number after it starts a sentence.
_NUMBER_START = re.compile(r"\b([a-z]{3,})\.[\"'”’)]* +(?=\d)")
_NOT_WORDS = frozenset(
    "approx est incl excl nos vol fig figs art sec para min max ref tel ext cf viz resp "
    "jan feb mar apr jun jul aug sep sept oct nov dec".split()
)

_CREDIT = re.compile(
    r"(?<!\S)[(\[]"
    r"(?:(?P<kw>(?:photo(?:graph)?|image|picture|video|credit|courtesy)s?(?: credit)?"
    r" *(?::| by ) *[^()\[\]\n]{1,120}?)"
    r"|(?P<left>[^()\[\]\n/]{1,80}?) */ *(?P<right>[^()\[\]\n]{1,80}?))"
    rf"[)\]](?=[^\S{re.escape(_LINE_BREAKS)}]*(?P<after>\S?))",
    re.IGNORECASE,
)

_TOKENIZER = Tokenizer(replace_not_contraction=False)


@dataclass(frozen=True)
class Span:
    """One sentence: ``text == source[start:end]``, without surrounding whitespace.

    Example:
        >>> Span(0, 6, "Hello.")
        Span(start=0, end=6, text='Hello.')
    """

    start: int
    end: int
    text: str


def split_sentences(text: str) -> list[Span]:
    """Split ``text`` into sentence spans, in order, covering every visible character.

    Whitespace between spans is dropped (see ``WHITESPACE``); everything else belongs to
    exactly one span. Never raises on a ``str``.

    Args:
        text: the article, with any line endings and Unicode spaces.

    Returns:
        The sentences as :class:`Span` objects with offsets into ``text``.

    Example:
        >>> spans = split_sentences("Troops Enter Town\\nThe army said it left.\u201d He wept.")
        >>> [s.text for s in spans]
        ['Troops Enter Town', 'The army said it left.\u201d', 'He wept.']
        >>> spans[1].start, spans[1].end
        (18, 41)
    """
    if not text:
        return []
    view = _MASK.sub(_mask, text.translate(_VIEW_TABLE))
    cuts = _forced_cuts(text)
    proposed = []
    start = 0
    for end in [*cuts, len(text)]:
        proposed.extend(_syntok_cuts(view, start, end))
        start = end
    proposed.extend(m.end() for m in _NUMBER_START.finditer(view)
                    if m.group(1) not in _NOT_WORDS)
    cuts.extend(c for c in proposed if _ends_sentence(view, c))
    return _spans(text, sorted(set(cuts)))


def _mask(match: re.Match[str]) -> str:
    kind = match.lastgroup
    if kind == "number":
        return ","
    if kind in ("title", "no"):
        return match.group()[:-1] + " "
    if kind == "quotes":
        return " " * len(match.group())
    return "x" * len(match.group())


def _forced_cuts(text: str) -> list[int]:
    """Offsets where a segment must end: line rules and photo credits."""
    cuts = []
    for gap in _GAP.finditer(text):
        line_end = gap.start()
        while line_end > 0 and text[line_end - 1] in WHITESPACE:
            line_end -= 1
        breaks = sum(text.count(c, line_end, gap.end()) for c in _LINE_BREAKS)
        breaks -= text.count("\r\n", line_end, gap.end())
        if breaks > 1 or not _ends_sentence(text, gap.end()):
            cuts.append(gap.end())
    for credit in _CREDIT.finditer(text):
        if _is_credit(credit):
            cuts.extend(credit.span())
    return sorted(set(cuts))


def _is_credit(match: re.Match[str]) -> bool:
    after = match.group("after")
    if after and (after.islower() or after in ",.;:!?)]"):
        return False
    if match.group("kw") is not None:
        return True
    left, right = match.group("left").strip(), match.group("right").strip()
    return (
        bool(left) and bool(right)
        and (left[0].isupper() or left[0] == "@")
        and right[0].isupper()
        and "://" not in match.group()
    )


def _syntok_cuts(view: str, start: int, end: int) -> list[int]:
    """Sentence starts that syntok finds in ``view[start:end]``, except the first."""
    chunk = view[start:end]
    if not chunk.strip():
        return []
    sentences = segmenter.segment(_TOKENIZER.tokenize(chunk))
    return [start + sentence[0].offset for sentence in sentences][1:]


def _ends_sentence(text: str, cut: int) -> bool:
    """Whether the visible text before ``cut`` ends in final punctuation."""
    i = cut
    while i > 0 and text[i - 1] in WHITESPACE:
        i -= 1
    while i > 0 and text[i - 1] in _CLOSERS:
        i -= 1
    return i > 0 and text[i - 1] in _TERMINALS


def _spans(text: str, cuts: list[int]) -> list[Span]:
    spans = []
    start = 0
    for end in [*cuts, len(text)]:
        piece = text[start:end]
        stripped = piece.lstrip(WHITESPACE)
        left = start + len(piece) - len(stripped)
        stripped = stripped.rstrip(WHITESPACE)
        if stripped:
            spans.append(Span(left, left + len(stripped), stripped))
        start = end
    return spans
