"""Fuzzing that stays in the suite: analyze on random text, the JSONL reader on random
lines, the corpus job on random small corpora (reliability review, item 8)."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from argmine.corpus import analyze_corpus, read_documents
from argmine.data import read_records
from argmine.predict import load

_SETTINGS = settings(max_examples=40, deadline=None, derandomize=True,
                     suppress_health_check=[HealthCheck.function_scoped_fixture])


@pytest.fixture(scope="module")
def miner(model_dir):
    return load(model_dir, device="cpu", precision="fp32")


@_SETTINGS
@given(st.text(max_size=400))
def test_analyze_random_text_keeps_offsets_and_never_raises(miner, text):
    art = miner.analyze(text)
    for s in art.sentences:
        assert text[s.start:s.end] == s.text
        assert s.role in miner.predictor.labels["role"] and 0.0 <= s.role_score <= 1.0


@settings(max_examples=200, deadline=None, derandomize=True)
@given(st.lists(st.one_of(st.text(max_size=60), st.builds(json.dumps, st.dictionaries(
    st.sampled_from(["id", "text", "date"]), st.one_of(st.none(), st.integers(), st.text(max_size=20))))),
    max_size=8))
def test_jsonl_reader_gives_documents_or_documented_errors(tmp_path_factory, lines):
    path = tmp_path_factory.mktemp("fuzz") / "in.jsonl"
    path.write_text("\n".join(lines), encoding="utf-8", errors="surrogatepass")
    for doc in read_documents(path):  # never raises: a bad line becomes a document with an error
        assert doc.error is None or doc.error.startswith("line ")


@settings(max_examples=100, deadline=None, derandomize=True)
@given(st.lists(st.text(max_size=40), max_size=6))
def test_annotated_reader_raises_only_value_errors(tmp_path_factory, lines):
    path = tmp_path_factory.mktemp("fuzz") / "x.jsonl"
    path.write_text("\n".join(lines), encoding="utf-8", errors="surrogatepass")
    try:
        read_records(path, require_labels=False)
    except ValueError as err:
        assert "x.jsonl" in str(err)


@settings(max_examples=10, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.text(alphabet=st.characters(codec="utf-8"), max_size=80), min_size=1, max_size=12))
def test_corpus_job_writes_every_good_document_exactly_once(miner, tmp_path_factory, texts):
    folder = tmp_path_factory.mktemp("corpus")
    path = folder / "in.jsonl"
    path.write_text("".join(json.dumps({"id": f"d{i}", "text": t}) + "\n" for i, t in enumerate(texts)))
    result = analyze_corpus(miner, path, folder / "out.jsonl", chunk_size=5, show_progress_bar=False)
    rows = [json.loads(x) for x in (folder / "out.jsonl").read_text().splitlines()]
    errors = [json.loads(x) for x in (folder / "out.jsonl.errors.jsonl").read_text().splitlines()]
    good = {f"d{i}" for i, t in enumerate(texts) if t.strip()}
    assert {r["doc_id"] for r in rows} | {e["doc_id"] for e in errors} == {f"d{i}" for i in range(len(texts))}
    assert {r["doc_id"] for r in rows} <= good and not {r["doc_id"] for r in rows} & {e["doc_id"] for e in errors}
    assert result.n_documents == len(texts)
