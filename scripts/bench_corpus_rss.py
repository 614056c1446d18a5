"""Peak memory (RSS) of ``argmine corpus`` as the corpus grows: flat means streaming works.

For each size, write a synthetic JSON Lines corpus of news-like articles (every
sentence different), run ``argmine corpus`` on it in a fresh process and report that
process's peak resident memory, wall time, documents/s and sentences/s.

Example:
    $ python scripts/bench_corpus_rss.py --model /tmp/untrained-minilm --sizes 1000,10000
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

_WORDS = (
    "army navy troops missile strike war peace ceasefire talks border minister warned risk "
    "attack fire air defence radar jets drones weapons limits escalation restraint officials "
    "ministry parliament approved transfer allies send residents fighting enemy coast guard "
    "boats zone shots governor supply depots artillery villages towns shelling analysts said"
).split()


def write_corpus(path: Path, n_docs: int, sentences: int, seed: int = 0) -> None:
    """Write ``n_docs`` articles of about ``sentences`` sentences each, with a headline."""
    rng = random.Random(seed)
    with open(path, "w", encoding="utf-8") as handle:
        for i in range(n_docs):
            head = " ".join(rng.choices(_WORDS, k=7)).capitalize()
            body = " ".join(
                " ".join(rng.choices(_WORDS, k=rng.randint(12, 28))).capitalize() + "."
                for _ in range(rng.randint(sentences // 2, sentences * 3 // 2))
            )
            row = {"id": f"doc-{i:06d}", "text": f"{head}\n\n{body}", "date": "2024-03-01",
                   "url": f"https://example.org/{i}"}
            handle.write(json.dumps(row) + "\n")


def run(model: str, corpus: Path, out: Path, precision: str, chunk_size: int) -> dict:
    """Run the corpus job in a child process; return its peak RSS (MiB) and timings."""
    cmd = [sys.executable, "-m", "argmine.cli", "-q", "corpus", "--model", model,
           "--input", str(corpus), "--output", str(out), "--precision", precision,
           "--chunk-size", str(chunk_size), "--overwrite", "--summary", str(out) + ".articles"]
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, env={**os.environ, "TOKENIZERS_PARALLELISM": "false"})
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - start
    if status:
        raise SystemExit(f"corpus job failed ({status}): {' '.join(cmd)}")
    state = json.loads(Path(str(out) + ".progress.json").read_text())
    return {"docs": state["docs_done"], "sentences": state["n_sentences"], "seconds": seconds,
            "peak_rss_mib": usage.ru_maxrss / 1024}


def main(argv: list[str] | None = None) -> list[dict]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", required=True, help="argmine model folder")
    parser.add_argument("--sizes", default="1000,10000", help="corpus sizes in documents")
    parser.add_argument("--sentences", type=int, default=8, help="mean sentences per document")
    parser.add_argument("--precision", default="bf16")
    parser.add_argument("--chunk-size", type=int, default=256)
    args = parser.parse_args(argv)
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        for n in (int(x) for x in args.sizes.split(",")):
            corpus, out = Path(tmp) / f"in-{n}.jsonl", Path(tmp) / f"out-{n}.jsonl"
            write_corpus(corpus, n, args.sentences)
            r = run(args.model, corpus, out, args.precision, args.chunk_size)
            r["output_mib"] = out.stat().st_size / 2**20
            results.append(r)
            print(f"{r['docs']:>7} docs {r['sentences']:>8} sentences  peak RSS "
                  f"{r['peak_rss_mib']:7.1f} MiB  {r['seconds']:7.1f} s  "
                  f"{r['docs'] / r['seconds']:6.1f} docs/s  "
                  f"{r['sentences'] / r['seconds']:7.1f} sentences/s  "
                  f"output {r['output_mib']:.1f} MiB", flush=True)
    return results


if __name__ == "__main__":
    main()
