"""Benchmark argmine inference against the plain Hugging Face pipeline.

In one run, on the same model and the same sentences (>= 2,000; repeated when the
data has fewer), report sentences/s for

* the reference a plain Hugging Face user would write: both heads exported with
  ``argmine export-hf`` and run with ``transformers.pipeline("text-classification",
  batch_size=32)``, once per head;
* argmine's :class:`~argmine.predict.Predictor` in each precision (fp32, bf16, int8),

with the label agreement of each precision with fp32 (both heads) and the speed ratio
to the reference. The prediction cache is not involved (every sentence is computed).

Example:
    $ python scripts/bench_inference.py --model /tmp/untrained-minilm --data tests/fixtures/mini.jsonl
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

from argmine.data import read_records, with_context
from argmine.labels import HEADS
from argmine.model import ArgmineModel, context_text, export_head
from argmine.predict import PRECISIONS, Predictor


def load_sentences(path: str, n: int, mode: str) -> tuple[list[str], list[str | None]]:
    """The first ``n`` sentences of an annotated corpus with their contexts (repeated if short)."""
    rows = with_context(read_records(path, require_labels=False))
    if not rows:
        raise ValueError(f"{path}: no sentences")
    while len(rows) < n:
        rows = rows + rows
    rows = rows[:n]
    texts = [r["text"] for r in rows]
    contexts = [context_text(mode, r["previous"], r["headline"]) for r in rows]
    return texts, contexts


def bench_pipeline(model_dir: str, texts, contexts, batch_size: int) -> tuple[float, dict]:
    """Time the transformers pipeline on both exported heads; return seconds and labels."""
    from transformers import AutoTokenizer, pipeline

    model = ArgmineModel.from_pretrained(model_dir)
    tokenizer = AutoTokenizer.from_pretrained(model_dir)
    # the sentence alone when it has no context (argmine.model.encode does the same)
    inputs = [{"text": t, "text_pair": c} if c else t for t, c in zip(texts, contexts, strict=True)]
    labels, seconds = {}, 0.0
    with tempfile.TemporaryDirectory() as tmp:
        for head in HEADS:
            out = export_head(model, tokenizer, head, Path(tmp) / head)
            clf = pipeline("text-classification", model=str(out), device="cpu",
                           truncation=True, max_length=model.config.max_seq_length)
            clf(inputs[:32], batch_size=batch_size)  # warm-up
            start = time.perf_counter()
            predictions = clf(inputs, batch_size=batch_size)
            seconds += time.perf_counter() - start
            labels[head] = [p["label"] for p in predictions]
    return seconds, labels


def bench_argmine(model_dir: str, precision: str, texts, contexts, batch_size: int):
    """Time argmine's Predictor in one precision; return seconds and labels per head."""
    predictor = Predictor.from_pretrained(model_dir, device="cpu", precision=precision)
    ctx = None if predictor.config.context == "none" else contexts
    predictor.predict_proba(texts[:64], ctx[:64] if ctx else None, batch_size=batch_size)
    start = time.perf_counter()
    probs = predictor.predict_proba(texts, ctx, batch_size=batch_size, show_progress_bar=False)
    seconds = time.perf_counter() - start
    labels = {h: [predictor.config.labels(h)[i] for i in probs[h].argmax(1)] for h in HEADS}
    return seconds, labels


def agreement(a: dict, b: dict) -> float:
    """Share of sentences on which both heads agree."""
    both = [ra == rb and sa == sb for ra, rb, sa, sb in zip(a["role"], b["role"], a["stance"], b["stance"])]
    return float(np.mean(both))


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", required=True, help="argmine model folder (pooling: pooler)")
    parser.add_argument("--data", default="data/escalation-news", help="annotated JSONL or folder")
    parser.add_argument("-n", type=int, default=2000, help="sentences to run (>= 2000)")
    parser.add_argument("--batch-size", type=int, default=64, help="argmine batch size")
    parser.add_argument("--precisions", default=",".join(PRECISIONS))
    parser.add_argument("--json", help="also write the results here")
    parser.add_argument(
        "--reference-model",
        help="pooler model for the pipeline reference when --model uses mean pooling (which no "
             "plain transformers classifier can hold); same encoder, so the same cost per sentence",
    )
    args = parser.parse_args(argv)

    mode = ArgmineModel.config_class.from_pretrained(args.model).context
    texts, contexts = load_sentences(args.data, args.n, mode)
    print(f"{len(texts)} sentences from {args.data}; context {mode!r}; "
          f"torch {torch.__version__}, {torch.get_num_threads()} threads")
    config = ArgmineModel.config_class.from_pretrained(args.model)
    reference = args.model
    if config.pooling != "pooler":
        if not args.reference_model:
            parser.error(f"{args.model} uses {config.pooling} pooling and cannot be exported; "
                         "pass --reference-model with a pooler model of the same encoder")
        reference = args.reference_model
        if ArgmineModel.config_class.from_pretrained(reference).context != mode:
            parser.error("--reference-model must use the same context mode as --model")
        print(f"reference pipeline runs on {reference} (pooler); label agreement with it is "
              "not comparable")
    ref_seconds, ref_labels = bench_pipeline(reference, texts, contexts, 32)
    ref_rate = len(texts) / ref_seconds
    rows = [{"system": "HF pipeline (2 heads, bs 32)", "sent_per_s": ref_rate,
             "agree_fp32": None, "ratio": 1.0}]
    fp32_labels = None
    for precision in args.precisions.split(","):
        seconds, labels = bench_argmine(args.model, precision, texts, contexts, args.batch_size)
        if precision == "fp32":
            fp32_labels = labels
            if reference == args.model:
                rows[0]["agree_fp32"] = agreement(ref_labels, labels)
        rate = len(texts) / seconds
        rows.append({"system": f"argmine {precision} (bs {args.batch_size})", "sent_per_s": rate,
                     "agree_fp32": agreement(labels, fp32_labels) if fp32_labels else None,
                     "ratio": rate / ref_rate})
    print(f"\n| {'system':<30} | sentences/s | agreement with fp32 | x reference |")
    print(f"|{'-' * 32}|-------------|---------------------|-------------|")
    for r in rows:
        agree = "-" if r["agree_fp32"] is None else f"{100 * r['agree_fp32']:.2f}%"
        print(f"| {r['system']:<30} | {r['sent_per_s']:11.1f} | {agree:>19} | {r['ratio']:11.2f} |")
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=2))
    return {"rows": rows}


if __name__ == "__main__":
    main()
