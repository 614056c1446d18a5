"""Time ``argmine report`` on a synthetic corpus output of N sentence rows.

The rows are random labels over placeholder text (no real sentences), with ``source``,
``date`` and ``url`` fields, written as JSON Lines in the corpus job's schema.

Example:
    $ python scripts/bench_report.py -n 100000
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

import numpy as np

from argmine.labels import ROLES, STANCES
from argmine.report import corpus_report


def write_rows(path: Path, n: int, seed: int = 0) -> None:
    rng = np.random.default_rng(seed)
    roles = rng.choice(ROLES, n, p=[0.35, 0.4, 0.1, 0.15])
    stances = rng.choice(STANCES, n, p=[0.12, 0.18, 0.7])
    scores = rng.uniform(0.3, 1.0, (n, 2))
    days = rng.integers(0, 400, n // 9 + 1)
    with path.open("w") as f:
        for i in range(n):
            doc = i // 9
            f.write(json.dumps({
                "doc_id": f"doc{doc}", "sentence_id": i % 9, "start": 0, "end": 10, "text": f"sentence {i}",
                "role": str(roles[i]), "role_score": float(scores[i, 0]), "stance": str(stances[i]),
                "stance_score": float(scores[i, 1]), "truncated": False, "source": f"outlet {doc % 40}",
                "date": str(np.datetime64("2025-01-01") + int(days[doc])), "url": f"https://example.org/{doc}",
            }) + "\n")


def main(argv: list[str] | None = None) -> float:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-n", type=int, default=100_000, help="sentence rows")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "labels.jsonl"
        write_rows(path, args.n)
        start = time.perf_counter()
        report = corpus_report(path, Path(tmp) / "report")
        seconds = time.perf_counter() - start
    print(f"{report.n_sentences} sentences in {report.n_documents} documents: report in {seconds:.1f} s")
    return seconds


if __name__ == "__main__":
    main()
