"""Corpus inference on a Ray cluster (``pip install "argmine[ray]"``).

:func:`argmine.analyze_corpus` with ``engine="ray"`` keeps reading the input and writing
the output in this process, in order, and sends each chunk of documents to a pool of
Ray actors. Every actor loads the model once and runs the local engine's own chunk
function (:func:`argmine.corpus.process_chunk`), so rows, errors and resume are the
local engine's. At most two chunks per actor are in flight: memory stays flat.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

logger = logging.getLogger(__name__)


def _ray():
    try:
        import ray
    except ImportError:
        raise ImportError('engine "ray" needs Ray: pip install "argmine[ray]"') from None
    return ray


class ChunkWorker:
    """A Ray actor's state: one loaded model, labelling chunk after chunk."""

    def __init__(self, model: str, device: str | None, precision: str | None):
        from argmine.predict import load

        self.miner = load(model, device=device, precision=precision)

    def run(self, chunk: list, max_chars: int, batch_size: int):
        from argmine.corpus import process_chunk

        return process_chunk(self.miner, chunk, max_chars, batch_size)


def ray_chunk_results(
    model: str | Path,
    chunks: Iterable[list],
    *,
    max_chars: int,
    batch_size: int,
    device: str | None = None,
    precision: str | None = None,
    address: str | None = None,
    num_workers: int = 1,
    num_cpus: float = 1.0,
    num_gpus: float = 0.0,
) -> Iterator[tuple[int, list, list]]:
    """Yield :func:`argmine.corpus.process_chunk` results of ``chunks``, in order, computed
    by ``num_workers`` actors."""
    ray = _ray()
    if num_workers < 1:
        raise ValueError(f"num_workers must be >= 1, got {num_workers}")
    if not ray.is_initialized():
        ray.init(address=address, include_dashboard=False, logging_level=logging.WARNING)
    model = str(Path(model).resolve()) if Path(model).exists() else str(model)
    actor = ray.remote(num_cpus=num_cpus, num_gpus=num_gpus)(ChunkWorker)
    workers = [actor.remote(model, device, precision) for _ in range(num_workers)]
    logger.info("ray: %d workers (%s CPU, %s GPU each)", num_workers, num_cpus, num_gpus)
    # not ray.util.ActorPool.map: it consumes the whole iterable up front (the corpus in memory)
    in_flight: list[Any] = []
    chunks = iter(chunks)
    next_worker = 0
    try:
        while True:
            while len(in_flight) < 2 * num_workers:
                chunk = next(chunks, None)
                if chunk is None:
                    break
                in_flight.append(workers[next_worker].run.remote(chunk, max_chars, batch_size))
                next_worker = (next_worker + 1) % num_workers
            if not in_flight:
                return
            yield ray.get(in_flight.pop(0))
    finally:
        for w in workers:
            ray.kill(w)


__all__ = ["ChunkWorker", "ray_chunk_results"]
