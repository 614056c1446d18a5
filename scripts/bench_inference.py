"""Benchmark argmine inference against the plain Hugging Face pipeline.

In one run, on the same articles (whole articles of an annotated corpus, >= 2,000
sentences; repeated when the data has fewer), report sentences/s for

* the reference a plain Hugging Face user would write: a sentence-pair classifier per
  head (the sentence, with the previous sentence as ``text_pair``) exported with
  ``argmine export-hf`` and run with ``transformers.pipeline("text-classification",
  batch_size=32)``, once per head. A model that cannot be exported (mean pooling, or a
  hierarchical model) is timed against an untrained exportable twin built on its own
  encoder weights (same encoder, so the same cost per sentence);
* argmine's :class:`~argmine.predict.Predictor` reading the same articles
  (``predict_articles``) in each precision (fp32, auto and what it resolves to, bf16, int8),

with the label agreement of each precision with fp32 (both heads) and the speed ratio
to the reference. The prediction cache is cleared before every timed run.

Example:
    $ python scripts/bench_inference.py --model models/default
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

from argmine.context import article_contexts
from argmine.data import group_articles, read_records
from argmine.labels import HEADS
from argmine.model import ArgmineConfig, ArgmineModel, encode, export_head
from argmine.predict import PRECISIONS, Predictor


def load_articles(path: str, n: int) -> list[list[str]]:
    """Whole articles of an annotated corpus, at least ``n`` sentences (repeated if short)."""
    articles = [[r["text"] for r in a] for a in group_articles(read_records(path, require_labels=False))]
    if not articles:
        raise ValueError(f"{path}: no sentences")
    out: list[list[str]] = []
    while sum(map(len, out)) < n:
        out.append(articles[len(out) % len(articles)])
    return out


def exportable_twin(model_dir: str, out: Path) -> Path:
    """An untrained pair/pooler/previous model on the encoder weights of ``model_dir``."""
    from transformers import AutoTokenizer

    source = ArgmineModel.from_pretrained(model_dir)
    config = ArgmineConfig(encoder=source.config.encoder, base_model=source.config.base_model,
                           max_seq_length=source.config.max_seq_length, architecture="pair",
                           context="previous", pooling="pooler")
    twin = ArgmineModel(config, encoder=source.encoder)
    twin.save_pretrained(out)
    AutoTokenizer.from_pretrained(model_dir).save_pretrained(out)
    return out


def bench_pipeline(model_dir: str, articles: list[list[str]], batch_size: int) -> tuple[float, dict]:
    """Time the transformers pipeline on both exported heads; return seconds and labels."""
    from transformers import AutoTokenizer, pipeline

    model = ArgmineModel.from_pretrained(model_dir)
    tokenizer = AutoTokenizer.from_pretrained(model_dir)
    inputs = []
    for sentences in articles:
        contexts = article_contexts(sentences, model.config.context)
        # the sentence alone when it has no context (argmine.model.encode does the same)
        inputs += [{"text": t, "text_pair": c} if c else t for t, c in zip(sentences, contexts, strict=True)]
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


def bench_argmine(model_dir: str, precision: str, articles: list[list[str]], batch_size: int):
    """Time argmine's Predictor in one precision; return seconds, labels per head and the
    precision it ran in (what ``auto`` resolved to)."""
    predictor = Predictor.from_pretrained(model_dir, device="cpu", precision=precision)
    predictor.predict_articles(articles[:3], batch_size=batch_size)  # warm-up
    predictor.clear_cache()
    start = time.perf_counter()
    scores = predictor.predict_articles(articles, batch_size=batch_size, show_progress_bar=False)
    seconds = time.perf_counter() - start
    flat = [s for a in scores for s in a]
    labels = {h: [predictor.labels[h][int(getattr(s, h).argmax())] for s in flat] for h in HEADS}
    return seconds, labels, predictor.precision


def fp32_ceiling(model_dir: str, articles: list[list[str]]) -> dict:
    """The fp32 ceiling: encoder FLOPs per sentence at the mean token length of what the
    model reads, against this machine's measured fp32 matmul rate (all threads).

    FLOPs per layer for T tokens, hidden H, feed-forward I: 8TH^2 (Q, K, V, output
    projections) + 4THI (feed-forward) + 4T^2H (attention scores and mixing), each
    multiply-add counted as 2. Embeddings, norms, softmax and the heads are left out,
    so the ceiling is an upper bound.
    """
    from transformers import AutoTokenizer

    config = ArgmineConfig.from_pretrained(model_dir)
    tokenizer = AutoTokenizer.from_pretrained(model_dir)
    texts, contexts = [], []
    for sentences in articles:
        texts += sentences
        contexts += article_contexts(sentences, config.context)
    lengths = [len(ids) for ids in encode(tokenizer, texts, contexts, config.max_seq_length)["input_ids"]]
    enc = config.encoder
    layers, hidden, ffn = enc["num_hidden_layers"], enc["hidden_size"], enc["intermediate_size"]
    per_layer = [8 * t * hidden**2 + 4 * t * hidden * ffn + 4 * t * t * hidden for t in lengths]
    flops = layers * float(np.mean(per_layer))
    a, b = torch.randn(4096, hidden), torch.randn(hidden, ffn)
    best = float("inf")
    with torch.inference_mode():
        for _ in range(10):
            start = time.perf_counter()
            a @ b
            best = min(best, time.perf_counter() - start)
    rate = 2 * a.shape[0] * hidden * ffn / best
    return {"mean_tokens": float(np.mean(lengths)), "gflop_per_sentence": flops / 1e9,
            "matmul_gflops": rate / 1e9, "ceiling_sent_per_s": rate / flops}


def agreement(a: dict, b: dict) -> float:
    """Share of sentences on which both heads agree."""
    both = [ra == rb and sa == sb for ra, rb, sa, sb in zip(a["role"], b["role"], a["stance"], b["stance"])]
    return float(np.mean(both))


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", required=True, help="argmine model folder")
    parser.add_argument("--data", default="data/escalation-news", help="annotated JSONL or folder")
    parser.add_argument("-n", type=int, default=2000, help="sentences to run (>= 2000)")
    parser.add_argument("--batch-size", type=int, default=64, help="argmine batch size")
    parser.add_argument("--precisions", default="fp32," + ",".join(p for p in PRECISIONS if p not in ("fp32", "fp16")),
                        help="comma-separated, fp32 first (the others are compared with it); "
                             "fp16 runs on CUDA only")
    parser.add_argument("--json", help="also write the results here")
    args = parser.parse_args(argv)

    articles = load_articles(args.data, args.n)
    n = sum(map(len, articles))
    config = ArgmineConfig.from_pretrained(args.model)
    print(f"{n} sentences in {len(articles)} articles from {args.data}; {config.architecture} model, "
          f"context {config.context!r}; torch {torch.__version__}, {torch.get_num_threads()} threads, "
          f"CPU capability {torch.backends.cpu.get_cpu_capability()}")
    with tempfile.TemporaryDirectory() as tmp:
        exportable = config.architecture == "pair" and config.pooling == "pooler"
        reference = args.model if exportable else str(exportable_twin(args.model, Path(tmp) / "twin"))
        if not exportable:
            print("reference: an untrained exportable twin on the same encoder (pair, pooler, previous "
                  "sentence); its labels are not comparable")
        ref_seconds, ref_labels = bench_pipeline(reference, articles, 32)
    ref_rate = n / ref_seconds
    rows = [{"system": "HF pipeline (2 heads, bs 32)", "sent_per_s": ref_rate,
             "agree_fp32": None, "ratio": 1.0}]
    fp32_labels = None
    for precision in args.precisions.split(","):
        seconds, labels, ran = bench_argmine(args.model, precision, articles, args.batch_size)
        if precision == "fp32":
            fp32_labels = labels
            if exportable and config.context == "previous":
                rows[0]["agree_fp32"] = agreement(ref_labels, labels)
        rate = n / seconds
        name = f"{precision} = {ran}" if precision == "auto" else precision
        rows.append({"system": f"argmine {name} (bs {args.batch_size})", "sent_per_s": rate,
                     "agree_fp32": agreement(labels, fp32_labels) if fp32_labels else None,
                     "ratio": rate / ref_rate})
    ceiling = fp32_ceiling(args.model, articles)
    fp32_rate = next((r["sent_per_s"] for r in rows if r["system"].startswith("argmine fp32")), None)
    share = f"; argmine fp32 reaches {100 * fp32_rate / ceiling['ceiling_sent_per_s']:.0f}% of it" if fp32_rate else ""
    print(f"fp32 ceiling: {ceiling['ceiling_sent_per_s']:.1f} sentences/s ({ceiling['gflop_per_sentence']:.3f} "
          f"GFLOP per sentence at {ceiling['mean_tokens']:.1f} tokens, fp32 matmul "
          f"{ceiling['matmul_gflops']:.0f} GFLOP/s){share}")
    print(f"\n| {'system':<30} | sentences/s | agreement with fp32 | x reference |")
    print(f"|{'-' * 32}|-------------|---------------------|-------------|")
    for r in rows:
        agree = "-" if r["agree_fp32"] is None else f"{100 * r['agree_fp32']:.2f}%"
        print(f"| {r['system']:<30} | {r['sent_per_s']:11.1f} | {agree:>19} | {r['ratio']:11.2f} |")
    if args.json:
        Path(args.json).write_text(json.dumps({"rows": rows, "fp32_ceiling": ceiling}, indent=2))
    return {"rows": rows, "fp32_ceiling": ceiling}


if __name__ == "__main__":
    main()
