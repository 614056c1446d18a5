"""Corpus inference on a local Ray (loopback only): the same output as the local engine."""

from __future__ import annotations

import json
import os

import pytest

os.environ.setdefault("RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER", "0")  # bind loopback, before `import ray`
ray = pytest.importorskip("ray")

from argmine.cli import main  # noqa: E402
from argmine.corpus import analyze_corpus  # noqa: E402
from tests.test_corpus import write_corpus  # noqa: E402


@pytest.fixture(scope="module")
def local_ray():
    ray.init(num_cpus=2, include_dashboard=False, logging_level="ERROR")
    yield
    ray.shutdown()


def _rows(path):
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_ray_engine_writes_the_local_engines_rows(local_ray, model_dir, tmp_path):
    corpus = write_corpus(tmp_path / "in.jsonl", 200)
    with corpus.open("a") as f:  # bad documents go to the same errors file
        f.write(json.dumps({"id": "empty", "text": " "}) + "\n{broken\n")
    local = analyze_corpus(model_dir, corpus, tmp_path / "local.jsonl", chunk_size=32, precision="fp32",
                           show_progress_bar=False)
    ray_run = analyze_corpus(str(model_dir), corpus, tmp_path / "ray.jsonl", chunk_size=32, precision="fp32",
                             show_progress_bar=False, engine="ray", num_workers=2, ray_cpus=0.5)
    assert (ray_run.n_documents, ray_run.n_sentences, ray_run.n_failed) == \
        (local.n_documents, local.n_sentences, local.n_failed) == (202, local.n_sentences, 2)
    a, b = _rows(tmp_path / "local.jsonl"), _rows(tmp_path / "ray.jsonl")
    assert len(a) == len(b) > 200
    for x, y in zip(a, b, strict=True):
        assert {k: v for k, v in x.items() if not k.endswith("_score")} == \
            {k: v for k, v in y.items() if not k.endswith("_score")}
        assert x["role_score"] == pytest.approx(y["role_score"], abs=1e-6)
        assert x["stance_score"] == pytest.approx(y["stance_score"], abs=1e-6)
    assert (tmp_path / "local.jsonl.errors.jsonl").read_text() == (tmp_path / "ray.jsonl.errors.jsonl").read_text()


def test_ray_engine_from_the_cli_and_refusing_a_loaded_miner(local_ray, model_dir, tmp_path, capsys):
    corpus = write_corpus(tmp_path / "in.jsonl", 20)
    assert main(["-q", "corpus", "--model", str(model_dir), "--input", str(corpus), "--output",
                 str(tmp_path / "out.jsonl"), "--engine", "ray", "--ray-cpus", "0.5", "--precision", "fp32"]) == 0
    assert "done: 20 documents" in capsys.readouterr().out
    from argmine.predict import load

    with pytest.raises(ValueError, match="engine 'ray' loads the model in every worker"):
        analyze_corpus(load(model_dir), corpus, tmp_path / "x.jsonl", engine="ray")
