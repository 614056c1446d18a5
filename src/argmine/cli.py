"""The ``argmine`` command line. Thin: every command calls the library.

Logging is configured here and only here.

Example:
    $ argmine segment article.txt
    $ argmine train --config configs/default.yaml
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

from argmine import __version__

logger = logging.getLogger("argmine")


def _read_text(name: str) -> str:
    if name == "-":
        return sys.stdin.read()
    return Path(name).read_text(encoding="utf-8")


def cmd_segment(args: argparse.Namespace) -> int:
    """Print one JSON object per sentence of each input file."""
    from argmine.segment import split_sentences

    for name in args.files:
        text = _read_text(name)
        for i, span in enumerate(split_sentences(text)):
            row = {"doc": name, "sentence_id": i, "start": span.start, "end": span.end,
                   "text": span.text}
            print(json.dumps(row, ensure_ascii=False))
    return 0


def cmd_validate_data(args: argparse.Namespace) -> int:
    """Check a corpus and print its counts; exit 1 when a rule is broken."""
    from argmine.data import check_corpus

    report = check_corpus(args.path)
    print(report.table())
    for problem in report.problems:
        print(f"problem: {problem}", file=sys.stderr)
    print(f"{'valid' if report.ok else 'INVALID'}: {len(report.problems)} problem(s)")
    return 0 if report.ok else 1


def cmd_train(args: argparse.Namespace) -> int:
    """Train from a YAML config (several seeds with --seeds N)."""
    from argmine.training import load_config, train, train_seeds

    config = load_config(args.config, overrides=args.set or [])
    if args.seeds > 1:
        summary = train_seeds(config, args.seeds)
        print(json.dumps(summary, indent=2))
    else:
        result = train(config, resume=args.resume)
        print(json.dumps(result.summary(), indent=2))
    return 0


def cmd_evaluate(args: argparse.Namespace) -> int:
    """Score a saved model on an annotated file; print reports, write metrics and plots."""
    from argmine.evaluate import evaluate_model

    metrics = evaluate_model(args.model, args.data, report_dir=args.report_dir)
    for head in ("role", "stance"):
        print(f"== {head} ==")
        print(metrics[head]["report_text"])
    return 0


def build_parser() -> argparse.ArgumentParser:
    """Build the argument parser of every sub-command."""
    parser = argparse.ArgumentParser(
        prog="argmine",
        description="Argument mining in conflict news: sentence roles and stance on escalation.",
    )
    parser.add_argument("--version", action="version", version=f"argmine {__version__}")
    parser.add_argument("-v", "--verbose", action="count", default=0, help="more logging (-vv)")
    parser.add_argument("-q", "--quiet", action="store_true", help="only warnings and errors")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("segment", help="split text files into sentences (JSON Lines out)")
    p.add_argument("files", nargs="+", metavar="FILE", help="text files; '-' reads stdin")
    p.set_defaults(func=cmd_segment)

    p = sub.add_parser("validate-data", help="check an annotated corpus and print its counts")
    p.add_argument("path", help="a .jsonl file or a folder of them")
    p.set_defaults(func=cmd_validate_data)

    p = sub.add_parser("train", help="fine-tune a model (or the TF-IDF baseline) from a config")
    p.add_argument("--config", required=True, help="YAML config, see configs/")
    p.add_argument("--seeds", type=int, default=1, help="train N seeds, report mean +- sd")
    p.add_argument("--resume", action="store_true", help="resume from the last checkpoint")
    p.add_argument("--set", action="append", metavar="KEY=VALUE",
                   help="override a config field (repeatable), e.g. --set epochs=2")
    p.set_defaults(func=cmd_train)

    p = sub.add_parser("evaluate", help="score a saved model on an annotated JSONL file")
    p.add_argument("--model", required=True, help="model folder")
    p.add_argument("--data", required=True, help="annotated .jsonl file or folder")
    p.add_argument("--report-dir", help="write metrics.json and confusion-matrix PNGs here")
    p.set_defaults(func=cmd_evaluate)

    _add_inference_commands(sub)
    return parser


def _add_inference_commands(sub) -> None:
    """Register analyze / corpus / export-hf (inference side)."""


def _quiet_libraries() -> None:
    """Silence the progress bars and notices of transformers and datasets (for -q)."""
    try:
        import datasets
        import transformers

        transformers.utils.logging.set_verbosity_error()
        transformers.utils.logging.disable_progress_bar()
        datasets.utils.logging.set_verbosity_error()
        datasets.disable_progress_bars()
    except ImportError:  # pragma: no cover - both are dependencies
        pass


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status.

    Example:
        >>> main(["segment", "tests/fixtures/article.txt"])  # doctest: +SKIP
        0
    """
    parser = build_parser()
    args = parser.parse_args(argv)
    level = logging.WARNING if args.quiet else (logging.DEBUG if args.verbose > 1 else logging.INFO)
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("argmine").setLevel(level)
    if level > logging.INFO:
        _quiet_libraries()
    try:
        return int(args.func(args) or 0)
    except (ValueError, FileNotFoundError) as err:
        print(f"argmine {args.command}: error: {err}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
