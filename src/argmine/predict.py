"""Inference: label every sentence of whole articles, fast.

The path is three small steps, as in transformers' text-classification pipeline:

1. **preprocess** (:meth:`Predictor.preprocess`): for each article, the sentences'
   encoder inputs (a ``pair`` model: sentence + context from
   :func:`argmine.context.article_contexts`; a ``hierarchical`` model: the sentence
   alone) and, for a hierarchical model, its layout features and windows;
2. **forward** (:meth:`Predictor.forward`): every distinct encoder input not in the
   cache is tokenised once; inputs are sorted by length, padded per batch and run under
   ``torch.inference_mode``; a hierarchical model then reads each article window;
3. **postprocess** (:meth:`Predictor.postprocess`): the calibration's logit bias,
   softmax, typed :class:`SentenceScores`.

The cache is keyed by exactly what the encoder reads (sentence and context for a
``pair`` model, the sentence for a ``hierarchical`` one), so boilerplate, captions and
syndicated copies are computed once. :class:`Miner` (from :func:`load`) adds sentence
splitting and typed :class:`~argmine.results.ArticleAnalysis` results.

Sentences longer than the model's ``max_seq_length`` are not silently cut: the model
sees the first ``max_seq_length`` tokens, and the prediction is flagged
``truncated=True``.

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
import re
import warnings
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from torch import nn
from tqdm.auto import tqdm

from argmine.context import article_contexts, check_choice, chunk_article, layout_features
from argmine.labels import HEADS
from argmine.model import ArgmineModel, check_model_folder, encode
from argmine.results import ArticleAnalysis, ArticleSummary, SentencePrediction, SentenceScores
from argmine.segment import split_sentences

logger = logging.getLogger(__name__)

_SURROGATE = re.compile("[\ud800-\udfff]")
PRECISIONS: tuple[str, ...] = ("auto", "fp32", "bf16", "fp16", "int8")
#: Precision used unless told otherwise: ``auto`` picks, from what the hardware can do,
#: the fastest precision that keeps >= 99% of labels equal to fp32 (see
#: :func:`auto_precision` and the README's speed tables).
DEFAULT_PRECISION = "auto"
#: Article windows per forward pass of a hierarchical model's document transformer.
WINDOWS_PER_BATCH = 32


def pick_device(device: str | None = None) -> torch.device:
    """Return ``device``, or CUDA when available, else CPU.

    Example:
        >>> pick_device("cpu")
        device(type='cpu')
    """
    if device is None:
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        chosen = torch.device(device)
    except (RuntimeError, TypeError):
        raise ValueError(f"device {device!r} is not a torch device; use cpu, cuda, cuda:N or mps") from None
    if chosen.type == "cuda" and not torch.cuda.is_available():
        raise ValueError(f"device {device!r}: CUDA is not available here (no GPU, or a CPU build of torch); "
                         f"use cpu or leave the device unset")
    if chosen.type == "cuda" and chosen.index is not None and chosen.index >= torch.cuda.device_count():
        raise ValueError(f"device {device!r}: only {torch.cuda.device_count()} CUDA device(s) here")
    if chosen.type == "mps" and not torch.backends.mps.is_available():
        raise ValueError(f"device {device!r}: MPS is not available here; use cpu")
    return chosen


def auto_precision(device: torch.device) -> tuple[str, str]:
    """Choose a precision from torch's capability queries (no benchmark at load time).

    CUDA: ``bf16`` where the GPU supports it, else ``fp16``. CPU: ``bf16`` with AMX or
    AVX-512 BF16 instructions (there bf16 ran about 3x faster than fp32 with 99.8% of
    labels equal); any other CPU ``fp32`` (on an AVX2-only CPU bf16 is emulated and ran
    4-6x *slower* than fp32).

    Returns:
        ``(precision, reason)``.

    Example:
        >>> auto_precision(torch.device("cpu"))[0] in ("bf16", "fp32")
        True
    """
    if device.type == "cuda":
        if torch.cuda.is_bf16_supported():
            return "bf16", "CUDA device with bf16 support"
        return "fp16", "CUDA device without bf16 support"
    if device.type == "cpu":
        capability = torch.backends.cpu.get_cpu_capability()
        if torch.cpu._is_amx_tile_supported():
            return "bf16", f"CPU with AMX ({capability})"
        if torch.cpu._is_avx512_bf16_supported():
            return "bf16", f"CPU with AVX-512 BF16 ({capability})"
        return "fp32", f"CPU without bf16 instructions ({capability}): bf16 would be slower than fp32"
    return "fp32", f"device type {device.type}"


def show_bar(show_progress_bar: bool | None) -> bool:
    """The progress-bar rule of sentence-transformers: None shows one at INFO or lower."""
    if show_progress_bar is None:
        return logger.getEffectiveLevel() <= logging.INFO
    return show_progress_bar


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
    if precision == "fp32":
        return model.to(device).float()
    model = copy.deepcopy(model)  # never change the caller's model
    if precision == "bf16":
        return model.to(device=device, dtype=torch.bfloat16)
    if precision == "fp16":
        if device.type != "cuda":
            raise ValueError(f"precision 'fp16' runs on CUDA only, not on {device.type}; use bf16 or fp32")
        return model.to(device=device, dtype=torch.float16)
    if device.type != "cpu":
        raise ValueError(f"precision 'int8' runs on CPU only, not on {device.type}; use bf16")
    return _quantize_int8(model.float().cpu())


@dataclass
class ArticleInputs:
    """One article, preprocessed: the encoder inputs of its sentences, and its layout.

    ``keys`` are cache keys, one per sentence; ``inputs`` maps each key to
    ``(sentence, context)`` (context ``None`` for a single segment). ``layout`` and
    ``windows`` are set for a hierarchical model only.
    """

    keys: list[bytes]
    inputs: dict[bytes, tuple[str, str | None]]
    layout: list[list[float]] | None = None
    windows: list[tuple[int, int, int, int]] | None = None


class _Cache:
    """Bounded LRU of encoder results keyed by a digest of what the encoder reads."""

    def __init__(self, size: int):
        self.size = size
        self.data: OrderedDict[bytes, tuple] = OrderedDict()

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


class Predictor:
    """Runs an :class:`~argmine.model.ArgmineModel` on the sentences of articles.

    Args:
        model: a trained model (left unchanged; bf16 and int8 work on a copy).
        tokenizer: its tokenizer.
        device: ``"cpu"``, ``"cuda"``... or None to choose automatically.
        precision: ``auto`` (see :func:`auto_precision`), ``fp32`` (exact), ``bf16``,
            ``fp16`` (CUDA only) or ``int8`` (dynamic quantization of the linear layers,
            per-channel weights; CPU only); None for :data:`DEFAULT_PRECISION`.
        cache_size: how many distinct encoder results to remember (least recently used
            first out); 0 disables the cache.
        calibrated: add the model's logit bias (``config.logit_bias``) before the
            softmax; False gives the raw probabilities.

    Example:
        >>> predictor = Predictor(model, tokenizer, precision="fp32")           # doctest: +SKIP
        >>> predictor.predict_articles([["Border clash", "Troops crossed."]])   # doctest: +SKIP
    """

    def __init__(
        self,
        model: ArgmineModel,
        tokenizer,
        device: str | None = None,
        precision: str | None = None,
        cache_size: int = 50_000,
        calibrated: bool = True,
    ):
        self.device = pick_device(device)
        precision = check_choice("precision", precision or DEFAULT_PRECISION, PRECISIONS)
        self.precision_reason = "chosen by the caller"
        if precision == "auto":
            precision, self.precision_reason = auto_precision(self.device)
            logger.info("precision %s: %s", precision, self.precision_reason)
        self.precision = precision
        self.config = model.config
        self.model = _set_precision(model.eval(), self.precision, self.device).eval()
        self.tokenizer = tokenizer
        self.hierarchical = self.config.architecture == "hierarchical"
        self.labels = {h: self.config.labels(h) for h in HEADS}
        self.bias = {
            h: np.asarray(self.config.logit_bias.get(h) or np.zeros(len(self.labels[h])), dtype=np.float32)
            * float(calibrated)
            for h in HEADS
        }
        self._cache = _Cache(cache_size)

    @classmethod
    def from_pretrained(
        cls,
        path: str | Path,
        device: str | None = None,
        precision: str | None = None,
        cache_size: int = 50_000,
        calibrated: bool = True,
    ) -> Predictor:
        """Load a saved argmine model folder (weights, tokenizer, config).

        Example:
            >>> Predictor.from_pretrained("models/default", precision="fp32")  # doctest: +SKIP
        """
        from transformers import AutoTokenizer

        path = Path(path)
        check_model_folder(path)
        model = ArgmineModel.from_pretrained(path)
        tokenizer = AutoTokenizer.from_pretrained(path)
        return cls(model, tokenizer, device, precision, cache_size, calibrated)

    def clear_cache(self) -> None:
        """Forget every remembered encoder result."""
        self._cache.clear()

    # -- 1. preprocess ---------------------------------------------------------------

    def preprocess(self, sentences: Sequence[str]) -> ArticleInputs:
        """Encoder inputs (and layout, for a hierarchical model) of one article's sentences."""
        contexts = article_contexts(sentences, self.config.context)
        keys, inputs = [], {}
        for sentence, context in zip(sentences, contexts):
            context = context or None  # an empty context is no second segment
            key = self._cache.key(sentence, context)
            keys.append(key)
            inputs[key] = (sentence, context)
        if not self.hierarchical:
            return ArticleInputs(keys, inputs)
        windows = chunk_article(len(sentences), self.config.max_sentences, self.config.sentence_overlap)
        return ArticleInputs(keys, inputs, layout_features(sentences), windows)

    # -- 2. forward ------------------------------------------------------------------

    def _encode(self, pending: list[tuple[str, str | None]], batch_size: int, show: bool) -> list[tuple]:
        """Run the encoder (and, for a pair model, the heads) on distinct inputs."""
        max_len = self.config.max_seq_length
        # a lone surrogate (undecodable input) would crash the tokenizer: read it as U+FFFD
        texts = [_SURROGATE.sub("\ufffd", t) for t, _ in pending]
        contexts = [c if c is None else _SURROGATE.sub("\ufffd", c) for _, c in pending]
        encoded = encode(self.tokenizer, texts, contexts, max_len, return_attention_mask=False)
        features = [
            {k: encoded[k][i] for k in encoded.keys()} for i in range(len(pending))
        ]
        lengths = np.fromiter((len(f["input_ids"]) for f in features), dtype=np.int64, count=len(features))
        truncated = self._truncation_flags(texts, encoded, lengths >= max_len)
        order = np.argsort(-lengths, kind="stable")
        out: list[tuple] = [()] * len(pending)
        with torch.inference_mode():
            for start in tqdm(range(0, len(order), batch_size), disable=not show, desc="sentences"):
                rows = order[start : start + batch_size]
                batch = self.tokenizer.pad([features[i] for i in rows], return_tensors="pt")
                batch = {k: v.to(self.device) for k, v in batch.items()}
                vectors = self.model.embed(
                    batch["input_ids"], batch["attention_mask"], batch.get("token_type_ids")
                )
                if self.hierarchical:
                    results = vectors.float().cpu().numpy()
                    for j, i in enumerate(rows):
                        out[i] = (results[j], bool(truncated[i]))
                else:
                    role, stance = (x.float().cpu().numpy() for x in self.model.classify(vectors))
                    for j, i in enumerate(rows):
                        out[i] = (role[j], stance[j], bool(truncated[i]))
        return out

    def _truncation_flags(self, texts, encoded, at_limit: np.ndarray) -> np.ndarray:
        """Which sentences lost some of their own tokens (context cuts are not flagged).

        With a slow tokenizer (no sequence ids) every sentence at the limit is flagged.
        """
        flags = np.zeros(len(texts), dtype=bool)
        candidates = np.flatnonzero(at_limit)
        if len(candidates) == 0:
            return flags
        full = self.tokenizer(
            [texts[i] for i in candidates], add_special_tokens=False, return_attention_mask=False,
            verbose=False,
        )["input_ids"]
        for i, full_ids in zip(candidates, full):
            try:
                kept = sum(1 for s in encoded.sequence_ids(int(i)) if s == 0)
            except (ValueError, AttributeError):  # slow tokenizer: no sequence ids
                kept = -1
            flags[i] = kept < len(full_ids)
        return flags

    def _read_articles(self, articles: list[ArticleInputs], results: dict[bytes, tuple]) -> list[list[tuple]]:
        """Hierarchical: run the document transformer and heads over every article window."""
        jobs = []  # (article, window)
        for a, article in enumerate(articles):
            jobs += [(a, w) for w in article.windows or []]
        out: list[list[tuple]] = [[()] * len(article.keys) for article in articles]
        dtype = {"bf16": torch.bfloat16, "fp16": torch.float16}.get(self.precision, torch.float32)
        with torch.inference_mode():
            for start in range(0, len(jobs), WINDOWS_PER_BATCH):
                vectors, layout, doc, pos, places = [], [], [], [], []
                for d, (a, (lo, hi, keep_lo, keep_hi)) in enumerate(jobs[start : start + WINDOWS_PER_BATCH]):
                    article = articles[a]
                    for p, i in enumerate(range(lo, hi)):
                        vectors.append(results[article.keys[i]][0])
                        layout.append(article.layout[i])
                        doc.append(d)
                        pos.append(p)
                        places.append((a, i) if keep_lo <= i < keep_hi else None)
                if not vectors:
                    continue
                hidden = self.model.contextualize(
                    torch.as_tensor(np.stack(vectors)).to(self.device, dtype),
                    torch.as_tensor(layout, dtype=torch.float32).to(self.device),
                    torch.as_tensor(doc, device=self.device),
                    torch.as_tensor(pos, device=self.device),
                )
                role, stance = (x.float().cpu().numpy() for x in self.model.classify(hidden))
                for row, place in enumerate(places):
                    if place is not None:
                        a, i = place
                        out[a][i] = (role[row], stance[row], results[articles[a].keys[i]][1])
        return out

    def forward(
        self, articles: list[ArticleInputs], batch_size: int = 64, show_progress_bar: bool | None = None
    ) -> list[list[tuple]]:
        """Logits ``(role, stance, truncated)`` of every sentence of every article."""
        if batch_size < 1:
            raise ValueError(f"batch_size must be >= 1, got {batch_size}")
        results: dict[bytes, tuple] = {}
        pending: dict[bytes, tuple[str, str | None]] = {}
        for article in articles:
            for key, value in article.inputs.items():
                if key in results or key in pending:
                    continue
                cached = self._cache.get(key)
                if cached is None:
                    pending[key] = value
                else:
                    results[key] = cached
        if pending:
            computed = self._encode(list(pending.values()), batch_size, show_bar(show_progress_bar))
            for key, value in zip(pending, computed):
                results[key] = value
                self._cache.put(key, value)
        if self.hierarchical:
            return self._read_articles(articles, results)
        return [[results[key] for key in article.keys] for article in articles]

    # -- 3. postprocess --------------------------------------------------------------

    def postprocess(self, logits: list[tuple]) -> list[SentenceScores]:
        """Calibrated probabilities of one article's sentences."""
        if not logits:
            return []
        scores = {}
        for h, column in zip(HEADS, (0, 1)):
            x = np.stack([row[column] for row in logits]).astype(np.float32) + self.bias[h]
            x = np.exp(x - x.max(axis=1, keepdims=True))
            scores[h] = x / x.sum(axis=1, keepdims=True)
        return [
            SentenceScores(scores["role"][i], scores["stance"][i], bool(row[2]))
            for i, row in enumerate(logits)
        ]

    def predict_articles(
        self,
        articles: Sequence[Sequence[str]],
        batch_size: int = 64,
        show_progress_bar: bool | None = None,
    ) -> list[list[SentenceScores]]:
        """Class probabilities of every sentence of already-segmented articles.

        Args:
            articles: per article, its sentences in order (the headline first).
            batch_size: sentences per forward pass of the encoder.
            show_progress_bar: None shows a bar only when logging is at INFO or lower.

        Returns:
            Per article, one :class:`SentenceScores` per sentence.

        Example:
            >>> scores = predictor.predict_articles([["Border clash", "Troops crossed."]])  # doctest: +SKIP
            >>> scores[0][1].role.shape                                                   # doctest: +SKIP
            (4,)
        """
        inputs = [self.preprocess(sentences) for sentences in articles]
        return [self.postprocess(x) for x in self.forward(inputs, batch_size, show_progress_bar)]


def _check_texts(texts: Sequence[str]) -> None:
    if isinstance(texts, str):
        raise TypeError("analyze_batch takes a list of articles, got one str; use analyze(text)")
    for i, text in enumerate(texts):
        if not isinstance(text, str):
            raise ValueError(f"text {i} is a {type(text).__name__}, not a str")


class Miner:
    """Labels the sentences of whole articles: the object :func:`load` returns.

    Args:
        predictor: the :class:`Predictor` to run.

    Example:
        >>> miner = Miner(Predictor(model, tokenizer))                 # doctest: +SKIP
        >>> miner.analyze("Border clash\\n\\nTroops crossed.").summary  # doctest: +SKIP
    """

    def __init__(self, predictor: Predictor):
        self.predictor = predictor
        self.config = predictor.config

    @property
    def precision(self) -> str:
        """The numeric precision the model runs in (fp32, bf16, fp16 or int8; never auto)."""
        return self.predictor.precision

    def clear_cache(self) -> None:
        """Forget every remembered prediction."""
        self.predictor.clear_cache()

    def __call__(self, texts: str | Sequence[str], **kwargs) -> ArticleAnalysis | list[ArticleAnalysis]:
        """``miner(text)`` is :meth:`analyze`; ``miner(texts)`` is :meth:`analyze_batch`, as a
        transformers pipeline is called."""
        if isinstance(texts, str):
            return self.analyze(texts, **kwargs)
        return self.analyze_batch(texts, **kwargs)

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
            texts: the articles (a list, not one str).
            batch_size: sentences per forward pass.
            show_progress_bar: None shows a bar only when logging is at INFO or lower.
            doc_ids: one id per article (default None for each).

        Returns:
            One :class:`~argmine.results.ArticleAnalysis` per text, in order.

        Example:
            >>> arts = miner.analyze_batch(["First article.", "Second one."])  # doctest: +SKIP
        """
        _check_texts(texts)
        if doc_ids is None:
            doc_ids = [None] * len(texts)
        if len(doc_ids) != len(texts):
            raise ValueError(f"got {len(doc_ids)} doc_ids for {len(texts)} texts")
        spans = [split_sentences(text) if text.strip() else [] for text in texts]
        scores = self.predictor.predict_articles(
            [[s.text for s in article] for article in spans], batch_size, show_progress_bar
        )
        return [
            ArticleAnalysis(doc_id, [self._sentence(span, s) for span, s in zip(article, article_scores)], text=text)
            for doc_id, text, article, article_scores in zip(doc_ids, texts, spans, scores)
        ]

    def _sentence(self, span, scores: SentenceScores) -> SentencePrediction:
        roles, stances = self.predictor.labels["role"], self.predictor.labels["stance"]
        r, s = int(scores.role.argmax()), int(scores.stance.argmax())
        return SentencePrediction(
            text=span.text, start=span.start, end=span.end,
            role=roles[r], role_score=float(scores.role[r]),
            stance=stances[s], stance_score=float(scores.stance[s]),
            role_scores={n: float(p) for n, p in zip(roles, scores.role)},
            stance_scores={n: float(p) for n, p in zip(stances, scores.stance)},
            truncated=scores.truncated,
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
        precision: ``auto`` (the default: bf16 on CUDA and on CPUs with AMX or AVX-512
            BF16, fp32 on other CPUs; see :func:`auto_precision`), ``fp32``, ``bf16``,
            ``fp16`` (CUDA) or ``int8`` (CPU).
        cache_size: distinct encoder inputs whose results are kept for reuse.

    Example:
        >>> import argmine
        >>> miner = argmine.load("models/default")             # doctest: +SKIP
        >>> miner.analyze("Troops crossed the river.").summary   # doctest: +SKIP
    """
    return Miner(Predictor.from_pretrained(path, device, precision, cache_size))


def load_predictor(path: str | Path, device: str | None = None, precision: str = "fp32"):
    """Load a saved model folder for scoring: a fine-tuned argmine model (in fp32 unless
    told otherwise) or a TF-IDF baseline.

    Example:
        >>> predictor = load_predictor("models/baseline")  # doctest: +SKIP
    """
    from argmine.baseline import TfidfBaseline

    if TfidfBaseline.is_saved_in(path):
        return TfidfBaseline.load(path)
    return Predictor.from_pretrained(path, device=device, precision=precision)


__all__ = [
    "load_predictor", "ArticleAnalysis", "ArticleInputs", "ArticleSummary", "DEFAULT_PRECISION", "Miner", "PRECISIONS",
    "Predictor", "SentencePrediction", "SentenceScores", "auto_precision", "load", "pick_device", "show_bar",
]
