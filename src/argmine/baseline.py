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
_ARRAYS = "baseline.npz"
_VOCAB = "baseline_vocab.json"
_PICKLE = "baseline.joblib"


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

    def _vectorizer(self):
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.pipeline import FeatureUnion

        return FeatureUnion([
            ("word", TfidfVectorizer(ngram_range=(1, self.config.ngram_max),
                                     min_df=self.config.min_df, sublinear_tf=True)),
            ("char", TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5),
                                     min_df=self.config.min_df, sublinear_tf=True)),
        ])

    def fit(self, records: Sequence[dict[str, Any]]) -> TfidfBaseline:
        """Fit on records with ``text`` and ``role`` / ``stance`` (``None`` rows are skipped per head)."""
        from sklearn.linear_model import LogisticRegression

        self.vectorizer = self._vectorizer()
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
        """Save to a folder without pickle: the vocabularies as JSON (``baseline_vocab.json``),
        idf weights and the classifiers' coefficients as arrays (``baseline.npz``), and the
        settings (``argmine_baseline.json``). Loading runs no code from the folder."""
        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        if self.vectorizer is None:
            raise ValueError("the baseline is not fitted; call fit() first")
        arrays, vocab = {}, {}
        for name, vectorizer in self.vectorizer.transformer_list:
            vocab[name] = {term: int(i) for term, i in vectorizer.vocabulary_.items()}
            arrays[f"idf_{name}"] = vectorizer.idf_
        for head, clf in self.classifiers.items():
            arrays[f"coef_{head}"], arrays[f"intercept_{head}"] = clf.coef_, clf.intercept_
            arrays[f"classes_{head}"] = clf.classes_
        np.savez(path / _ARRAYS, **arrays)
        (path / _VOCAB).write_text(json.dumps(vocab, ensure_ascii=False), encoding="utf-8")
        (path / _MARKER).write_text(json.dumps({"kind": "tfidf-logreg", **vars(self.config)}))
        return path

    @staticmethod
    def is_saved_in(path: str | Path) -> bool:
        """True if ``path`` holds a saved baseline."""
        return (Path(path) / _MARKER).exists()

    @classmethod
    def load(cls, path: str | Path) -> TfidfBaseline:
        """Load a baseline saved with :meth:`save` (no pickle is ever read)."""
        from sklearn.linear_model import LogisticRegression

        path = Path(path)
        if not (path / _ARRAYS).exists() and (path / _PICKLE).exists():
            raise ValueError(
                f"{path / _PICKLE}: a pickle file, which runs code when loaded; argmine does not load "
                f"pickles. Retrain it (argmine train --config configs/baseline.yaml), or, only if you "
                f"trust the file, convert it once: python -c \"from argmine.baseline import "
                f"convert_trusted_pickle as c; c('{path}')\""
            )
        settings = json.loads((path / _MARKER).read_text())
        settings.pop("kind", None)
        settings.pop("context", None)  # written by argmine < 0.2, never used
        baseline = cls(BaselineConfig(**settings))
        with np.load(path / _ARRAYS, allow_pickle=False) as arrays:
            vocab = json.loads((path / _VOCAB).read_text(encoding="utf-8"))
            baseline.vectorizer = baseline._vectorizer()
            for name, vectorizer in baseline.vectorizer.transformer_list:
                vectorizer.vocabulary_ = vocab[name]
                vectorizer.idf_ = arrays[f"idf_{name}"]
            for head in HEADS:
                if f"coef_{head}" not in arrays:
                    continue
                clf = LogisticRegression()
                clf.coef_, clf.intercept_ = arrays[f"coef_{head}"], arrays[f"intercept_{head}"]
                clf.classes_ = arrays[f"classes_{head}"]
                clf.n_features_in_ = clf.coef_.shape[1]
                baseline.classifiers[head] = clf
        return baseline


def convert_trusted_pickle(path: str | Path) -> Path:
    """Rewrite a baseline saved by argmine < 0.2 (``baseline.joblib``, a pickle) in the
    pickle-free format. Unpickling runs code: call this only on a file you trust."""
    import joblib

    path = Path(path)
    settings = json.loads((path / _MARKER).read_text())
    settings.pop("kind", None)
    settings.pop("context", None)
    baseline = TfidfBaseline(BaselineConfig(**settings))
    state = joblib.load(path / _PICKLE)
    baseline.vectorizer, baseline.classifiers = state["vectorizer"], state["classifiers"]
    baseline.save(path)
    (path / _PICKLE).unlink()
    return path
