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
import re
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
    from argmine.training import load_config, process_rank, train, train_seeds

    config = load_config(args.config, overrides=args.set or [])
    if args.seeds > 1:
        summary = train_seeds(config, args.seeds)
    else:
        summary = train(config, resume=args.resume).summary()
    if process_rank() == 0:  # under torchrun the other ranks only train
        print(json.dumps(summary, indent=2))
    return 0


def cmd_evaluate(args: argparse.Namespace) -> int:
    """Score a saved model on an annotated file and/or a realdev folder; print reports."""
    if not args.data and not args.realdev:
        raise ValueError("give --data FILE (annotated JSON Lines) and/or --realdev DIR")
    if args.data:
        from argmine.evaluate import evaluate_model

        metrics = evaluate_model(args.model, args.data, report_dir=args.report_dir)
        for head in ("role", "stance"):
            print(f"== {head} ==")
            print(metrics[head]["report_text"])
    if args.realdev:
        from argmine.predict import load_predictor
        from argmine.realdev import evaluate_realdev, format_report

        metrics = evaluate_realdev(load_predictor(args.model, precision=args.precision), args.realdev)
        print(f"realdev {args.realdev}: {metrics['segments']} gold segments, "
              f"{metrics['unmatched']} without an overlapping prediction")
        print(format_report(metrics))
        if args.report_dir:
            out = Path(args.report_dir)
            out.mkdir(parents=True, exist_ok=True)
            (out / "realdev_predictions.jsonl").write_text(
                "".join(json.dumps(p) + "\n" for p in metrics.pop("predictions")))
            (out / "realdev_metrics.json").write_text(json.dumps(metrics, indent=2))
    return 0


def cmd_calibrate(args: argparse.Namespace) -> int:
    """Fit a saved model's logit bias on annotated data and write it into its config.json."""
    from argmine.calibrate import fit_model_bias
    from argmine.data import read_records
    from argmine.model import ArgmineConfig
    from argmine.predict import Predictor

    shares = {}
    for item in args.shares:
        head, sep, spec = item.partition("=")
        if not sep:
            raise ValueError(f"--shares {item!r}: expected HEAD=LABEL:SHARE,LABEL:SHARE,...")
        try:
            shares[head] = {k: float(v) for k, v in (p.split(":") for p in spec.split(","))}
        except ValueError:
            raise ValueError(f"--shares {item!r}: expected HEAD=LABEL:SHARE,LABEL:SHARE,...") from None
    predictor = Predictor.from_pretrained(args.model, precision="fp32", calibrated=False, cache_size=0)
    bias = fit_model_bias(predictor, read_records(args.data, require_labels=False), args.method, shares)
    config = ArgmineConfig.from_pretrained(args.model)
    config.logit_bias = bias
    config.save_pretrained(args.model)
    print(json.dumps({"method": args.method, "logit_bias": bias}))
    return 0


def cmd_soft_labels(args: argparse.Namespace) -> int:
    """Write a teacher model's class probabilities for annotated articles (distillation data)."""
    from argmine.data import read_records
    from argmine.distill import soft_labels, write_soft_labels
    from argmine.predict import Predictor

    predictor = Predictor.from_pretrained(args.model, precision="fp32", calibrated=False, cache_size=0)
    rows = soft_labels(predictor, read_records(args.data, require_labels=False), batch_size=args.batch_size)
    print(f"{write_soft_labels(rows, args.output)}: {len(rows)} sentences")
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    """Write an HTML report with charts of a corpus run's predictions."""
    from argmine.report import corpus_report

    report = corpus_report(args.predictions, args.output, top=args.top)
    print(f"{report.index}: {report.n_documents} documents, {report.n_sentences} sentences, "
          f"{report.n_failed} failed")
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

    p = sub.add_parser("evaluate", help="score a saved model on annotated data and/or real articles")
    p.add_argument("--model", required=True, help="model folder")
    p.add_argument("--data", help="annotated .jsonl file or folder")
    p.add_argument("--realdev", metavar="DIR",
                   help="a realdev folder (articles/*.txt + gold.jsonl), e.g. ../shared/realdev")
    p.add_argument("--precision", choices=("auto", "fp32", "bf16", "fp16", "int8"), default="fp32",
                   help="precision for --realdev (default fp32, as training scores)")
    p.add_argument("--report-dir", help="write metrics, confusion-matrix PNGs and realdev predictions here")
    p.set_defaults(func=cmd_evaluate)

    p = sub.add_parser("calibrate", help="fit a model's logit bias to given class shares (rewrites config.json)")
    p.add_argument("--model", required=True, help="model folder")
    p.add_argument("--data", required=True, help="annotated .jsonl to fit on (the validation split)")
    p.add_argument("--method", required=True, choices=("none", "prior-shift", "fit-nll", "fit-f1"))
    p.add_argument("--shares", action="append", default=[], metavar="HEAD=LABEL:SHARE,...",
                   help="class shares to aim at, e.g. stance=pro:0.13,con:0.19,neutral:0.68 (repeatable)")
    p.set_defaults(func=cmd_calibrate)

    p = sub.add_parser("soft-labels", help="a teacher model's probabilities for annotated data (distillation)")
    p.add_argument("--model", required=True, help="teacher model folder (scored raw, in fp32)")
    p.add_argument("--data", required=True, help="annotated .jsonl file or folder (the training split)")
    p.add_argument("--output", required=True, help="soft-label .jsonl to write (a config's distill_from)")
    p.add_argument("--batch-size", type=int, default=64, help="sentences per forward pass")
    p.set_defaults(func=cmd_soft_labels)

    p = sub.add_parser("report", help="an HTML report with charts of a corpus run (argmine corpus output)")
    p.add_argument("--predictions", required=True, help="corpus output: .jsonl or .parquet sentence rows")
    p.add_argument("--output", required=True, help="folder for index.html and its charts")
    p.add_argument("--top", type=int, default=10, help="strongest sentences listed per role and side")
    p.set_defaults(func=cmd_report)

    _add_inference_commands(sub)
    return parser


_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def _format_table(art) -> str:
    """Render one article's analysis as a plain-text table."""
    width = 64
    lines = [f"== {art.doc_id} ==",
             f"{'#':>3}  {'sentence':<{width}}  {'role':<8} {'p':>4}  {'stance':<7} {'p':>4}"]
    for i, s in enumerate(art.sentences):
        # no terminal control codes from the article reach the terminal
        text = _CONTROL.sub("\N{REPLACEMENT CHARACTER}", " ".join(s.text.split()))
        text = text if len(text) <= width else text[: width - 3] + "..."
        flag = " (truncated)" if s.truncated else ""
        lines.append(
            f"{i:>3}  {text:<{width}}  {s.role:<8} {s.role_score:4.2f}  "
            f"{s.stance:<7} {s.stance_score:4.2f}{flag}"
        )
    summary = art.summary
    counts = ", ".join(f"{k} {v}" for k, v in {**summary.role_counts, **summary.stance_counts}.items())
    lines.append(f"summary: {counts}; escalation balance {summary.escalation_balance:+.2f}")
    return "\n".join(lines)


def cmd_analyze(args: argparse.Namespace) -> int:
    """Label the sentences of text files; print a table per article (or JSON Lines)."""
    from argmine.predict import load

    miner = load(args.model, device=args.device, precision=args.precision)
    texts = [_read_text(name) for name in args.files]
    arts = miner.analyze_batch(texts, batch_size=args.batch_size, doc_ids=list(args.files))
    for art in arts:
        if args.json:
            print(json.dumps(art.to_dict(), ensure_ascii=False))
        else:
            print(_format_table(art) + "\n")
    return 0


def cmd_render(args: argparse.Namespace) -> int:
    """Write the HTML article view of text files (one self-contained page per file)."""
    from argmine.predict import load

    files = [Path(f) for f in args.files]
    out = Path(args.output) if args.output else None
    if len(files) > 1 and out is not None and out.suffix.lower() in (".html", ".htm"):
        raise ValueError(f"-o {out}: several files need an output folder, not one .html file")
    miner = load(args.model, device=args.device, precision=args.precision)
    arts = miner.analyze_batch([_read_text(str(f)) for f in files], batch_size=args.batch_size,
                               doc_ids=[f.name for f in files])
    for f, art in zip(files, arts, strict=True):
        if out is None:
            target = f.with_suffix(".html")
        elif len(files) == 1 and out.suffix.lower() in (".html", ".htm"):
            target = out
        else:
            out.mkdir(parents=True, exist_ok=True)
            target = out / f"{f.stem}.html"
        target.write_text(art.to_html(), encoding="utf-8")
        print(target)
    return 0


def cmd_corpus(args: argparse.Namespace) -> int:
    """Label a whole corpus, streaming and resumable; exit 1 when some documents failed."""
    from argmine.corpus import analyze_corpus

    result = analyze_corpus(
        args.model, args.input, args.output, input_format=args.input_format,
        output_format=args.output_format, id_field=args.id_field, text_field=args.text_field,
        keep_fields=args.keep, summary_output=args.summary, errors_output=args.errors,
        resume=args.resume, overwrite=args.overwrite, chunk_size=args.chunk_size,
        batch_size=args.batch_size, max_chars=args.max_chars, precision=args.precision,
        device=args.device, engine=args.engine, ray_address=args.address, num_workers=args.num_workers,
        ray_cpus=args.ray_cpus, ray_gpus=args.ray_gpus,
    )
    where = f" (see {result.errors_output})" if result.n_failed else ""
    print(f"done: {result.n_documents} documents, {result.n_sentences} sentences, "
          f"{result.n_failed} failed{where}")
    return 1 if result.n_failed else 0


def cmd_export_hf(args: argparse.Namespace) -> int:
    """Write one head as a plain transformers text-classification checkpoint."""
    from transformers import AutoTokenizer

    from argmine.model import ArgmineModel, export_head

    if not (Path(args.model) / "config.json").exists():
        raise FileNotFoundError(f"{args.model}: no config.json; is this an argmine model folder?")
    model = ArgmineModel.from_pretrained(args.model)
    tokenizer = AutoTokenizer.from_pretrained(args.model)
    out = export_head(model, tokenizer, args.head, args.out)
    print(f"wrote {out} ({args.head} head; context {model.config.context!r}: "
          f"{'pass text_pair' if model.config.context != 'none' else 'single text'})")
    return 0


def _add_inference_commands(sub) -> None:
    """Register analyze / corpus / export-hf (inference side)."""
    precisions = ("auto", "fp32", "bf16", "fp16", "int8")  # argmine.predict.PRECISIONS; no torch import here

    def common(p: argparse.ArgumentParser) -> None:
        p.add_argument("--model", required=True, help="model folder")
        p.add_argument("--precision", choices=precisions,
                       help="numeric precision (default: auto, chosen from what the hardware can do)")
        p.add_argument("--device", help="cpu, cuda, ... (default: automatic)")
        p.add_argument("--batch-size", type=int, default=64, help="sentences per forward pass")

    p = sub.add_parser("analyze", help="label the sentences of text files (table or JSON)")
    common(p)
    p.add_argument("files", nargs="+", metavar="FILE", help="text files; '-' reads stdin")
    p.add_argument("--json", action="store_true", help="one JSON object per article")
    p.set_defaults(func=cmd_analyze)

    p = sub.add_parser("render", help="write an HTML view of each article (roles, stance, scores)")
    common(p)
    p.add_argument("files", nargs="+", metavar="FILE", help="text files")
    p.add_argument("-o", "--output", help="an .html file (one input) or a folder; default FILE.html beside each")
    p.set_defaults(func=cmd_render)

    p = sub.add_parser("corpus", help="label a corpus: streaming, resumable, errors file")
    common(p)
    p.add_argument("--input", required=True,
                   help=".jsonl, .csv, .parquet file or a folder of .txt files")
    p.add_argument("--output", required=True, help=".jsonl or .parquet (one row per sentence)")
    p.add_argument("--input-format", choices=("jsonl", "txt", "csv", "parquet"))
    p.add_argument("--output-format", choices=("jsonl", "parquet"))
    p.add_argument("--id-field", default="id", help="input field with the document id")
    p.add_argument("--text-field", default="text", help="input field with the text")
    p.add_argument("--keep", action="append", metavar="FIELD",
                   help="input field to copy to every row (repeatable; default: all)")
    p.add_argument("--summary", help="also write one row per article here")
    p.add_argument("--errors", help="errors file (default: OUTPUT.errors.jsonl)")
    p.add_argument("--resume", action="store_true", help="continue an interrupted run")
    p.add_argument("--overwrite", action="store_true", help="replace existing output")
    p.add_argument("--chunk-size", type=int, default=256, help="documents per chunk")
    p.add_argument("--max-chars", type=int, default=200_000,
                   help="longer documents go to the errors file")
    p.add_argument("--engine", choices=("local", "ray"), default="local",
                   help="ray: label chunks on Ray actors (pip install 'argmine[ray]'); same output")
    p.add_argument("--address", help="ray: auto or ray://HOST:PORT to join a cluster (default: a local Ray)")
    p.add_argument("--num-workers", type=int, default=1, help="ray: actors, each loading the model once")
    p.add_argument("--ray-cpus", type=float, default=1.0, help="ray: CPUs per actor")
    p.add_argument("--ray-gpus", type=float, default=0.0, help="ray: GPUs per actor")
    p.set_defaults(func=cmd_corpus)

    p = sub.add_parser("export-hf", help="export one head as a plain transformers classifier")
    p.add_argument("--model", required=True, help="model folder (pooling: pooler)")
    p.add_argument("--head", required=True, choices=("role", "stance"))
    p.add_argument("out", help="output folder")
    p.set_defaults(func=cmd_export_hf)


#: Commands that never load transformers or datasets (kept fast: no import for -q).
_LIGHT_COMMANDS = ("segment", "validate-data")


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
    if level > logging.INFO and args.command not in _LIGHT_COMMANDS:
        _quiet_libraries()
    try:
        return int(args.func(args) or 0)
    except (ValueError, FileNotFoundError) as err:
        print(f"argmine {args.command}: error: {err}", file=sys.stderr)
        return 2
    except OSError as err:  # a folder where a file was expected, read-only or full disk...
        where = f": {err.filename}" if err.filename else ""
        kept = ("; completed chunks are kept, rerun with --resume to continue"
                if args.command == "corpus" else "")
        print(f"argmine {args.command}: error: {err.strerror or err}{where}{kept}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"argmine {args.command}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
