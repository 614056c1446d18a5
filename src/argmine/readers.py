"""Reading a corpus for the batch job: documents one at a time from JSON Lines, a folder
of ``.txt`` files, CSV, Parquet, a ``datasets.Dataset``, a pandas DataFrame or any
iterable of dicts. A bad row becomes a :class:`Document` with an ``error``, never an
exception, so the job can record it and go on.

Example:
    >>> from argmine.readers import detect_input_format
    >>> detect_input_format("news.jsonl")
    'jsonl'
"""

from __future__ import annotations

import csv
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

INPUT_FORMATS: tuple[str, ...] = ("jsonl", "txt", "csv", "parquet", "dataset")


@dataclass
class Document:
    """One input document: its id, its text, the fields to pass through, or why it is bad."""

    index: int
    doc_id: str
    text: Any
    fields: dict[str, Any] = field(default_factory=dict)
    error: str | None = None


def detect_input_format(source: Any) -> str:
    """Guess the input format from a path (folder, suffix) or object.

    Example:
        >>> detect_input_format("news.jsonl")
        'jsonl'
    """
    if not isinstance(source, (str, os.PathLike)):
        return "dataset"
    path = Path(source)
    if path.is_dir():
        return "txt"
    suffix = path.suffix.lower()
    for fmt, suffixes in (
        ("jsonl", (".jsonl", ".json", ".ndjson")), ("csv", (".csv",)),
        ("parquet", (".parquet", ".pq")), ("txt", (".txt",)),
    ):
        if suffix in suffixes:
            return fmt
    raise ValueError(
        f"{path}: cannot tell the input format from the name; pass input_format "
        f"(one of {', '.join(INPUT_FORMATS)})"
    )


def _from_row(index: int, row: Any, id_field: str, text_field: str, where: str) -> Document:
    if not isinstance(row, dict):
        return Document(index, str(index), None, error=f"{where}: not an object")
    if None in row:  # csv.DictReader puts a ragged row's extra cells under None
        return Document(index, str(index), None, error=f"{where}: more cells than the header has columns")
    if id_field not in row:
        doc_id = str(index)  # no id field: the position
    else:
        raw_id = row[id_field]
        if isinstance(raw_id, bool) or not isinstance(raw_id, (str, int)) or str(raw_id).strip() == "":
            return Document(index, str(index), None,
                            error=f"{where}: field {id_field!r} must be a non-empty string or an integer, "
                                  f"got {raw_id!r}")
        doc_id = str(raw_id)
    if text_field not in row:
        return Document(index, doc_id, None, error=f"{where}: no field {text_field!r}")
    fields = {k: v for k, v in row.items() if k not in (id_field, text_field)}
    return Document(index, doc_id, row[text_field], fields)


def read_documents(
    source: Any,
    input_format: str | None = None,
    id_field: str = "id",
    text_field: str = "text",
) -> Iterator[Document]:
    """Yield the documents of a corpus one at a time, in a fixed order.

    Args:
        source: a ``.jsonl``/``.csv``/``.parquet`` file, a folder of ``.txt`` files
            (read recursively, in name order; the id is the relative path without
            ``.txt``), a ``datasets.Dataset``, a ``pandas.DataFrame`` or any iterable of dicts.
        input_format: one of :data:`INPUT_FORMATS`; None guesses from ``source``.
        id_field: the field holding the document id (the position when missing).
        text_field: the field holding the text.

    Example:
        >>> docs = read_documents("news.jsonl", id_field="url")  # doctest: +SKIP
        >>> next(docs).doc_id                                     # doctest: +SKIP
    """
    fmt = input_format or detect_input_format(source)
    if fmt not in INPUT_FORMATS:
        raise ValueError(f"input format {fmt!r} is not one of {', '.join(INPUT_FORMATS)}")
    if fmt == "dataset":
        rows = _dataframe_rows(source) if hasattr(source, "itertuples") else source
        for i, row in enumerate(rows):
            yield _from_row(i, row, id_field, text_field, f"row {i}")
        return
    path = Path(source)
    if not path.exists():
        raise FileNotFoundError(f"{path}: no such file or folder")
    if fmt == "jsonl":
        with open(path, "rb") as handle:
            for i, line in enumerate(handle):
                if i == 0:
                    line = line.removeprefix(b"\xef\xbb\xbf")  # a UTF-8 byte order mark
                if not line.strip():
                    continue
                where = f"line {i + 1}"
                try:
                    row = json.loads(line.decode("utf-8"))
                except UnicodeDecodeError:
                    yield Document(i, str(i), None, error=f"{where}: not valid UTF-8")
                    continue
                except json.JSONDecodeError as err:
                    yield Document(i, str(i), None, error=f"{where}: not valid JSON ({err.msg})")
                    continue
                yield _from_row(i, row, id_field, text_field, where)
    elif fmt == "txt":
        files = sorted(f for f in path.rglob("*") if f.is_file() and f.suffix.lower() == ".txt") \
            if path.is_dir() else [path]
        for i, file in enumerate(files):
            doc_id = str(file.relative_to(path).with_suffix("")) if path.is_dir() else file.stem
            try:
                text = file.read_bytes().decode("utf-8")
            except UnicodeDecodeError as err:
                yield Document(i, doc_id, None, error=f"{file.name}: not valid UTF-8 ({err.reason})")
                continue
            yield Document(i, doc_id, text)
    elif fmt == "csv":
        csv.field_size_limit(2**31 - 1)
        # utf-8-sig: Excel's "CSV UTF-8" starts with a byte order mark; strict: an unterminated
        # quote is an error, not a field that swallows the following rows
        with open(path, encoding="utf-8-sig", errors="surrogateescape", newline="") as handle:
            reader = csv.DictReader(handle, strict=True)
            rows = enumerate(reader)
            while True:
                try:
                    i, row = next(rows)
                except StopIteration:
                    break
                except csv.Error as err:
                    raise ValueError(f"{path} line {reader.line_num}: not valid CSV ({err}); "
                                     f"check its quotes") from None
                text = row.get(text_field)
                if isinstance(text, str) and _has_surrogates(text):
                    yield Document(i, str(row.get(id_field) or i), None,
                                   error=f"row {i + 1}: not valid UTF-8")
                    continue
                yield _from_row(i, row, id_field, text_field, f"row {i + 1}")
    else:
        import pyarrow.parquet as pq

        i = 0
        for batch in pq.ParquetFile(path).iter_batches(batch_size=256):
            for row in batch.to_pylist():
                yield _from_row(i, row, id_field, text_field, f"row {i}")
                i += 1


def passthrough_fields(source: Any, input_format: str, id_field: str, text_field: str) -> list[str]:
    """The fields other than id and text found in any document, in order of first appearance."""
    if input_format == "parquet":
        import pyarrow.parquet as pq

        names = pq.ParquetFile(source).schema_arrow.names
    elif input_format == "dataset" and hasattr(source, "column_names"):  # datasets.Dataset
        names = list(source.column_names)
    elif input_format == "dataset" and hasattr(source, "itertuples"):  # pandas.DataFrame
        names = [str(c) for c in source.columns]
    elif input_format == "csv":
        with open(source, encoding="utf-8-sig", errors="surrogateescape", newline="") as handle:
            names = next(csv.reader(handle), [])
    else:
        seen: dict[str, None] = {}
        for doc in read_documents(source, input_format, id_field=id_field, text_field=text_field):
            seen.update(dict.fromkeys(doc.fields))
        names = list(seen)
    return [n for n in names if n not in (id_field, text_field)]


def _dataframe_rows(frame: Any) -> Iterator[dict[str, Any]]:
    """The rows of a pandas DataFrame as dicts (iterating a DataFrame yields its column names)."""
    columns = [str(c) for c in frame.columns]
    for values in frame.itertuples(index=False, name=None):
        yield dict(zip(columns, values))


def _has_surrogates(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def count_documents(source: Any, input_format: str | None = None) -> int | None:
    """Count a corpus's documents cheaply, or None when that needs a full parse (CSV).

    Example:
        >>> count_documents("news.jsonl")  # doctest: +SKIP
        1000
    """
    fmt = input_format or detect_input_format(source)
    if fmt == "dataset":
        return len(source) if hasattr(source, "__len__") else None
    path = Path(source)
    if fmt == "jsonl":
        with open(path, "rb") as handle:
            return sum(1 for line in handle if line.strip())
    if fmt == "txt":
        return sum(1 for _ in path.rglob("*.txt")) if path.is_dir() else 1
    if fmt == "parquet":
        import pyarrow.parquet as pq

        return pq.ParquetFile(path).metadata.num_rows
    return None


__all__ = ["Document", "INPUT_FORMATS", "count_documents", "detect_input_format", "passthrough_fields",
           "read_documents"]
