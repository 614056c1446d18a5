"""Compare calibration candidates on a trained model: written splits and a realdev folder.

Each candidate is a method (``none``, ``prior-shift``, ``fit-nll``, ``fit-f1``) and a set
of target class shares. The bias is always fitted on the corpus's *validation* split
(never on realdev rows); realdev only scores the result. Nothing is written to the
model folder: the chosen rule is then set with ``argmine calibrate`` or in the config.

Usage:
    python scripts/calibration_candidates.py --model models/hierarchical \
        --data data/escalation-news --realdev ../shared/realdev [--json out.json]

The share sets are the class shares that ``../shared/realdev/README.md`` reports for its
gold labels (all segments, and strict: ambiguous labels left out).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from argmine.calibrate import fit_model_bias
from argmine.data import load_dataset_dict
from argmine.evaluate import evaluate_records
from argmine.predict import Predictor
from argmine.realdev import evaluate_realdev

#: Class shares of realdev's gold labels as its README reports them (counts / total).
SHARES = {
    "all": {
        "stance": {"pro": 70 / 555, "con": 106 / 555, "neutral": 379 / 555},
        "role": {"claim": 231 / 555, "evidence": 204 / 555, "warning": 63 / 555, "none": 57 / 555},
    },
    "strict": {
        "stance": {"pro": 32 / 425, "con": 57 / 425, "neutral": 336 / 425},
        "role": {"claim": 197 / 473, "evidence": 185 / 473, "warning": 46 / 473, "none": 45 / 473},
    },
}


def candidates() -> list[tuple[str, str, str, tuple[str, ...]]]:
    """(name, method, share set, heads) of every candidate."""
    out = [("none", "none", "all", ())]
    for method in ("prior-shift", "fit-nll", "fit-f1"):
        for share_set in ("all", "strict"):
            out.append((f"{method}/{share_set}/stance", method, share_set, ("stance",)))
        out.append((f"{method}/all/both", method, "all", ("role", "stance")))
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", required=True)
    parser.add_argument("--data", default="data/escalation-news")
    parser.add_argument("--realdev", default="../shared/realdev")
    parser.add_argument("--json", help="write all results here")
    args = parser.parse_args(argv)

    predictor = Predictor.from_pretrained(args.model, precision="fp32", calibrated=False)
    dsd = load_dataset_dict(args.data)
    validation = dsd["validation"].to_list()
    results = []
    header = f"{'candidate':<26}{'test r/s':>14}{'ood r/s':>14}{'realdev r/s':>14}{'rd pro':>8}{'rd con':>8}"
    print(header)
    for name, method, share_set, heads in candidates():
        shares = {h: SHARES[share_set][h] for h in heads}
        bias = fit_model_bias(predictor, validation, method, shares) if heads else {}
        for head in ("role", "stance"):
            predictor.bias[head] = np.asarray(bias.get(head, np.zeros(len(predictor.labels[head]))),
                                              dtype=np.float32)
        row = {"candidate": name, "logit_bias": bias}
        for split in ("test", "test_ood"):
            m = evaluate_records(predictor, dsd[split].to_list())
            row[split] = {h: m[h]["macro_f1"] for h in ("role", "stance")}
        if Path(args.realdev, "gold.jsonl").exists():
            m = evaluate_realdev(predictor, args.realdev)
            row["realdev"] = {h: m[h]["macro_f1"] for h in ("role", "stance")}
            row["realdev_stance_per_class"] = m["stance"]["per_class"]
        results.append(row)
        rd = row.get("realdev", {"role": float("nan"), "stance": float("nan")})
        pc = row.get("realdev_stance_per_class", {})
        print(f"{name:<26}{row['test']['role']:>7.3f}{row['test']['stance']:>7.3f}"
              f"{row['test_ood']['role']:>7.3f}{row['test_ood']['stance']:>7.3f}"
              f"{rd['role']:>7.3f}{rd['stance']:>7.3f}"
              f"{pc.get('pro', {}).get('f1', float('nan')):>8.3f}{pc.get('con', {}).get('f1', float('nan')):>8.3f}")
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
