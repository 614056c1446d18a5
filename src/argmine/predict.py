"""Inference: sentence-level probabilities, and whole-article analysis.

:class:`Predictor` is the fast core: sentences are tokenised once, sorted by token
length, padded per batch, run in one forward pass for both heads under
``torch.inference_mode``, and put back in order. :class:`Miner` (from :func:`load`)
splits articles into sentences, adds each sentence's context, pools sentences across
articles, computes each distinct (sentence, context) once, and returns typed results.

Sentences longer than the model's ``max_seq_length`` are not silently cut: the model
sees the first ``max_seq_length`` tokens (sentence plus context), and the prediction
is flagged ``truncated=True``.

Example:
    >>> import argmine
    >>> miner = argmine.load("models/default")                            # doctest: +SKIP
    >>> art = miner.analyze("Border clash\\n\\nTroops crossed the river.")  # doctest: +SKIP
    >>> art.sentences[1].role, art.summary.escalation_balance              # doctest: +SKIP
    ('evidence', 0.0)
"""

from __future__ import annotations

import copy
import hashlib
import logging
import warnings
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn
from tqdm.auto import tqdm

from argmine.labels import HEADS, ROLES, STANCES
from argmine.model import ArgmineModel, context_text, encode

logger = logging.getLogger(__name__)

PRECISIONS: tuple[str, ...] = ("fp32", "bf16", "int8")
#: Precision used by :func:`load` unless told otherwise. Chosen by measurement with
#: ``scripts/bench_inference.py`` on a 2-core CPU (see the README's speed table).
DEFAULT_PRECISION = "bf16"


def pick_device(device: str | None = None) -> torch.device:
    """Return ``device``, or CUDA when available, else CPU.

    Example:
        >>> pick_device("cpu")
        device(type='cpu')
    """
    if device is not None:
        return torch.device(device)
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


def _quantize_int8(model: nn.Module) -> nn.Module:
    """Dynamic int8 quantization of every ``nn.Linear``, per-channel weights when possible."""
    try:
        from torch.ao.quantization import quantize_dynamic
    except ImportError as err:  # removed upstream in some future torch
        raise ValueError(
            f"precision 'int8' needs torch.ao.quantization.quantize_dynamic, which this torch "
            f"({torch.__version__}) lacks; use precision 'bf16' or 'fp32'"
        ) from err
    try:
        from torch.ao.quantization import per_channel_dynamic_qconfig as qconfig
    except ImportError:
        from torch.ao.quantization import default_dynamic_qconfig as qconfig
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # deprecation notices of the quantization API
        return quantize_dynamic(model, {nn.Linear: qconfig}, dtype=torch.qint8)


def _set_precision(model: ArgmineModel, precision: str, device: torch.device) -> nn.Module:
    if precision not in PRECISIONS:
        raise ValueError(f"precision {precision!r} is not one of {', '.join(PRECISIONS)}")
    if precision == "fp32":
        return model.to(device).float()
    model = copy.deepcopy(model)  # never change the caller's model
    if precision == "bf16":
        return model.to(device=device, dtype=torch.bfloat16)
    if device.type != "cpu":
        raise ValueError(f"precision 'int8' runs on CPU only, not on {device.type}; use bf16")
    return _quantize_int8(model.float().cpu())


class Predictor:
    """Runs an :class:`~argmine.model.ArgmineModel` on sentences, fast.

    Args:
        model: a trained model (left unchanged; bf16 and int8 work on a copy).
        tokenizer: its tokenizer.
        device: ``"cpu"``, ``"cuda"``... or None to choose automatically.
        precision: ``fp32`` (exact), ``bf16`` or ``int8`` (dynamic quantization of the
            linear layers, per-channel weights; CPU only).

    Example:
        >>> predictor = Predictor(model, tokenizer, precision="int8")  # doctest: +SKIP
    """

    def __init__(
        self, model: ArgmineModel, tokenizer, device: str | None = None, precision: str = "fp32"
    ):
        self.device = pick_device(device)
        self.precision = precision
        self.config = model.config
        self.model = _set_precision(model.eval(), precision, self.device).eval()
        self.tokenizer = tokenizer

    @classmethod
    def from_pretrained(
        cls, path: str | Path, device: str | None = None, precision: str = "fp32"
    ) -> Predictor:
        """Load a saved argmine model folder (weights, tokenizer, config).

        Example:
            >>> Predictor.from_pretrained("models/default")  # doctest: +SKIP
        """
        from transformers import AutoTokenizer

        path = Path(path)
        if not (path / "config.json").exists():
            raise FileNotFoundError(f"{path}: no config.json; is this an argmine model folder?")
        model = ArgmineModel.from_pretrained(path)
        tokenizer = AutoTokenizer.from_pretrained(path)
        return cls(model, tokenizer, device=device, precision=precision)

    def predict_proba(
        self,
        texts: list[str],
        contexts: list[str | None] | None = None,
        batch_size: int = 64,
        show_progress_bar: bool | None = None,
    ) -> dict[str, np.ndarray]:
        """Return class probabilities per head, rows in the order of ``texts``.

        Args:
            texts: the sentences.
            contexts: the second segment of each sentence (see
                :func:`argmine.model.context_text`), or None when the model uses none.
            batch_size: sentences per forward pass.
            show_progress_bar: None shows a bar only when logging is at INFO or lower.

        Returns:
            ``{"role": (n, n_roles), "stance": (n, n_stances)}`` float32 arrays, columns
            in the order of ``model.config.labels(head)``.

        Example:
            >>> predictor.predict_proba(["Troops crossed."])["role"].shape  # doctest: +SKIP
            (1, 4)
        """
        probs, _ = self.predict_with_flags(texts, contexts, batch_size, show_progress_bar)
        return probs

    def predict_with_flags(
        self,
        texts: Sequence[str],
        contexts: Sequence[str | None] | None = None,
        batch_size: int = 64,
        show_progress_bar: bool | None = None,
    ) -> tuple[dict[str, np.ndarray], np.ndarray]:
        """Like :meth:`predict_proba`, plus a boolean array: was the sentence cut?

        A sentence is flagged when some of its own tokens did not fit in
        ``max_seq_length`` (cutting only the context is not flagged).

        Example:
            >>> probs, truncated = predictor.predict_with_flags(["Troops crossed."])  # doctest: +SKIP
        """
        n = len(texts)
        out = {h: np.zeros((n, len(self.config.labels(h))), dtype=np.float32) for h in HEADS}
        truncated = np.zeros(n, dtype=bool)
        if n == 0:
            return out, truncated
        if batch_size < 1:
            raise ValueError(f"batch_size must be >= 1, got {batch_size}")
        if show_progress_bar is None:
            show_progress_bar = logger.getEffectiveLevel() <= logging.INFO
        max_len = self.config.max_seq_length
        encoded = encode(
            self.tokenizer, list(texts), list(contexts) if contexts is not None else None,
            max_len, return_attention_mask=False,
        )
        ids = encoded["input_ids"]
        types = encoded.get("token_type_ids")
        lengths = np.fromiter((len(x) for x in ids), dtype=np.int64, count=n)
        truncated = self._truncation_flags(texts, encoded, lengths >= max_len)
        order = np.argsort(-lengths, kind="stable")
        pad_id = self.tokenizer.pad_token_id or 0
        with torch.inference_mode():
            for start in tqdm(
                range(0, n, batch_size), disable=not show_progress_bar, desc="batches"
            ):
                rows = order[start : start + batch_size]
                width = int(lengths[rows[0]])
                input_ids = torch.full((len(rows), width), pad_id, dtype=torch.long)
                mask = torch.zeros((len(rows), width), dtype=torch.long)
                token_types = torch.zeros((len(rows), width), dtype=torch.long)
                for j, i in enumerate(rows):
                    k = int(lengths[i])
                    input_ids[j, :k] = torch.as_tensor(ids[i])
                    mask[j, :k] = 1
                    if types is not None:
                        token_types[j, :k] = torch.as_tensor(types[i])
                result = self.model(
                    input_ids=input_ids.to(self.device),
                    attention_mask=mask.to(self.device),
                    token_type_ids=token_types.to(self.device) if types is not None else None,
                )
                out["role"][rows] = torch.softmax(result.role_logits.float(), -1).cpu().numpy()
                out["stance"][rows] = (
                    torch.softmax(result.stance_logits.float(), -1).cpu().numpy()
                )
        return out, truncated

    def _truncation_flags(self, texts, encoded, at_limit: np.ndarray) -> np.ndarray:
        flags = np.zeros(len(texts), dtype=bool)
        candidates = np.flatnonzero(at_limit)
        if len(candidates) == 0:
            return flags
        full = self.tokenizer(
            [texts[i] for i in candidates], add_special_tokens=False, return_attention_mask=False
        )["input_ids"]
        for i, full_ids in zip(candidates, full):
            try:
                kept = sum(1 for s in encoded.sequence_ids(int(i)) if s == 0)
            except (ValueError, AttributeError):  # slow tokenizer: no sequence ids
                kept = -1
            flags[i] = kept < len(full_ids)
        return flags


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

    @property
    def summary(self) -> ArticleSummary:
        """Counts per role and stance and the escalation balance (see :class:`ArticleSummary`)."""
        return ArticleSummary.from_labels([(s.role, s.stance) for s in self.sentences])

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


class _Cache:
    """Bounded LRU of predictions keyed by a digest of (sentence, context)."""

    def __init__(self, size: int):
        self.size = size
        self.data: OrderedDict[bytes, tuple[np.ndarray, np.ndarray, bool]] = OrderedDict()

    @staticmethod
    def key(text: str, context: str | None) -> bytes:
        raw = text + "\x00" + ("\x01" if context is None else context)
        return hashlib.blake2b(raw.encode("utf-8", "surrogatepass"), digest_size=16).digest()

    def get(self, key: bytes):
        value = self.data.get(key)
        if value is not None:
            self.data.move_to_end(key)
        return value

    def put(self, key: bytes, value) -> None:
        if self.size <= 0:
            return
        self.data[key] = value
        if len(self.data) > self.size:
            self.data.popitem(last=False)

    def clear(self) -> None:
        self.data.clear()


class Miner:
    """Labels the sentences of whole articles: the object :func:`load` returns.

    Args:
        predictor: the :class:`Predictor` to run.
        cache_size: how many distinct (sentence, context) predictions to remember
            (least recently used first out); 0 disables the cache.

    Example:
        >>> miner = Miner(Predictor(model, tokenizer))  # doctest: +SKIP
        >>> miner.analyze("Border clash\\n\\nTroops crossed.").summary  # doctest: +SKIP
    """

    def __init__(self, predictor: Predictor, cache_size: int = 50_000):
        self.predictor = predictor
        self.config = predictor.config
        self._cache = _Cache(cache_size)
        self.role_labels = self.config.labels("role")
        self.stance_labels = self.config.labels("stance")

    @classmethod
    def from_pretrained(
        cls,
        path: str | Path,
        device: str | None = None,
        precision: str | None = None,
        cache_size: int = 50_000,
    ) -> Miner:
        """Load a saved model folder; see :func:`load`.

        Example:
            >>> Miner.from_pretrained("models/default", precision="fp32")  # doctest: +SKIP
        """
        if precision is None:
            precision = DEFAULT_PRECISION
        predictor = Predictor.from_pretrained(path, device=device, precision=precision)
        return cls(predictor, cache_size=cache_size)

    @property
    def precision(self) -> str:
        """The numeric precision the model runs in (fp32, bf16 or int8)."""
        return self.predictor.precision

    def clear_cache(self) -> None:
        """Forget every remembered prediction."""
        self._cache.clear()

    def analyze(self, text: str, doc_id: str | None = None) -> ArticleAnalysis:
        """Split ``text`` into sentences and label each one.

        An empty or blank text gives an analysis with no sentences.

        Example:
            >>> art = miner.analyze("Border clash\\n\\nTroops crossed.", doc_id="a1")  # doctest: +SKIP
            >>> [s.role for s in art.sentences]                                  # doctest: +SKIP
            ['none', 'evidence']
        """
        return self.analyze_batch([text], doc_ids=[doc_id], show_progress_bar=False)[0]

    def analyze_batch(
        self,
        texts: Sequence[str],
        batch_size: int = 64,
        show_progress_bar: bool | None = None,
        doc_ids: Sequence[str | None] | None = None,
    ) -> list[ArticleAnalysis]:
        """Analyse several articles at once, pooling their sentences for speed.

        Args:
            texts: the articles.
            batch_size: sentences per forward pass.
            show_progress_bar: None shows a bar only when logging is at INFO or lower.
            doc_ids: one id per article (default None for each).

        Returns:
            One :class:`ArticleAnalysis` per text, in order.

        Example:
            >>> arts = miner.analyze_batch(["First article.", "Second one."])  # doctest: +SKIP
        """
        if doc_ids is None:
            doc_ids = [None] * len(texts)
        if len(doc_ids) != len(texts):
            raise ValueError(f"got {len(doc_ids)} doc_ids for {len(texts)} texts")
        from argmine.segment import split_sentences

        spans_per_doc = []
        for i, text in enumerate(texts):
            if not isinstance(text, str):
                raise ValueError(f"text {i} is a {type(text).__name__}, not a str")
            spans_per_doc.append(split_sentences(text) if text.strip() else [])
        mode = self.config.context
        keys: list[bytes] = []
        todo: dict[bytes, tuple[str, str | None]] = {}
        results: dict[bytes, tuple[np.ndarray, np.ndarray, bool]] = {}
        for spans in spans_per_doc:
            headline = spans[0].text if spans else ""
            previous = ""
            for j, span in enumerate(spans):
                context = context_text(mode, previous, headline if j else "")
                key = self._cache.key(span.text, context)
                keys.append(key)
                if key not in results and key not in todo:
                    cached = self._cache.get(key)
                    if cached is None:
                        todo[key] = (span.text, context)
                    else:
                        results[key] = cached
                previous = span.text
        if todo:
            pending = list(todo.items())
            contexts = None if mode == "none" else [c for _, (_, c) in pending]
            probs, truncated = self.predictor.predict_with_flags(
                [t for _, (t, _) in pending], contexts, batch_size, show_progress_bar
            )
            for row, (key, _) in enumerate(pending):
                value = (probs["role"][row], probs["stance"][row], bool(truncated[row]))
                results[key] = value
                self._cache.put(key, value)
        analyses = []
        position = 0
        for doc_id, spans in zip(doc_ids, spans_per_doc):
            sentences = []
            for span in spans:
                key = keys[position]
                position += 1
                sentences.append(self._sentence(span, *results[key]))
            analyses.append(ArticleAnalysis(doc_id=doc_id, sentences=sentences))
        return analyses

    def _sentence(self, span, role_p: np.ndarray, stance_p: np.ndarray, truncated: bool):
        r, s = int(role_p.argmax()), int(stance_p.argmax())
        return SentencePrediction(
            text=span.text, start=span.start, end=span.end,
            role=self.role_labels[r], role_score=float(role_p[r]),
            stance=self.stance_labels[s], stance_score=float(stance_p[s]),
            role_scores={n: float(p) for n, p in zip(self.role_labels, role_p)},
            stance_scores={n: float(p) for n, p in zip(self.stance_labels, stance_p)},
            truncated=truncated,
        )


def load(
    path: str | Path,
    device: str | None = None,
    precision: str | None = None,
    cache_size: int = 50_000,
) -> Miner:
    """Load a saved argmine model folder for analysing articles.

    Args:
        path: the model folder (``config.json``, weights, tokenizer).
        device: ``"cpu"``, ``"cuda"``... or None for CUDA when available, else CPU.
        precision: ``fp32``, ``bf16`` or ``int8``; None picks :data:`DEFAULT_PRECISION`
            (``bf16``: >= 99% label agreement with fp32 and ~3x its speed on CPU).
        cache_size: distinct (sentence, context) predictions kept for reuse.

    Example:
        >>> import argmine
        >>> miner = argmine.load("models/default")             # doctest: +SKIP
        >>> miner.analyze("Troops crossed the river.").summary   # doctest: +SKIP
    """
    return Miner.from_pretrained(path, device=device, precision=precision, cache_size=cache_size)


__all__ = [
    "ArticleAnalysis", "ArticleSummary", "DEFAULT_PRECISION", "Miner", "PRECISIONS",
    "Predictor", "SentencePrediction", "load", "pick_device",
]
