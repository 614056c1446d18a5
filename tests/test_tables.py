"""Tables in and out: DataFrames into the corpus job, analyses out as a DataFrame, miner(...)."""

from __future__ import annotations

import json

import pandas as pd

import argmine
from argmine.corpus import analyze_corpus
from argmine.predict import load


def test_corpus_job_reads_a_dataframe_with_its_columns(model_dir, tmp_path):
    frame = pd.DataFrame({"id": ["a", "b"], "text": ["Troops crossed. Talks failed.", "Envoys met."],
                          "source": ["wire", "daily"]})
    result = analyze_corpus(model_dir, frame, tmp_path / "o.jsonl", precision="fp32", show_progress_bar=False)
    rows = [json.loads(x) for x in (tmp_path / "o.jsonl").read_text().splitlines()]
    assert result.n_failed == 0 and {r["doc_id"] for r in rows} == {"a", "b"}
    assert {r["source"] for r in rows if r["doc_id"] == "b"} == {"daily"}


def test_to_pandas_and_calling_the_miner(model_dir):
    miner = load(model_dir, device="cpu", precision="fp32")
    arts = miner(["Troops crossed. Talks failed.", "Envoys met."], doc_ids=["a", "b"])
    one = miner("Envoys met.")
    assert isinstance(one, argmine.ArticleAnalysis) and len(arts) == 2
    frame = argmine.to_pandas(arts)
    assert list(frame["doc_id"]) == ["a", "a", "b"] and list(frame["sentence_id"]) == [0, 1, 0]
    assert frame["role_score"].dtype == float and set(frame["stance"]) <= set(argmine.STANCES)
