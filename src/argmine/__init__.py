"""argmine: argument mining in news about armed conflict.

Labels every sentence of an article with a role (claim, evidence, warning, none)
and a stance on escalation (pro, con, neutral).

Names are imported lazily, so ``import argmine`` stays fast and the sentence
splitter works without loading torch.

Example:
    >>> import argmine
    >>> miner = argmine.load("models/default")        # doctest: +SKIP
    >>> miner.analyze("Troops crossed the river.")      # doctest: +SKIP
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

_EXPORTS: dict[str, str] = {
    "ROLES": "argmine.labels",
    "STANCES": "argmine.labels",
    "Span": "argmine.segment",
    "split_sentences": "argmine.segment",
    "load_dataset_dict": "argmine.data",
    "read_records": "argmine.data",
    "check_corpus": "argmine.data",
    "DataError": "argmine.data",
    "ArgmineConfig": "argmine.model",
    "ArgmineModel": "argmine.model",
    "load": "argmine.predict",
    "Miner": "argmine.predict",
    "ArticleAnalysis": "argmine.results",
    "SentencePrediction": "argmine.results",
    "to_pandas": "argmine.results",
    "evaluate_realdev": "argmine.realdev",
    "analyze_corpus": "argmine.corpus",
    "TrainConfig": "argmine.config",
    "TrainResult": "argmine.training",
    "load_config": "argmine.config",
    "train": "argmine.training",
    "evaluate_model": "argmine.evaluate",
}

__all__ = ["__version__", *_EXPORTS]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'argmine' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
