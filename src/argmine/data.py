"""Reading and checking annotated sentences (JSON Lines, see ``docs/LABELS.md``).

One JSON object per line, one line per sentence, sentences grouped by article::

    {"article_id": "a0042", "sentence_id": 7, "text": "...", "role": "warning", "stance": "con"}

Every problem is reported as a :class:`DataError` naming the file, the line and the
field, and saying what is allowed.

Example:
    >>> from argmine.data import load_dataset_dict
    >>> dsd = load_dataset_dict("data/escalation-news")   # doctest: +SKIP
    >>> dsd["train"][0]["role"]                            # doctest: +SKIP
    'evidence'
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from argmine.labels import HEADS, ROLES, SPLITS, STANCES, validate_label

REQUIRED_FIELDS: tuple[str, ...] = ("article_id", "sentence_id", "text", "role", "stance")
OPTIONAL_STR_FIELDS: tuple[str, ...] = ("source", "conflict", "genre")
#: Columns of every loaded dataset, in order; rows are grouped by article and sorted
#: by ``sentence_id`` (see :func:`group_articles`).
COLUMNS: tuple[str, ...] = (
    "article_id", "sentence_id", "text", "role", "stance", "split", "conflict", "genre",
)


class DataError(ValueError):
    """A problem in an annotation file, located by file, line and field."""

    def __init__(self, path: str | Path, line: int | None, field: str | None, message: str):
        self.path, self.line, self.field = str(path), line, field
        where = str(path) + (f" line {line}" if line is not None else "")
        what = f"{field}: " if field else ""
        super().__init__(f"{where}: {what}{message}")


def jsonl_files(path: str | Path) -> list[Path]:
    """Return the JSON Lines files at ``path``: the file itself, or a folder's ``*.jsonl``.

    Example:
        >>> [p.name for p in jsonl_files("tests/fixtures/mini.jsonl")]  # doctest: +SKIP
        ['mini.jsonl']
    """
    path = Path(path)
    if path.is_dir():
        files = sorted(path.glob("*.jsonl"))
        if not files:
            raise DataError(path, None, None, "folder holds no *.jsonl file")
        return files
    if not path.exists():
        raise DataError(path, None, None, "no such file or folder")
    return [path]


def _check_row(row: Any, path: Path, line: int, require_labels: bool) -> dict[str, Any]:
    if not isinstance(row, dict):
        raise DataError(path, line, None, f"expected a JSON object, got {type(row).__name__}")
    for name in REQUIRED_FIELDS:
        if name not in row and (require_labels or name not in HEADS):
            raise DataError(path, line, name, "missing (required: " + ", ".join(REQUIRED_FIELDS) + ")")
    article_id, sentence_id, text = row["article_id"], row["sentence_id"], row["text"]
    if not isinstance(article_id, str) or not article_id.strip():
        raise DataError(path, line, "article_id", f"must be a non-empty string, got {article_id!r}")
    if isinstance(sentence_id, bool) or not isinstance(sentence_id, int) or sentence_id < 0:
        raise DataError(path, line, "sentence_id", f"must be an integer >= 0, got {sentence_id!r}")
    if not isinstance(text, str) or not text.strip():
        raise DataError(path, line, "text", f"must be a non-empty string, got {text!r}")
    out: dict[str, Any] = {"article_id": article_id, "sentence_id": sentence_id, "text": text}
    for head in HEADS:
        value = row.get(head)
        if value is None and not require_labels:
            out[head] = None
            continue
        try:
            out[head] = validate_label(head, value)
        except ValueError as err:
            raise DataError(path, line, head, str(err)) from None
    if out["role"] == "none" and out["stance"] not in (None, "neutral"):
        raise DataError(path, line, "stance", "a 'none' sentence must be 'neutral' (label guide)")
    split = row.get("split")
    if split is not None and split not in SPLITS:
        raise DataError(path, line, "split", f"{split!r} is not one of {', '.join(SPLITS)}")
    out["split"] = split
    for name in OPTIONAL_STR_FIELDS:
        value = row.get(name)
        if value is not None and not isinstance(value, str):
            raise DataError(path, line, name, f"must be a string, got {value!r}")
        out[name] = value
    ambiguous = row.get("ambiguous", [])
    if not isinstance(ambiguous, list) or any(a not in HEADS for a in ambiguous):
        raise DataError(path, line, "ambiguous", f"must be a list of 'role'/'stance', got {ambiguous!r}")
    out["ambiguous"] = list(ambiguous)
    return out


def read_records(path: str | Path, *, require_labels: bool = True) -> list[dict[str, Any]]:
    """Read and check every sentence of a JSON Lines file or folder.

    Args:
        path: a ``.jsonl`` file or a folder of them (read in name order).
        require_labels: if False, ``role`` / ``stance`` may be missing or null; the
            loss and the scores then leave that label out (masking).

    Returns:
        One dict per sentence with the fields of the label guide (missing optional
        fields are ``None``).

    Raises:
        DataError: on bad JSON, a missing field, a wrong type, an unknown label or a
            duplicate ``(article_id, sentence_id)``; the message names file, line, field.

    Example:
        >>> rows = read_records("tests/fixtures/mini.jsonl")  # doctest: +SKIP
    """
    records: list[dict[str, Any]] = []
    seen: dict[tuple[str, int], str] = {}
    for file in jsonl_files(path):
        with open(file, encoding="utf-8") as handle:
            for line_no, line in enumerate(handle, start=1):
                if not line.strip():
                    continue
                try:
                    row = json.loads(line)
                except json.JSONDecodeError as err:
                    raise DataError(file, line_no, None, f"not valid JSON ({err.msg})") from None
                record = _check_row(row, file, line_no, require_labels)
                key = (record["article_id"], record["sentence_id"])
                if key in seen:
                    raise DataError(
                        file, line_no, "sentence_id",
                        f"duplicate (article_id, sentence_id) {key}, first seen at {seen[key]}",
                    )
                seen[key] = f"{file} line {line_no}"
                records.append(record)
    return records


def group_articles(records: Iterable[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    """Group sentence rows into articles: articles in order of first appearance, rows
    sorted by ``sentence_id`` (row 0 is the headline).

    Example:
        >>> rows = [{"article_id": a, "sentence_id": i} for a, i in [("b", 1), ("a", 0), ("b", 0)]]
        >>> [[(r["article_id"], r["sentence_id"]) for r in art] for art in group_articles(rows)]
        [[('b', 0), ('b', 1)], [('a', 0)]]
    """
    by_article: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for record in records:
        by_article[record["article_id"]].append(record)
    return [sorted(rows, key=lambda r: r["sentence_id"]) for rows in by_article.values()]


def load_dataset_dict(
    path: str | Path, *, require_labels: bool = True, default_split: str = "train"
):
    """Load annotated sentences into a ``datasets.DatasetDict`` keyed by split.

    Rows without a ``split`` go to ``default_split``. Columns are :data:`COLUMNS`.

    Example:
        >>> dsd = load_dataset_dict("data/escalation-news")  # doctest: +SKIP
        >>> sorted(dsd)                                        # doctest: +SKIP
        ['test', 'test_ood', 'train', 'validation']
    """
    from datasets import Dataset, DatasetDict

    if default_split not in SPLITS:
        raise ValueError(f"default_split {default_split!r} is not one of {', '.join(SPLITS)}")
    by_split: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for article in group_articles(read_records(path, require_labels=require_labels)):
        for row in article:
            row = {**row, "split": row["split"] or default_split}
            by_split[row["split"]].append({c: row[c] for c in COLUMNS})
    return DatasetDict(
        {s: Dataset.from_list(by_split[s]) for s in SPLITS if s in by_split}
    )


def data_hash(path: str | Path) -> str:
    """Return a short SHA-256 of the JSON Lines files at ``path`` (for model cards).

    Example:
        >>> len(data_hash("tests/fixtures/mini.jsonl"))  # doctest: +SKIP
        12
    """
    digest = hashlib.sha256()
    for file in jsonl_files(path):
        digest.update(file.name.encode())
        digest.update(file.read_bytes())
    return digest.hexdigest()[:12]


@dataclass
class CorpusReport:
    """What :func:`check_corpus` found: counts, and rule violations (empty when valid)."""

    n_articles: int
    n_sentences: int
    counts: dict[str, Counter] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    #: Held-out sentences (not ``none``) that nearly copy a training sentence:
    #: (held-out "article/sentence", train "article/sentence", cosine similarity).
    near_duplicates: list[tuple[str, str, float]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when the corpus breaks no rule."""
        return not self.problems

    def table(self) -> str:
        """Render the counts as plain-text tables (split x role x stance, conflicts, genres)."""
        lines = [f"articles {self.n_articles}  sentences {self.n_sentences}", ""]
        splits = [s for s in SPLITS if self.counts["split_sentences"].get(s)]
        header = f"{'split':<11}{'articles':>9}{'sents':>7}" + "".join(
            f"{x:>10}" for x in ROLES + STANCES
        )
        lines.append(header)
        total_row: Counter = Counter()
        for s in splits + ["all"]:
            c = self.counts["split_label"] if s != "all" else total_row
            n = self.counts["split_sentences"][s] if s != "all" else self.n_sentences
            arts = self.counts["split_articles"][s] if s != "all" else self.n_articles
            cells = []
            for head, names in (("role", ROLES), ("stance", STANCES)):
                for name in names:
                    k = c[(s, head, name)] if s != "all" else sum(
                        self.counts["split_label"][(x, head, name)] for x in splits
                    )
                    cells.append(f"{k:>5} {100 * k / max(n, 1):3.0f}%")
            lines.append(f"{s:<11}{arts:>9}{n:>7}" + "".join(f"{x:>10}" for x in cells))
        for key, title in (("conflict", "conflict"), ("genre", "genre")):
            lines += ["", f"{title:<28}{'articles':>9}{'sents':>7}  splits"]
            for name, arts in sorted(self.counts[f"{key}_articles"].items(), key=lambda x: -x[1]):
                sp = ",".join(sorted(self.counts[f"{key}_splits"][name]))
                share = 100 * arts / max(self.n_articles, 1)
                lines.append(
                    f"{name:<28}{arts:>5} {share:2.0f}%{self.counts[f'{key}_sentences'][name]:>7}  {sp}"
                )
        amb = self.counts["ambiguous"]
        lines += ["", f"ambiguous: role {amb['role']}, stance {amb['stance']}"]
        lines.append(
            f"near-copies of a train sentence in held-out splits (cosine >= {NEAR_COPY_THRESHOLD}, "
            f"role not none): {len(self.near_duplicates)}"
        )
        for held, seen, sim in self.near_duplicates[:10]:
            lines.append(f"  {held} ~ {seen} ({sim:.2f})")
        return "\n".join(lines)


NEAR_COPY_THRESHOLD = 0.9


def near_copies(
    records: list[dict[str, Any]], threshold: float = NEAR_COPY_THRESHOLD
) -> list[tuple[str, str, float]]:
    """Find held-out sentences that nearly copy a training sentence (leakage check).

    Compares word 1-2-gram TF-IDF vectors; boilerplate (role ``none``) is left out,
    since "Advertisement" recurring across splits is expected and harmless.

    Example:
        >>> near_copies(read_records("data/escalation-news"))  # doctest: +SKIP
        []
    """
    from sklearn.feature_extraction.text import TfidfVectorizer

    content = [r for r in records if r["role"] != "none" and r.get("split")]
    train = [r for r in content if r["split"] == "train"]
    held = [r for r in content if r["split"] != "train"]
    if not train or not held:
        return []
    vectorizer = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True).fit(
        [r["text"] for r in content]
    )
    similarity = vectorizer.transform([r["text"] for r in held]) @ vectorizer.transform(
        [r["text"] for r in train]
    ).T
    out = []
    for i, row in enumerate(similarity.tocsr()):
        if row.nnz and row.data.max() >= threshold:
            j = row.indices[row.data.argmax()]
            out.append((f"{held[i]['article_id']}/{held[i]['sentence_id']}",
                        f"{train[j]['article_id']}/{train[j]['sentence_id']}", float(row.data.max())))
    return out


def check_corpus(path: str | Path) -> CorpusReport:
    """Check a corpus against the format and the split rules, and count its labels.

    Rules beyond the per-row checks of :func:`read_records`: each article's rows are
    contiguous in its file, numbered 0..n-1 in order, and share one ``split``,
    ``conflict`` and ``genre`` (all required here); a ``test_ood`` conflict appears in
    no other split.

    Example:
        >>> report = check_corpus("data/escalation-news")  # doctest: +SKIP
        >>> report.ok                                        # doctest: +SKIP
        True
    """
    records = read_records(path)
    problems: list[str] = []
    articles: dict[str, list[dict[str, Any]]] = defaultdict(list)
    order: list[str] = []
    for r in records:
        if r["article_id"] in articles and order[-1] != r["article_id"]:
            problems.append(f"article {r['article_id']}: rows are not contiguous")
        if not articles[r["article_id"]] or order[-1] != r["article_id"]:
            order.append(r["article_id"])
        articles[r["article_id"]].append(r)
    counts: dict[str, Counter] = {
        k: Counter() for k in ("split_sentences", "split_articles", "split_label", "ambiguous",
                               "conflict_articles", "conflict_sentences",
                               "genre_articles", "genre_sentences")
    }
    counts["conflict_splits"] = defaultdict(set)  # type: ignore[assignment]
    counts["genre_splits"] = defaultdict(set)  # type: ignore[assignment]
    for article_id, rows in articles.items():
        ids = [r["sentence_id"] for r in rows]
        if ids != list(range(len(rows))):
            problems.append(f"article {article_id}: sentence ids are not 0..{len(rows) - 1} in order")
        for name in ("split", "conflict", "genre"):
            values = {r[name] for r in rows}
            if None in values:
                problems.append(f"article {article_id}: field {name} missing on some rows")
            elif len(values) > 1:
                problems.append(f"article {article_id}: several values of {name}: {sorted(values)}")
        split, conflict, genre = rows[0]["split"], rows[0]["conflict"], rows[0]["genre"]
        counts["split_articles"][split] += 1
        counts["conflict_articles"][conflict] += 1
        counts["genre_articles"][genre] += 1
        counts["conflict_splits"][conflict].add(split)
        counts["genre_splits"][genre].add(split)
        for r in rows:
            counts["split_sentences"][split] += 1
            counts["conflict_sentences"][conflict] += 1
            counts["genre_sentences"][genre] += 1
            counts["split_label"][(split, "role", r["role"])] += 1
            counts["split_label"][(split, "stance", r["stance"])] += 1
            counts["ambiguous"].update(r["ambiguous"])
    for conflict, splits in counts["conflict_splits"].items():
        if "test_ood" in splits and len(splits) > 1:
            problems.append(
                f"conflict {conflict}: in test_ood and also in {sorted(splits - {'test_ood'})}"
            )
    return CorpusReport(len(articles), len(records), counts, problems, near_copies(records))
