"""Where the batch job writes: append-only JSON Lines that can be cut back to the last
committed size, and Parquet written as one part per chunk and merged at the end. Both
commit after each chunk (flushed and fsynced), which is what resume relies on."""

from __future__ import annotations

import io
import json
import os
import shutil
from collections.abc import Iterable
from pathlib import Path
from typing import Any


class JsonlSink:
    """Append-only JSON Lines file that can be cut back to its last committed size."""

    def __init__(self, path: Path):
        self.path = path
        self.handle: io.BufferedWriter | None = None

    def open(self, committed: int | None) -> None:
        if committed is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.handle = open(self.path, "wb")
            return
        if not self.path.exists():
            raise ValueError(f"{self.path}: missing, cannot resume; start again without resume")
        size = self.path.stat().st_size
        if size < committed:
            raise ValueError(f"{self.path}: {size} bytes, shorter than the {committed} its progress file "
                             f"records; it was changed after the run, so resuming would lose rows. "
                             f"Start again with overwrite")
        with open(self.path, "r+b") as handle:
            handle.truncate(committed)
        self.handle = open(self.path, "ab")

    def write(self, rows: Iterable[dict[str, Any]]) -> None:
        for row in rows:
            self.handle.write(
                (json.dumps(row, ensure_ascii=False, default=str) + "\n").encode("utf-8")
            )

    def commit(self) -> int:
        self.handle.flush()
        os.fsync(self.handle.fileno())
        return self.handle.tell()

    def finish(self) -> None:
        if self.handle is not None:
            self.handle.close()


class ParquetSink:
    """One Parquet part per chunk in ``PATH.parts/``, merged into ``PATH`` at the end."""

    def __init__(self, path: Path, columns: list[tuple[str, Any]]):
        import pyarrow as pa

        self.path = path
        self.parts = path.with_name(path.name + ".parts")
        self.schema = pa.schema(columns)
        self.rows: list[dict[str, Any]] = []
        self.n_parts = 0

    def open(self, committed: int | None) -> None:
        if committed is None:
            shutil.rmtree(self.parts, ignore_errors=True)
            self.parts.mkdir(parents=True)
            return
        if not self.parts.is_dir():
            raise ValueError(f"{self.parts}: missing, cannot resume; start again with overwrite")
        missing = [k for k in range(committed) if not (self.parts / f"part-{k:06d}.parquet").exists()]
        if missing:
            raise ValueError(f"{self.parts}: part {missing[0]} of the {committed} its progress file records is "
                             f"missing; start again with overwrite")
        self.n_parts = committed
        for part in self.parts.glob("part-*"):
            if part.suffix != ".parquet" or int(part.stem.split("-")[1]) >= committed:
                part.unlink()

    def write(self, rows: Iterable[dict[str, Any]]) -> None:
        self.rows.extend(rows)

    def commit(self) -> int:
        import pyarrow as pa
        import pyarrow.parquet as pq

        table = pa.Table.from_pylist(self.rows, schema=self.schema)
        name = self.parts / f"part-{self.n_parts:06d}.parquet"
        tmp = name.with_suffix(".tmp")
        pq.write_table(table, tmp)
        with open(tmp, "rb") as handle:
            os.fsync(handle.fileno())
        os.replace(tmp, name)
        self.rows = []
        self.n_parts += 1
        return self.n_parts

    def finish(self) -> None:
        import pyarrow.parquet as pq

        tmp = self.path.with_name(self.path.name + ".tmp")
        with pq.ParquetWriter(tmp, self.schema) as writer:
            for k in range(self.n_parts):
                writer.write_table(pq.read_table(self.parts / f"part-{k:06d}.parquet"))
        os.replace(tmp, self.path)
        shutil.rmtree(self.parts, ignore_errors=True)


def make_sink(path: Path, fmt: str, columns: list[tuple[str, Any]]):
    return JsonlSink(path) if fmt == "jsonl" else ParquetSink(path, columns)

__all__ = ["JsonlSink", "ParquetSink", "make_sink"]
