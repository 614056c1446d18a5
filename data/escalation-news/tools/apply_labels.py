"""Apply reviewed labels to a corpus folder in place (adjudication, consistency reviews).

Each line of a changes file names a sentence (``article_id``, ``sentence_id``) and gives
its final ``role``, ``stance`` and, optionally, ``ambiguous``. Every other field and
every other row is kept as is. Prints how many labels changed.

Usage:
    python data/escalation-news/tools/apply_labels.py data/escalation-news CHANGES.jsonl [MORE.jsonl ...]
"""

from __future__ import annotations

import argparse
import json
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

from argmine.data import jsonl_files
from argmine.labels import HEADS, validate_label


def main(argv: Sequence[str] | None = None) -> int:
    """Rewrite the corpus files with the reviewed labels."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", type=Path)
    parser.add_argument("changes", nargs="+", type=Path)
    args = parser.parse_args(argv)
    final: dict[tuple[str, int], dict] = {}
    for path in args.changes:
        for line_no, line in enumerate(path.open(encoding="utf-8"), start=1):
            if line.strip():
                row = json.loads(line)
                for head in HEADS:
                    try:
                        validate_label(head, row[head])
                    except (KeyError, ValueError) as err:
                        raise SystemExit(f"{path} line {line_no}: {err}") from None
                final[(row["article_id"], row["sentence_id"])] = row
    changed: Counter = Counter()
    corpus = {
        file: [json.loads(line) for line in file.open(encoding="utf-8") if line.strip()]
        for file in jsonl_files(args.corpus)
    }
    for rows in corpus.values():
        for row in rows:
            new = final.pop((row["article_id"], row["sentence_id"]), None)
            if new is None:
                continue
            for head in HEADS:
                if row[head] != new[head]:
                    changed[head] += 1
                    row[head] = new[head]
            if "ambiguous" in new:
                row["ambiguous"] = new["ambiguous"]
    if final:
        raise SystemExit(f"{len(final)} reviewed sentences are not in {args.corpus}, e.g. {next(iter(final))}")
    for file, rows in corpus.items():
        file.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    print(f"changed: role {changed['role']}, stance {changed['stance']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
