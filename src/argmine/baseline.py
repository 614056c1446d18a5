"""TF-IDF + logistic regression baseline: the floor a fine-tuned model has to beat.

It offers what :class:`argmine.evaluate.Scorable` asks (``labels``, ``predict_articles``),
as :class:`argmine.predict.Predictor` does, so it is scored by the same code.

Example:
    >>> from argmine.baseline import TfidfBaseline
    >>> baseline = TfidfBaseline().fit(train_records)        # doctest: +SKIP
    >>> baseline.predict_proba(["Troops crossed."])["role"]  # doctest: +SKIP
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from argmine.labels import HEADS, labels_for
from argmine.results import SentenceScores

_MARKER = "argmine_baseline.json"


@dataclass
class BaselineConfig:
    """Settings of the baseline; also what ``config`` means on a loaded baseline."""

    ngram_max: int = 2
    min_df: int = 1
    C: float = 4.0
    class_weight: str | None = "balanced"


class TfidfBaseline:
    """One TF-IDF vectoriser (word 1-2 grams + char 2-5 grams), one logistic regression per head."""

    def __init__(self, config: BaselineConfig | None = None, seed: int = 0):
        self.config = config or BaselineConfig()
        self.seed = seed
        self.vectorizer = None
        self.classifiers: dict[str, Any] = {}
        self.labels = {h: labels_for(h) for h in HEADS}

    def fit(self, records: Sequence[dict[str, Any]]) -> TfidfBaseline:
        """Fit on records with ``text`` and ``role`` / ``stance`` (``None`` rows are skipped per head)."""
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression
        from sklearn.pipeline import FeatureUnion

        self.vectorizer = FeatureUnion([
            ("word", TfidfVectorizer(ngram_range=(1, self.config.ngram_max),
                                     min_df=self.config.min_df, sublinear_tf=True)),
            ("char", TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5),
                                     min_df=self.config.min_df, sublinear_tf=True)),
        ])
        features = self.vectorizer.fit_transform([r["text"] for r in records])
        for head in HEADS:
            rows = [i for i, r in enumerate(records) if r[head] is not None]
            y = [labels_for(head).index(records[i][head]) for i in rows]
            clf = LogisticRegression(
                C=self.config.C, max_iter=2000, class_weight=self.config.class_weight,
                random_state=self.seed,
            )
            self.classifiers[head] = clf.fit(features[rows], y)
        return self

    def predict_proba(
        self, texts: list[str], contexts: list[str | None] | None = None, batch_size: int = 0,
        show_progress_bar: bool | None = None,
    ) -> dict[str, np.ndarray]:
        """Class probabilities per head (contexts and batch size are ignored)."""
        if self.vectorizer is None:
            raise ValueError("the baseline is not fitted; call fit() or TfidfBaseline.load()")
        out = {h: np.zeros((len(texts), len(labels_for(h))), dtype=np.float32) for h in HEADS}
        if not texts:
            return out
        features = self.vectorizer.transform(texts)
        for head, clf in self.classifiers.items():
            out[head][:, clf.classes_] = clf.predict_proba(features)
        return out

    def predict_articles(
        self, articles: Sequence[Sequence[str]], batch_size: int = 0, show_progress_bar: bool | None = None
    ) -> list[list[SentenceScores]]:
        """Class probabilities of every sentence of segmented articles (each read alone)."""
        flat = [s for article in articles for s in article]
        probs = self.predict_proba(flat)
        out, start = [], 0
        for article in articles:
            out.append([SentenceScores(probs["role"][i], probs["stance"][i], False)
                        for i in range(start, start + len(article))])
            start += len(article)
        return out

    def save(self, path: str | Path) -> Path:
        """Save to a folder (``baseline.joblib`` + a JSON marker)."""
        import joblib

        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        joblib.dump({"vectorizer": self.vectorizer, "classifiers": self.classifiers},
                    path / "baseline.joblib")
        (path / _MARKER).write_text(json.dumps({"kind": "tfidf-logreg", **vars(self.config)}))
        return path

    @staticmethod
    def is_saved_in(path: str | Path) -> bool:
        """True if ``path`` holds a saved baseline."""
        return (Path(path) / _MARKER).exists()

    @classmethod
    def load(cls, path: str | Path) -> TfidfBaseline:
        """Load a baseline saved with :meth:`save`."""
        import joblib

        path = Path(path)
        settings = json.loads((path / _MARKER).read_text())
        settings.pop("kind", None)
        settings.pop("context", None)  # written by argmine < 0.2, never used
        baseline = cls(BaselineConfig(**settings))
        state = joblib.load(path / "baseline.joblib")
        baseline.vectorizer, baseline.classifiers = state["vectorizer"], state["classifiers"]
        return baseline
