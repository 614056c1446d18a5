"""The model card (``README.md`` of a model folder): what the model is, how it was
trained, how well it does, and its limits."""

from __future__ import annotations

import math
from dataclasses import asdict
from typing import Any

import yaml

from argmine import __version__
from argmine.config import TrainConfig
from argmine.data import data_hash
from argmine.labels import HEADS


def _fmt(x: float) -> str:
    return "n/a" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{x:.3f}"


def model_card(config: TrainConfig, metrics: dict[str, Any]) -> str:
    """Render the model folder's ``README.md``: what it is, how it was trained, how well it does."""
    rows = []
    for split in ("validation", "test", "test_ood", "realdev"):
        if split in metrics:
            m = metrics[split]
            n = m["n"] if "n" in m else m["segments"]
            rows.append(f"| {split} | {n} | {_fmt(m['role']['macro_f1'])} | "
                        f"{_fmt(m['stance']['macro_f1'])} |")
    per_class = []
    for split in ("test", "test_ood"):
        if split not in metrics:
            continue
        for head in HEADS:
            cells = ", ".join(f"{k} {_fmt(v['f1-score'])}"
                              for k, v in metrics[split][head]["per_class"].items())
            per_class.append(f"- {split} {head}: {cells}")
    base = config.base_model if config.kind == "transformer" else "none (TF-IDF + logistic regression)"
    arch = f"{config.architecture}, context {config.context}" if config.kind == "transformer" else "n/a"
    hyper = yaml.safe_dump(asdict(config), sort_keys=False).strip()
    return f"""---
library_name: argmine
tags: [argument-mining, stance, text-classification]
---
# argmine model: {config.name}

Labels each sentence of a news article about armed conflict with a **role**
(claim, evidence, warning, none) and a **stance on escalation** (pro, con, neutral).
Trained with argmine {__version__}.

- Kind: {config.kind}
- Base model: {base}
- Architecture: {arch}
- Calibration: {metrics.get("calibration", {}).get("method", "none")}
- Data: `{config.data}` (sha256 prefix {data_hash(config.data)}), {metrics.get('n_train')} training sentences
- Seed: {config.seed}
- Training time: {metrics.get('train_seconds')} s

## Scores (macro-F1)

| split | sentences | role | stance |
|---|---|---|---|
{chr(10).join(rows)}

Per-class F1:
{chr(10).join(per_class)}

## Intended use and limits

For research on how escalation is argued for and against in news. The training
corpus is written, not collected, English text; scores on real news will differ
from these. `test_ood` holds conflicts the model never saw in training. Do not use
its labels as a verdict on any person's or state's intentions.

## Hyper-parameters

```yaml
{hyper}
```
"""


__all__ = ["model_card"]
