"""Inter-annotator agreement: Cohen's kappa between the corpus labels and a second annotator.

The second annotator's file has one line per sentence with ``article_id``,
``sentence_id``, ``role`` and ``stance``; only the sentences it covers are compared.

Usage:
    python data/escalation-news/tools/agreement.py data/escalation-news \
        data/escalation-news/agreement/second_annotator.jsonl \
        [--first-labels FILE] [--disagreements OUT.jsonl]

``--first-labels`` compares against a saved copy of the first annotator's labels
(the corpus itself is adjudicated afterwards, so kappa is reported on the labels
as they were before adjudication).
"""

from __future__ import annotations

import argparse
import json
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

from sklearn.metrics import cohen_kappa_score

from argmine.data import read_records
from argmine.labels import HEADS


def _labels(path: Path) -> dict[tuple[str, int], dict]:
    rows = read_records(path) if path.is_dir() else [
        json.loads(line) for line in path.open(encoding="utf-8") if line.strip()
    ]
    return {(r["article_id"], r["sentence_id"]): r for r in rows}


def main(argv: Sequence[str] | None = None) -> int:
    """Print kappa and raw agreement per head, and the most common confusions."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", type=Path)
    parser.add_argument("second", type=Path)
    parser.add_argument("--first-labels", type=Path, help="first annotator's labels, if the corpus changed since")
    parser.add_argument("--disagreements", type=Path, help="write the disagreeing rows here")
    args = parser.parse_args(argv)
    corpus = _labels(args.corpus)
    first = _labels(args.first_labels) if args.first_labels else corpus
    second = _labels(args.second)
    missing = [k for k in second if k not in first]
    if missing:
        raise SystemExit(f"{args.second}: {len(missing)} sentences not in the corpus, e.g. {missing[0]}")
    keys = sorted(second)
    print(f"articles {len({k[0] for k in keys})}  sentences {len(keys)}")
    for head in HEADS:
        a = [first[k][head] for k in keys]
        b = [second[k][head] for k in keys]
        agree = sum(x == y for x, y in zip(a, b, strict=True)) / len(keys)
        print(f"{head:7} kappa {cohen_kappa_score(a, b):.3f}  raw agreement {agree:.3f}")
        confusions = Counter((x, y) for x, y in zip(a, b, strict=True) if x != y)
        print("        first -> second: " + ", ".join(f"{x}->{y} {n}" for (x, y), n in confusions.most_common(6)))
    if args.disagreements:
        with args.disagreements.open("w", encoding="utf-8") as out:
            for k in keys:
                if any(first[k][h] != second[k][h] for h in HEADS):
                    row = {"article_id": k[0], "sentence_id": k[1], "text": corpus[k]["text"],
                           "first": {h: first[k][h] for h in HEADS}, "second": {h: second[k][h] for h in HEADS}}
                    out.write(json.dumps(row, ensure_ascii=False) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
