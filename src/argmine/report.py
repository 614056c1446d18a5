"""A corpus run, looked at: an HTML report with PNG charts from ``argmine corpus`` output.

``argmine report --predictions labels.jsonl --output report/`` reads the sentence rows
(JSON Lines or Parquet, with pyarrow; no Python loop over rows) and writes
``report/index.html`` with

* the counts per role and stance and the share of documents that failed (from the
  errors file beside the predictions, when there is one);
* per source and per date, when the rows carry those fields: sentences that take a
  side and the escalation balance, over time as a line chart;
* the highest-scoring claims and warnings on each side, with links to their documents
  (``url`` field) or their ids.

The escalation balance is ``(pro - con) / (pro + con)`` over sentences whose role is not
``none``, as in :class:`argmine.results.ArticleSummary`.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape
from pathlib import Path
from typing import TYPE_CHECKING

from argmine.labels import ROLES, STANCES
from argmine.plots import pyplot, save_figure

if TYPE_CHECKING:
    import pandas as pd


@dataclass
class CorpusReport:
    """What ``argmine report`` wrote.

    Attributes:
        index: the HTML report.
        n_documents: documents with predictions.
        n_sentences: sentence rows read.
        n_failed: documents in the errors file (0 when there is none).
    """

    index: Path
    n_documents: int
    n_sentences: int
    n_failed: int


def read_predictions(path: str | Path) -> pd.DataFrame:
    """Read corpus output (``.parquet``, else JSON Lines) into a DataFrame with pyarrow."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: predictions file not found")
    if path.suffix.lower() == ".parquet":
        import pyarrow.parquet as pq

        table = pq.read_table(path)
    else:
        import pyarrow.json as pj

        try:
            table = pj.read_json(path)
        except Exception as err:  # pyarrow raises ArrowInvalid with a line hint
            raise ValueError(f"{path}: not corpus output in JSON Lines ({err})") from None
    frame = table.to_pandas()
    missing = {"doc_id", "text", "role", "role_score", "stance", "stance_score"} - set(frame.columns)
    if missing:
        raise ValueError(f"{path}: not argmine corpus output, missing field(s) {', '.join(sorted(missing))}")
    return frame


def _balance(frame: pd.DataFrame, by: str | list[str]) -> pd.DataFrame:
    """Per group: pro, con, argumentative sentences and the escalation balance."""
    arg = frame[frame["role"] != "none"]
    out = arg.assign(pro=arg["stance"] == "pro", con=arg["stance"] == "con").groupby(by)[["pro", "con"]].sum()
    out["sentences"] = frame.groupby(by).size()
    out = out.fillna(0)
    sided = out["pro"] + out["con"]
    out["balance"] = ((out["pro"] - out["con"]) / sided.where(sided > 0)).fillna(0.0)
    return out


def _count_errors(predictions: Path) -> int:
    errors = predictions.with_name(predictions.name + ".errors.jsonl")
    if not errors.exists():
        return 0
    with errors.open("rb") as f:
        return sum(1 for line in f if line.strip())


def _bar_chart(frame: pd.DataFrame, path: Path) -> Path:
    fig, (left, right) = pyplot().subplots(1, 2, figsize=(8, 3))
    roles = frame["role"].value_counts().reindex(ROLES, fill_value=0)
    stances = frame["stance"].value_counts().reindex(STANCES, fill_value=0)
    left.bar(roles.index, roles.values, color=["#E69F00", "#56B4E9", "#CC79A7", "#999999"])
    right.bar(stances.index, stances.values, color=["#D55E00", "#0072B2", "#999999"])
    left.set_title("sentences per role")
    right.set_title("sentences per stance")
    return save_figure(fig, path)


def _time_chart(per_date: pd.DataFrame, unit: str, path: Path) -> Path:
    fig, ax = pyplot().subplots(figsize=(8, 3))
    ax.axhline(0, color="#999", linewidth=1)
    ax.plot(per_date.index.astype(str), per_date["balance"], "o-", color="#0072B2")
    ax.set_ylim(-1.05, 1.05)
    ax.set_ylabel("escalation balance")
    ax.set_title(f"escalation balance per {unit} (+1: only pro, -1: only con)")
    step = max(1, len(per_date) // 12)
    ax.set_xticks(range(0, len(per_date), step), per_date.index.astype(str)[::step], rotation=30, ha="right")
    return save_figure(fig, path)


def _source_chart(per_source: pd.DataFrame, path: Path) -> Path:
    top = per_source.sort_values("sentences", ascending=False).head(20)
    fig, ax = pyplot().subplots(figsize=(8, 0.35 * len(top) + 1.2))
    ax.barh(top.index.astype(str)[::-1], top["balance"][::-1],
            color=["#D55E00" if b > 0 else "#0072B2" for b in top["balance"][::-1]])
    ax.axvline(0, color="#999", linewidth=1)
    ax.set_xlim(-1.05, 1.05)
    ax.set_xlabel("escalation balance")
    ax.set_title("escalation balance per source (largest 20 by sentences)")
    return save_figure(fig, path)


def _table(frame: pd.DataFrame, columns: list[str]) -> str:
    head = "".join(f"<th>{escape(c)}</th>" for c in [frame.index.name or "", *columns])
    rows = []
    for key, row in frame[columns].iterrows():  # one row per group, not per sentence
        cells = "".join(f"<td>{row[c]:+.2f}</td>" if c == "balance" else f"<td>{int(row[c])}</td>" for c in columns)
        rows.append(f"<tr><td>{escape(str(key))}</td>{cells}</tr>")
    return f"<table><tr>{head}</tr>{''.join(rows)}</table>"


def _top_sentences(frame: pd.DataFrame, n: int) -> str:
    parts = []
    for role in ("claim", "warning"):
        for stance in ("pro", "con"):
            rows = frame[(frame["role"] == role) & (frame["stance"] == stance)]
            rows = rows.assign(score=rows["role_score"] * rows["stance_score"]).nlargest(n, "score")
            items = []
            for r in rows.itertuples():  # at most n rows
                doc = escape(str(r.doc_id))
                url = getattr(r, "url", None)
                link = f'<a href="{escape(str(url))}">{doc}</a>' if isinstance(url, str) and url.startswith(
                    ("http://", "https://")) else doc
                items.append(f"<li>{escape(str(r.text))} <small>({link}, {r.score:.2f})</small></li>")
            parts.append(f"<h3>{role} · {stance}</h3><ol>{''.join(items) or '<li>none</li>'}</ol>")
    return "".join(parts)


def corpus_report(predictions: str | Path, output: str | Path, top: int = 10) -> CorpusReport:
    """Write ``output/index.html`` and its charts for a corpus run's predictions.

    Example:
        >>> r = corpus_report("labels.jsonl", "report")  # doctest: +SKIP
        >>> r.index                                      # doctest: +SKIP
        PosixPath('report/index.html')
    """
    import pandas as pd

    predictions, output = Path(predictions), Path(output)
    frame = read_predictions(predictions)
    output.mkdir(parents=True, exist_ok=True)
    n_docs, n_failed = int(frame["doc_id"].nunique()), _count_errors(predictions)
    overall = _balance(frame.assign(all="all"), "all").iloc[0]
    sections = [
        f"<p>{n_docs} documents, {len(frame)} sentences; {n_failed} documents failed "
        f"({100 * n_failed / max(n_docs + n_failed, 1):.1f}%). Escalation balance of the corpus "
        f"{overall['balance']:+.2f} ({int(overall['pro'])} pro, {int(overall['con'])} con sentences).</p>",
        f'<img src="{_bar_chart(frame, output / "counts.png").name}" alt="sentences per role and stance">',
    ]
    if "date" in frame.columns:
        dates = pd.to_datetime(frame["date"], errors="coerce", utc=True)
        if dates.notna().any():
            span = (dates.max() - dates.min()).days
            unit, freq = ("day", "D") if span <= 120 else ("month", "M")
            dated = frame.assign(period=dates.dt.tz_localize(None).dt.to_period(freq))[dates.notna()]
            per_date = _balance(dated, "period").sort_index()
            chart = _time_chart(per_date, unit, output / "balance_over_time.png")
            sections.append(f"<h2>Over time</h2><img src=\"{chart.name}\" alt=\"escalation balance over time\">"
                            + _table(per_date, ["sentences", "pro", "con", "balance"]))
    if "source" in frame.columns:
        per_source = _balance(frame, "source").sort_values("sentences", ascending=False)
        chart = _source_chart(per_source, output / "balance_by_source.png")
        sections.append(f"<h2>By source</h2><img src=\"{chart.name}\" alt=\"escalation balance by source\">"
                        + _table(per_source.head(50), ["sentences", "pro", "con", "balance"]))
    sections.append(f"<h2>Strongest claims and warnings on each side</h2>{_top_sentences(frame, top)}")
    title = escape(f"argmine report: {predictions.name}")
    style = ("body{font-family:Helvetica,Arial,sans-serif;max-width:60em;margin:1em auto;color:#222}"
             "table{border-collapse:collapse;font-size:0.85em}td,th{border:1px solid #ccc;padding:2px 6px}"
             "img{max-width:100%}li{margin-bottom:0.3em}")
    index = output / "index.html"
    index.write_text(f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>{title}</title>'
                     f"<style>{style}</style></head><body><h1>{title}</h1>{''.join(sections)}</body></html>\n",
                     encoding="utf-8")
    return CorpusReport(index, n_docs, len(frame), n_failed)


__all__ = ["CorpusReport", "corpus_report", "read_predictions"]
