"""Assign EscalationNews articles to splits, by article, reproducibly.

Conflicts named with --ood go to ``test_ood`` whole; every other conflict's articles
are shuffled (seeded) and dealt out about 70/15/15 to train/validation/test, per
conflict, so each split sees each conflict and no article is cut across splits.

Usage:
    python data/escalation-news/tools/assign_splits.py IN.jsonl [IN2.jsonl ...] --out data/escalation-news \
        --ood armenia-azerbaijan kosovo-serbia venezuela-guyana

With ``--keep-existing``, articles that already carry a split keep it and only new
articles are dealt (per conflict, as above), so adding articles never reshuffles.
"""

from __future__ import annotations

import argparse
import json
import random
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path

from argmine.labels import SPLITS


def deal(article_ids: list[str], rng: random.Random) -> dict[str, str]:
    """Split one conflict's articles 70/15/15, keeping at least one in each held-out split."""
    ids = sorted(article_ids)
    rng.shuffle(ids)
    n = len(ids)
    n_val = max(1, round(0.15 * n)) if n >= 3 else 0
    n_test = max(1, round(0.15 * n)) if n >= 3 else 0
    out = {a: "validation" for a in ids[:n_val]}
    out.update({a: "test" for a in ids[n_val : n_val + n_test]})
    out.update({a: "train" for a in ids[n_val + n_test :]})
    return out


def main(argv: Sequence[str] | None = None) -> int:
    """Read rows, assign ``split`` per article, write one JSONL file per split."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("inputs", nargs="+", type=Path)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--ood", nargs="*", default=[])
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--keep-existing", action="store_true",
                        help="articles that already have a split keep it; only new ones are dealt")
    args = parser.parse_args(argv)
    rows = [json.loads(line) for path in args.inputs for line in path.open(encoding="utf-8") if line.strip()]
    by_conflict: dict[str, set[str]] = defaultdict(set)
    split_of: dict[str, str] = {}
    for row in rows:
        if args.keep_existing and row.get("split"):
            split_of[row["article_id"]] = row["split"]
        else:
            by_conflict[row["conflict"]].add(row["article_id"])
    rng = random.Random(args.seed)
    for conflict in sorted(by_conflict):
        if conflict in args.ood:
            split_of.update({a: "test_ood" for a in by_conflict[conflict]})
        else:
            split_of.update(deal(list(by_conflict[conflict]), rng))
    args.out.mkdir(parents=True, exist_ok=True)
    handles = {s: (args.out / f"{s}.jsonl").open("w", encoding="utf-8") for s in SPLITS}
    for row in rows:
        row["split"] = split_of[row["article_id"]]
        handles[row["split"]].write(json.dumps(row, ensure_ascii=False) + "\n")
    for handle in handles.values():
        handle.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
