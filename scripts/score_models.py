"""Score saved models side by side: annotated splits and a realdev folder, macro-F1 per head.

Every model is scored in fp32, calibrated (its ``config.json`` logit bias) and, with
``--raw``, also without the bias. Prints one markdown table (and writes JSON with
``--json``) with realdev per-class precision / recall / F1 of ``pro`` and ``con``.

Usage:
    python scripts/score_models.py models/default models/hierarchical \
        --split test=data/escalation-news/test.jsonl --split test_ood=data/escalation-news/test_ood.jsonl \
        --realdev ../shared/realdev --raw --json scores.json
"""

from __future__ import annotations

import argparse
import json
import statistics
from pathlib import Path

from argmine.data import read_records
from argmine.evaluate import evaluate_records
from argmine.labels import HEADS
from argmine.predict import load_predictor
from argmine.realdev import evaluate_realdev


def score(model: str, splits: dict[str, list], realdev: str | None, calibrated: bool) -> dict:
    predictor = load_predictor(model, precision="fp32")
    if not calibrated and hasattr(predictor, "bias"):
        predictor.bias = {h: 0 * b for h, b in predictor.bias.items()}
    row: dict = {"model": model, "calibrated": calibrated}
    for name, records in splits.items():
        m = evaluate_records(predictor, records)
        row[name] = {h: m[h]["macro_f1"] for h in HEADS}
    if realdev and Path(realdev, "gold.jsonl").exists():
        m = evaluate_realdev(predictor, realdev)
        row["realdev"] = {h: m[h]["macro_f1"] for h in HEADS}
        row["realdev_per_class"] = {h: m[h]["per_class"] for h in HEADS}
    return row


def main(argv: list[str] | None = None) -> list[dict]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("models", nargs="+")
    parser.add_argument("--split", action="append", default=[], metavar="NAME=FILE")
    parser.add_argument("--realdev", default="../shared/realdev")
    parser.add_argument("--raw", action="store_true", help="also score without the calibration bias")
    parser.add_argument("--json")
    args = parser.parse_args(argv)
    splits = {}
    for item in args.split:
        name, _, path = item.partition("=")
        splits[name] = read_records(path, require_labels=False)
    rows = []
    for model in args.models:
        for calibrated in (True, False) if args.raw else (True,):
            rows.append(score(model, splits, args.realdev, calibrated))
    columns = list(splits) + (["realdev"] if "realdev" in rows[0] else [])
    print("| model | calibrated | " + " | ".join(f"{c} role | {c} stance" for c in columns)
          + " | realdev pro P/R/F1 | realdev con P/R/F1 |")
    print("|---|---|" + "---|---|" * len(columns) + "---|---|")
    for r in rows:
        cells = [f"{r[c][h]:.3f}" for c in columns for h in HEADS]
        pc = r.get("realdev_per_class", {}).get("stance", {})
        extra = [" / ".join(f"{pc[k][m]:.2f}" for m in ("precision", "recall", "f1")) if k in pc else "-"
                 for k in ("pro", "con")]
        print(f"| {r['model']} | {'yes' if r['calibrated'] else 'no'} | " + " | ".join(cells + extra) + " |")
    if len(rows) > 1:
        print("\nmean +- sd over the models above (calibrated rows):")
        cal = [r for r in rows if r["calibrated"]]
        for c in columns:
            for h in HEADS:
                values = [r[c][h] for r in cal]
                sd = statistics.stdev(values) if len(values) > 1 else 0.0
                print(f"  {c} {h}: {statistics.mean(values):.3f} +- {sd:.3f}")
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=2))
    return rows


if __name__ == "__main__":
    main()
