"""Batch inference over a corpus: streaming, resumable, with an errors file.

:func:`analyze_corpus` reads documents one chunk at a time (JSON Lines, a folder of
``.txt`` files, CSV, Parquet or a ``datasets.Dataset``), labels their sentences with a
:class:`~argmine.predict.Miner` and appends one row per sentence to the output
(JSON Lines or Parquet), plus optionally one row per article (its summary). Memory
stays flat: at most one chunk of documents is held at a time.

Resuming: after each chunk the output files are flushed to disk and a small progress
file (``OUTPUT.progress.json``) records how many documents are done and how long each
output file was. ``resume=True`` cuts the files back to that point and carries on, so a
run killed at any moment (even with SIGKILL) and resumed ends with the same output as
an uninterrupted run. For this to hold byte for byte, each chunk is computed on its own
(the prediction cache is cleared between chunks and the chunk size is kept from the
first run). Parquet output is written as one part per chunk in ``OUTPUT.parts/`` and
merged into ``OUTPUT`` at the end.

Bad documents (empty, not text, undecodable, too long, unreadable row) go to the
errors file (``OUTPUT.errors.jsonl`` by default) with the reason; the run goes on.

Example:
    >>> import argmine
    >>> result = argmine.analyze_corpus("models/default", "news.jsonl", "labels.jsonl")  # doctest: +SKIP
    >>> result.n_documents, result.n_failed                                               # doctest: +SKIP
    (1000, 3)
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import chain, islice
from pathlib import Path
from typing import Any

import numpy as np
from tqdm.auto import tqdm

from argmine.context import check_choice
from argmine.labels import ROLES, STANCES
from argmine.predict import Miner, load
from argmine.readers import (
    INPUT_FORMATS,
    Document,
    count_documents,
    detect_input_format,
    passthrough_fields,
    read_documents,
)
from argmine.results import ArticleAnalysis
from argmine.sinks import JsonlSink, ParquetSink, make_sink

logger = logging.getLogger(__name__)

OUTPUT_FORMATS: tuple[str, ...] = ("jsonl", "parquet")
#: ``local`` runs in this process; ``ray`` spreads chunks over Ray actors (argmine[ray]).
ENGINES: tuple[str, ...] = ("local", "ray")
#: Columns of every sentence row, before the passed-through fields.
SENTENCE_COLUMNS: tuple[str, ...] = (
    "doc_id", "sentence_id", "start", "end", "text", "role", "role_score",
    "stance", "stance_score", "truncated",
)
#: Columns of every article (summary) row, before the passed-through fields.
SUMMARY_COLUMNS: tuple[str, ...] = (
    "doc_id", "n_sentences", *(f"role_{r}" for r in ROLES), *(f"stance_{s}" for s in STANCES),
    "escalation_balance",
)
_MODEL_FILES = ("config.json", "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json",
                "vocab.txt", "baseline_vocab.json", "argmine_baseline.json")
_STATE_VERSION = 2  # 2: the run's identity (model, input, options) is recorded and checked


@dataclass
class CorpusResult:
    """What :func:`analyze_corpus` did.

    Attributes:
        n_documents: documents read (good and bad), including those of earlier runs.
        n_sentences: sentence rows written.
        n_failed: documents written to the errors file.
        output: the sentence output path.
        errors_output: the errors file.
        summary_output: the per-article output, if asked for.
        resumed_from: documents already done when this run started.
        seconds: wall time of this run.
    """

    n_documents: int
    n_sentences: int
    n_failed: int
    output: Path
    errors_output: Path
    summary_output: Path | None
    resumed_from: int = 0
    seconds: float = 0.0


def _check_document(doc: Document, max_chars: int) -> str | None:
    if doc.error:
        return doc.error
    if not isinstance(doc.text, str):
        return f"not text (got {type(doc.text).__name__})"
    if not doc.text.strip():
        return "empty text"
    if len(doc.text) > max_chars:
        return f"too long: {len(doc.text)} characters (max_chars {max_chars})"
    return None


def _plain(value: Any) -> Any:
    """Make a passed-through value JSON-safe (dates and the like become strings)."""
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    if isinstance(value, (list, dict)):
        return json.loads(json.dumps(value, ensure_ascii=False, default=str))
    return str(value)


def model_fingerprint(model: Any) -> str:
    """What identifies a model for resume: a hash of the files of a model folder that
    decide its output (weights, config, tokenizer, baseline arrays), or of a loaded
    Miner's weights."""
    digest = hashlib.sha256()
    if isinstance(model, Miner):
        import torch

        for name, value in sorted(model.predictor.model.state_dict().items()):
            if isinstance(value, torch.Tensor):
                digest.update(name.encode())
                digest.update(value.detach().float().cpu().numpy().tobytes())
        for head, bias in sorted(model.predictor.bias.items()):  # the calibration changes labels too
            digest.update(head.encode() + np.asarray(bias, dtype=np.float32).tobytes())
        return "weights:" + digest.hexdigest()[:16]
    path = Path(model)
    if not path.is_dir():
        return f"name:{model}"
    for f in sorted(path.iterdir()):
        if f.is_file() and (f.suffix in (".safetensors", ".npz") or f.name in _MODEL_FILES):
            digest.update(f.name.encode())
            with f.open("rb") as handle:
                for block in iter(lambda: handle.read(1 << 20), b""):
                    digest.update(block)
    return "files:" + digest.hexdigest()[:16]


def input_fingerprint(source: Any) -> str | None:
    """What identifies an input for resume: size, mtime and a hash of the first MiB of a
    file; names, sizes and mtimes of a folder's files; a Dataset's fingerprint."""
    if isinstance(source, (str, os.PathLike)):
        path = Path(source)
        if path.is_file():
            stat = path.stat()
            with path.open("rb") as handle:
                head = hashlib.sha256(handle.read(1 << 20)).hexdigest()[:16]
            return f"file:{stat.st_size}:{stat.st_mtime_ns}:{head}"
        if path.is_dir():
            listing = [(f.name, f.stat().st_size, f.stat().st_mtime_ns) for f in sorted(path.iterdir()) if f.is_file()]
            return "folder:" + hashlib.sha256(json.dumps(listing).encode()).hexdigest()[:16]
    return getattr(source, "_fingerprint", None)


def _refuse_clashing_paths(source: Any, outputs: dict[str, Path | None]) -> None:
    """No two outputs on one file, and no output on the input (it would be destroyed)."""
    seen: dict[Path, str] = {}
    if isinstance(source, (str, os.PathLike)):
        seen[Path(source).resolve()] = "input"
    for name, path in outputs.items():
        if path is None:
            continue
        resolved = Path(path).resolve()
        if resolved in seen:
            raise ValueError(f"{path}: the {name} is the same file as the {seen[resolved]}; choose another path")
        seen[resolved] = name


def _output_format(path: Path, output_format: str | None) -> str:
    fmt = output_format or ("parquet" if path.suffix.lower() in (".parquet", ".pq") else "jsonl")
    if fmt not in OUTPUT_FORMATS:
        raise ValueError(f"output format {fmt!r} is not one of {', '.join(OUTPUT_FORMATS)}")
    return fmt


def _columns(names: Iterable[str], keep: list[str]) -> list[tuple[str, Any]]:
    import pyarrow as pa

    types = {
        "doc_id": pa.string(), "sentence_id": pa.int64(), "start": pa.int64(),
        "end": pa.int64(), "text": pa.string(), "role": pa.string(), "stance": pa.string(),
        "role_score": pa.float64(), "stance_score": pa.float64(), "truncated": pa.bool_(),
        "n_sentences": pa.int64(), "escalation_balance": pa.float64(),
    }
    columns = [(n, types.get(n, pa.int64())) for n in names]
    return columns + [(k, pa.string()) for k in keep]


def _sentence_rows(art: ArticleAnalysis, passthrough: dict[str, Any]) -> Iterator[dict]:
    for i, s in enumerate(art.sentences):
        yield {
            "doc_id": art.doc_id, "sentence_id": i, "start": s.start, "end": s.end,
            "text": s.text, "role": s.role, "role_score": s.role_score,
            "stance": s.stance, "stance_score": s.stance_score, "truncated": s.truncated,
            **passthrough,
        }


def _summary_row(art: ArticleAnalysis, passthrough: dict[str, Any]) -> dict[str, Any]:
    summary = art.summary
    row: dict[str, Any] = {"doc_id": art.doc_id, "n_sentences": summary.n_sentences}
    row.update({f"role_{k}": v for k, v in summary.role_counts.items()})
    row.update({f"stance_{k}": v for k, v in summary.stance_counts.items()})
    row["escalation_balance"] = summary.escalation_balance
    return {**row, **passthrough}


def _write_state(path: Path, state: dict[str, Any]) -> None:
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "w", encoding="utf-8") as handle:
        json.dump(state, handle)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)


def analyze_corpus(
    model: str | Path | Miner,
    input: Any,
    output: str | Path,
    *,
    input_format: str | None = None,
    output_format: str | None = None,
    id_field: str = "id",
    text_field: str = "text",
    keep_fields: list[str] | None = None,
    summary_output: str | Path | None = None,
    errors_output: str | Path | None = None,
    resume: bool = False,
    overwrite: bool = False,
    chunk_size: int = 256,
    batch_size: int = 64,
    max_chars: int = 200_000,
    precision: str | None = None,
    device: str | None = None,
    show_progress_bar: bool | None = None,
    engine: str = "local",
    ray_address: str | None = None,
    num_workers: int = 1,
    ray_cpus: float = 1.0,
    ray_gpus: float = 0.0,
) -> CorpusResult:
    """Label every sentence of a corpus, streaming, with resume and an errors file.

    Args:
        model: a model folder or a loaded :class:`~argmine.predict.Miner`.
        input: a file, a folder of ``.txt`` files, or a ``datasets.Dataset`` (see
            :func:`read_documents`).
        output: where the sentence rows go (``.parquet`` for Parquet, else JSON Lines).
        input_format: one of :data:`INPUT_FORMATS`; None guesses.
        output_format: ``jsonl`` or ``parquet``; None guesses from ``output``.
        id_field: input field with the document id (the position when missing).
        text_field: input field with the text.
        keep_fields: input fields copied to every output row; None keeps all the fields
            of the first document (other than id and text). In Parquet they are strings.
        summary_output: if given, one row per article (counts, escalation balance),
            in the same format as ``output``.
        errors_output: errors file (JSON Lines); default ``OUTPUT.errors.jsonl``.
        resume: carry on from the last completed chunk of an earlier run.
        overwrite: replace existing output instead of refusing.
        chunk_size: documents per chunk (the unit of streaming and of resume).
        batch_size: sentences per forward pass.
        max_chars: longer documents are refused as "too long".
        precision: as for :func:`argmine.load` (None: ``auto``); ignored when ``model``
            is a Miner.
        device: as for :func:`argmine.load`.
        show_progress_bar: None shows the bar when logging is at INFO or lower.
        engine: ``local`` (this process) or ``ray``: chunks go to ``num_workers`` Ray
            actors (each loads the model once, ``ray_cpus`` / ``ray_gpus`` each) while this
            process reads and writes in order, so the output, the errors file and resume
            are the local engine's. ``ray_address``: None starts a local Ray (or uses one
            already initialised), ``auto`` or ``ray://HOST:PORT`` joins a cluster.

    Returns:
        A :class:`CorpusResult` with the counts and paths.

    Raises:
        ValueError: when the output exists and neither ``resume`` nor ``overwrite`` is
            set, or when the progress file does not match this input.

    Example:
        >>> result = analyze_corpus("models/default", "news.jsonl", "out.parquet",
        ...                         summary_output="articles.parquet", resume=True)  # doctest: +SKIP
    """
    started = time.perf_counter()
    if chunk_size < 1:
        raise ValueError(f"chunk_size must be >= 1, got {chunk_size}")
    output = Path(output)
    fmt = _output_format(output, output_format)
    in_fmt = input_format or detect_input_format(input)
    errors_path = Path(errors_output) if errors_output else output.with_name(
        output.name + ".errors.jsonl"
    )
    summary_path = Path(summary_output) if summary_output else None
    state_path = output.with_name(output.name + ".progress.json")
    input_name = str(input) if isinstance(input, (str, os.PathLike)) else type(input).__name__

    _refuse_clashing_paths(input, {"output": output, "errors file": errors_path, "summary": summary_path,
                                   "progress file": state_path})
    state: dict[str, Any] | None = None
    if resume and not state_path.exists() and not overwrite:
        for path in (output, output.with_name(output.name + ".parts")):
            if path.exists():
                raise ValueError(f"{path} exists but {state_path} does not, so nothing says how much of it is "
                                 f"complete; resuming would overwrite it. Pass overwrite to replace it")
    identity = {
        "model": model_fingerprint(model), "input_fingerprint": input_fingerprint(input),
        "options": {"id_field": id_field, "text_field": text_field, "max_chars": max_chars,
                    "summary": summary_path is not None, "format": fmt, "precision": precision,
                    "keep_fields": keep_fields},
    }
    if resume and state_path.exists():
        try:
            state = json.loads(state_path.read_text(encoding="utf-8"))
        except json.JSONDecodeError as err:
            raise ValueError(f"{state_path}: not valid JSON ({err.msg}); use overwrite to start again") from None
        required = ("version", "input", "chunk_size", "keep_fields", "docs_done", "n_sentences", "n_failed",
                    "files", "complete")
        missing = [k for k in required if not isinstance(state, dict) or k not in state]
        if missing:
            raise ValueError(f"{state_path}: not an argmine progress file (missing {', '.join(missing)}); "
                             f"use overwrite to start again")
        if state.get("version") != _STATE_VERSION or state.get("input") != input_name:
            raise ValueError(
                f"{state_path}: progress of another run (input {state.get('input')!r}, or an older "
                f"argmine); use overwrite to start again"
            )
        changed = [k for k in identity if state.get(k) != identity[k]]
        if changed:
            what = {"model": "the model", "input_fingerprint": "the input's content",
                    "options": "the options"}
            detail = "; ".join(f"{what[k]}: {state.get(k)} -> {identity[k]}" for k in changed)
            raise ValueError(f"{state_path}: {detail} changed since the run began, so resuming would mix two "
                             f"runs' rows; use the same model, input and options, or overwrite to start again")
        if state["chunk_size"] != chunk_size:
            logger.info("resuming with the first run's chunk_size %d", state["chunk_size"])
        chunk_size = state["chunk_size"]
    elif not overwrite and not resume:
        for path in (output, state_path, output.with_name(output.name + ".parts")):
            if path.exists():
                raise ValueError(f"{path} exists; pass resume to continue or overwrite to replace")

    if state and state.get("complete"):
        for name, path in (("output", output), ("summary", summary_path)):
            if path is not None and not path.exists():
                raise ValueError(f"{path}: the {name} of this completed run is gone; use overwrite to run again")
        return CorpusResult(
            n_documents=state["docs_done"], n_sentences=state["n_sentences"],
            n_failed=state["n_failed"], output=output, errors_output=errors_path,
            summary_output=summary_path, resumed_from=state["docs_done"],
            seconds=time.perf_counter() - started,
        )
    check_choice("engine", engine, ENGINES)
    if engine == "local":
        miner = model if isinstance(model, Miner) else load(model, device=device, precision=precision)
    elif isinstance(model, Miner):
        raise ValueError("engine 'ray' loads the model in every worker: pass a model folder, not a Miner")
    documents = read_documents(input, in_fmt, id_field=id_field, text_field=text_field)
    done = state["docs_done"] if state else 0
    if state:
        keep = state["keep_fields"]
        documents = islice(documents, done, None)
    elif keep_fields is not None:
        keep = list(keep_fields)
    elif in_fmt == "dataset" and iter(input) is input:  # a one-shot iterator: the first document's fields
        first = next(documents, None)
        keep = list(first.fields) if first else []
        documents = chain([first] if first else [], documents)
    else:  # the fields of every document (one reading pass; a broken or sparse first row drops nothing)
        keep = passthrough_fields(input, in_fmt, id_field, text_field)
    clashes = [k for k in keep if k in SENTENCE_COLUMNS or k in SUMMARY_COLUMNS]
    if clashes:
        logger.warning("not passing through %s: the output has columns of that name", clashes)
        keep = [k for k in keep if k not in clashes]

    sinks = {"output": make_sink(output, fmt, _columns(SENTENCE_COLUMNS, keep))}
    sinks["errors"] = JsonlSink(errors_path)
    if summary_path is not None:
        sinks["summary"] = make_sink(summary_path, fmt, _columns(SUMMARY_COLUMNS, keep))
    for name, sink in sinks.items():
        sink.open(state["files"][name] if state else None)
    n_sentences = state["n_sentences"] if state else 0
    n_failed = state["n_failed"] if state else 0
    n_docs = done

    def save_state(complete: bool, files: dict[str, int]) -> None:
        _write_state(state_path, {
            "version": _STATE_VERSION, "input": input_name, **identity, "chunk_size": chunk_size,
            "keep_fields": keep, "docs_done": n_docs, "n_sentences": n_sentences,
            "n_failed": n_failed, "files": files, "complete": complete,
        })

    if state is None:
        save_state(False, {name: 0 for name in sinks})
    if show_progress_bar is None:
        show_progress_bar = logger.getEffectiveLevel() <= logging.INFO
    total = count_documents(input, in_fmt)
    bar = tqdm(total=total, initial=done, unit="doc", desc="corpus",
               disable=not show_progress_bar)
    run_sentences = 0
    chunks = iter(lambda: list(islice(documents, chunk_size)), [])
    if engine == "local":
        results = (process_chunk(miner, chunk, max_chars, batch_size) for chunk in chunks)
    else:
        from argmine.scale import ray_chunk_results

        results = ray_chunk_results(model, chunks, max_chars=max_chars, batch_size=batch_size, device=device,
                                    precision=precision, address=ray_address, num_workers=num_workers,
                                    num_cpus=ray_cpus, num_gpus=ray_gpus)
    for n_chunk, analyses, errors in results:
        for doc, art in analyses:
            passthrough = {k: _plain(doc.fields.get(k)) for k in keep}
            if fmt == "parquet":
                passthrough = {
                    k: v if v is None or isinstance(v, str) else json.dumps(v, ensure_ascii=False)
                    for k, v in passthrough.items()
                }
            sinks["output"].write(_sentence_rows(art, passthrough))
            if "summary" in sinks:
                sinks["summary"].write([_summary_row(art, passthrough)])
            n_sentences += len(art.sentences)
            run_sentences += len(art.sentences)
        errors.sort(key=lambda e: e["index"])
        sinks["errors"].write(errors)
        n_failed += len(errors)
        n_docs += n_chunk
        save_state(False, {name: sink.commit() for name, sink in sinks.items()})
        bar.update(n_chunk)
        elapsed = max(bar.format_dict.get("elapsed", 0.0), 1e-9)
        bar.set_postfix(sent_per_s=f"{run_sentences / elapsed:.1f}", failed=n_failed)
    bar.close()
    for sink in sinks.values():
        sink.finish()
    save_state(True, {
        name: (sink.n_parts if isinstance(sink, ParquetSink) else sink.path.stat().st_size)
        for name, sink in sinks.items()
    })
    seconds = time.perf_counter() - started
    logger.info(
        "%d documents, %d sentences, %d failed in %.1f s", n_docs, n_sentences, n_failed, seconds
    )
    return CorpusResult(
        n_documents=n_docs, n_sentences=n_sentences, n_failed=n_failed, output=output,
        errors_output=errors_path, summary_output=summary_path, resumed_from=done,
        seconds=seconds,
    )


def process_chunk(miner: Miner, chunk: list[Document], max_chars: int, batch_size: int):
    """One chunk on its own (the cache cleared first, so its output depends on it alone):
    ``(documents in the chunk, [(document, analysis)], errors)``. Both engines call this."""
    miner.clear_cache()
    good, errors = [], []
    for doc in chunk:
        reason = _check_document(doc, max_chars)
        if reason:
            errors.append({"doc_id": doc.doc_id, "index": doc.index, "reason": reason})
        else:
            good.append(doc)
    return len(chunk), _analyze_chunk(miner, good, batch_size, errors), errors


def _analyze_chunk(miner: Miner, docs: list[Document], batch_size: int, errors: list[dict]):
    """Analyse a chunk in one pooled call; on failure, one by one to isolate bad documents."""
    if not docs:
        return []
    try:
        arts = miner.analyze_batch(
            [d.text for d in docs], batch_size=batch_size, show_progress_bar=False,
            doc_ids=[d.doc_id for d in docs],
        )
        return list(zip(docs, arts))
    except Exception:  # noqa: BLE001 - isolate the document that broke the batch
        logger.warning("a chunk failed; retrying its documents one by one", exc_info=True)
    out = []
    for doc in docs:
        try:
            out.append((doc, miner.analyze(doc.text, doc_id=doc.doc_id)))
        except Exception as err:  # noqa: BLE001 - a bad document must not stop the run
            errors.append({"doc_id": doc.doc_id, "index": doc.index,
                           "reason": f"analysis failed: {type(err).__name__}: {err}"})
    return out


__all__ = [
    "CorpusResult", "Document", "INPUT_FORMATS", "OUTPUT_FORMATS", "SENTENCE_COLUMNS",
    "SUMMARY_COLUMNS", "analyze_corpus", "count_documents", "detect_input_format",
    "read_documents",
]
