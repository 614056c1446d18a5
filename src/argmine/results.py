"""Typed results of analysing articles: one :class:`ArticleAnalysis` per article.

These are plain dataclasses (no torch), so code that only reads or writes results,
such as the corpus job's sinks, needs nothing else.

Example:
    >>> from argmine.results import ArticleAnalysis
    >>> ArticleAnalysis.from_dict({"doc_id": "a1", "sentences": []}).summary.n_sentences
    0
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, NamedTuple

import numpy as np

from argmine.labels import ROLES, STANCES

__all__ = ["ArticleAnalysis", "ArticleSummary", "SentencePrediction", "SentenceScores", "to_pandas"]


class SentenceScores(NamedTuple):
    """Class probabilities of one sentence (columns in the model's label order)."""

    role: np.ndarray
    stance: np.ndarray
    truncated: bool


@dataclass
class SentencePrediction:
    """Both labels of one sentence, with its place in the article.

    Attributes:
        text: the sentence as it appears in the article.
        start: character offset of the sentence in the article.
        end: character offset just past the sentence.
        role: the most probable role (claim, evidence, warning, none).
        role_score: its probability.
        stance: the most probable stance on escalation (pro, con, neutral).
        stance_score: its probability.
        role_scores: probability of every role.
        stance_scores: probability of every stance.
        truncated: True when the sentence was longer than the model's
            ``max_seq_length`` and only its beginning was read.
    """

    text: str
    start: int
    end: int
    role: str
    role_score: float
    stance: str
    stance_score: float
    role_scores: dict[str, float] = field(default_factory=dict)
    stance_scores: dict[str, float] = field(default_factory=dict)
    truncated: bool = False


@dataclass
class ArticleSummary:
    """Counts of an article's labels and its escalation balance.

    The escalation balance is ``(pro - con) / (pro + con)``, counted over the
    argumentative sentences (role other than ``none``): +1.0 when every sentence that
    takes a side is pro escalation, -1.0 when every one is con, 0.0 when they are
    even or when no sentence takes a side.

    Example:
        >>> summary = ArticleSummary.from_labels([("claim", "pro"), ("warning", "con"), ("claim", "pro")])
        >>> round(summary.escalation_balance, 3)
        0.333
    """

    n_sentences: int
    role_counts: dict[str, int]
    stance_counts: dict[str, int]
    escalation_balance: float

    @classmethod
    def from_labels(cls, labels: Sequence[tuple[str, str]]) -> ArticleSummary:
        """Summarise ``(role, stance)`` pairs.

        Example:
            >>> ArticleSummary.from_labels([]).escalation_balance
            0.0
        """
        roles = dict.fromkeys(ROLES, 0)
        stances = dict.fromkeys(STANCES, 0)
        pro = con = 0
        for role, stance in labels:
            roles[role] = roles.get(role, 0) + 1
            stances[stance] = stances.get(stance, 0) + 1
            if role != "none":
                pro += stance == "pro"
                con += stance == "con"
        balance = (pro - con) / (pro + con) if pro + con else 0.0
        return cls(len(labels), roles, stances, balance)


@dataclass
class ArticleAnalysis:
    """The analysis of one article: its sentences, labelled, and a summary.

    Example:
        >>> art = ArticleAnalysis(doc_id="a1", sentences=[])
        >>> ArticleAnalysis.from_dict(art.to_dict()) == art
        True
    """

    doc_id: str | None
    sentences: list[SentencePrediction] = field(default_factory=list)
    #: the analysed text, kept by ``Miner.analyze`` for the views; not part of
    #: :meth:`to_dict` nor of equality (sentences carry their own text and offsets)
    text: str | None = field(default=None, repr=False, compare=False)

    @property
    def summary(self) -> ArticleSummary:
        """Counts per role and stance and the escalation balance (see :class:`ArticleSummary`)."""
        return ArticleSummary.from_labels([(s.role, s.stance) for s in self.sentences])

    def to_html(self) -> str:
        """A self-contained HTML page of the article: sentences highlighted by role, marked
        by stance, scores on hover, legend and summary (see :mod:`argmine.render`).

        Example:
            >>> "<!DOCTYPE html>" in ArticleAnalysis("a1", text="").to_html()
            True
        """
        from argmine.render import article_html

        return article_html(self)

    def _repr_html_(self) -> str:
        """The same view, inline in Jupyter."""
        from argmine.render import article_html

        return article_html(self, standalone=False)

    def to_displacy(self) -> dict[str, Any]:
        """The dict that ``spacy.displacy.render(d, style="ent", manual=True)`` draws: one
        span per argumentative sentence, labelled ``ROLE STANCE``.

        Example:
            >>> ArticleAnalysis("a1", text="").to_displacy()
            {'text': '', 'ents': [], 'title': 'a1'}
        """
        from argmine.render import displacy_dict

        return displacy_dict(self)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready dict, summary included.

        Example:
            >>> ArticleAnalysis("a1").to_dict()["summary"]["n_sentences"]
            0
        """
        return {
            "doc_id": self.doc_id,
            "sentences": [asdict(s) for s in self.sentences],
            "summary": asdict(self.summary),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ArticleAnalysis:
        """Rebuild an analysis from :meth:`to_dict` output (the summary is recomputed).

        Example:
            >>> ArticleAnalysis.from_dict({"doc_id": "a1", "sentences": []}).doc_id
            'a1'
        """
        return cls(
            doc_id=data.get("doc_id"),
            sentences=[SentencePrediction(**s) for s in data.get("sentences", [])],
        )


def to_pandas(analyses: ArticleAnalysis | Sequence[ArticleAnalysis]):
    """One row per sentence (``doc_id``, ``sentence_id``, offsets, text, labels, scores,
    ``truncated``) as a pandas DataFrame.

    Example:
        >>> to_pandas([ArticleAnalysis("a1")]).columns.tolist()[:3]
        ['doc_id', 'sentence_id', 'start']
    """
    import pandas as pd

    if isinstance(analyses, ArticleAnalysis):
        analyses = [analyses]
    columns = ["doc_id", "sentence_id", "start", "end", "text", "role", "role_score", "stance", "stance_score",
               "truncated"]
    rows = [(a.doc_id, i, s.start, s.end, s.text, s.role, s.role_score, s.stance, s.stance_score, s.truncated)
            for a in analyses for i, s in enumerate(a.sentences)]
    return pd.DataFrame(rows, columns=columns)
