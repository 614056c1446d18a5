"""Tests of argmine.corpus: inputs, outputs, bad documents, and kill-and-resume."""

from __future__ import annotations

import csv
import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from argmine.cli import main
from argmine.corpus import SENTENCE_COLUMNS, analyze_corpus
from argmine.predict import load

_WORDS = (
    "army navy troops missile strike war peace ceasefire talks border minister warned risk "
    "attack fire air defence radar jets drones weapons limits escalation restraint officials "
    "ministry parliament approved transfer allies send residents fighting enemy"
).split()


def _article(rng: random.Random, n: int) -> str:
    lines = [" ".join(rng.choices(_WORDS, k=5)).capitalize()]
    for _ in range(n):
        lines.append(" ".join(rng.choices(_WORDS, k=rng.randint(4, 14))).capitalize() + ".")
    lines.append("(Photo: Ana Ruiz / Harbour Press)")  # boilerplate that repeats
    return "\n".join(lines[:1]) + "\n\n" + " ".join(lines[1:-1]) + "\n" + lines[-1]


def write_corpus(path: Path, n_docs: int, seed: int = 0) -> Path:
    rng = random.Random(seed)
    with open(path, "w", encoding="utf-8") as handle:
        for i in range(n_docs):
            row = {"id": f"d{i:05d}", "text": _article(rng, rng.randint(1, 6)),
                   "date": f"2024-03-{1 + i % 28:02d}", "source": "wire"}
            handle.write(json.dumps(row) + "\n")
    return path


@pytest.fixture(scope="module")
def miner(model_dir):
    return load(model_dir, device="cpu", precision="fp32")


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_jsonl_rows_match_analyze_and_pass_fields_through(miner, tmp_path):
    corpus = write_corpus(tmp_path / "in.jsonl", 12)
    out, summary = tmp_path / "out.jsonl", tmp_path / "articles.jsonl"
    result = analyze_corpus(miner, corpus, out, summary_output=summary, chunk_size=5)
    assert (result.n_documents, result.n_failed) == (12, 0)
    rows = read_jsonl(out)
    assert result.n_sentences == len(rows)
    assert list(rows[0])[: len(SENTENCE_COLUMNS)] == list(SENTENCE_COLUMNS)
    assert rows[0]["date"] == "2024-03-01" and rows[0]["source"] == "wire"
    docs = [json.loads(line) for line in corpus.read_text().splitlines()]
    miner.clear_cache()
    expected = miner.analyze(docs[3]["text"], doc_id="d00003")
    got = [r for r in rows if r["doc_id"] == "d00003"]
    assert [r["text"] for r in got] == [s.text for s in expected.sentences]
    assert [r["role"] for r in got] == [s.role for s in expected.sentences]
    assert [r["sentence_id"] for r in got] == list(range(len(got)))
    articles = read_jsonl(summary)
    assert [a["doc_id"] for a in articles] == [d["id"] for d in docs]
    assert articles[3]["n_sentences"] == len(got)
    assert "escalation_balance" in articles[3] and articles[3]["source"] == "wire"


def test_bad_documents_go_to_the_errors_file(model_dir, tmp_path, capsys):
    corpus = tmp_path / "in.jsonl"
    lines = [
        json.dumps({"id": "ok1", "text": "Troops crossed the border. Talks went on."}),
        json.dumps({"id": "empty", "text": "  "}),
        json.dumps({"id": "number", "text": 42}),
        "{not json",
        json.dumps({"id": "long", "text": "war " * 300}),
        json.dumps({"id": "notext"}),
        json.dumps({"id": "ok2", "text": "The minister warned of war."}),
    ]
    corpus.write_bytes("\n".join(lines).encode() + b"\n" + b'{"id": "bin", "text": "\xff\xfe"}\n'
                       + b"\n   \n")  # blank lines are skipped, not errors
    out = tmp_path / "out.jsonl"
    status = main(["corpus", "--model", str(model_dir), "--input", str(corpus), "--output",
                   str(out), "--max-chars", "1000", "--precision", "fp32"])
    assert status == 1
    last = capsys.readouterr().out.strip().splitlines()[-1]
    assert last.startswith("done: 8 documents, 3 sentences, 6 failed")
    errors = {e["doc_id"]: e["reason"] for e in read_jsonl(Path(str(out) + ".errors.jsonl"))}
    assert errors == {
        "empty": "empty text",
        "number": "not text (got int)",
        "3": "line 4: not valid JSON (Expecting property name enclosed in double quotes)",
        "long": "too long: 1200 characters (max_chars 1000)",
        "notext": "line 6: no field 'text'",
        "7": "line 8: not valid UTF-8",
    }
    assert {r["doc_id"] for r in read_jsonl(out)} == {"ok1", "ok2"}


def test_all_input_formats_give_the_same_rows(miner, tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq
    from datasets import Dataset

    docs = [json.loads(x) for x in write_corpus(tmp_path / "in.jsonl", 6).read_text().splitlines()]
    folder = tmp_path / "txt"
    folder.mkdir()
    for d in docs:
        (folder / f"{d['id']}.txt").write_text(d["text"], encoding="utf-8")
    with open(tmp_path / "in.csv", "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=["id", "text", "date", "source"])
        writer.writeheader()
        writer.writerows(docs)
    pq.write_table(pa.Table.from_pylist(docs), tmp_path / "in.parquet")

    def rows(source, name, **kwargs):
        out = tmp_path / name
        analyze_corpus(miner, source, out, **kwargs)
        if out.suffix == ".parquet":
            return pq.read_table(out).to_pylist()
        return read_jsonl(out)

    def core(rs):
        return [(r["doc_id"], r["sentence_id"], r["text"], r["role"], r["stance"]) for r in rs]

    reference = rows(tmp_path / "in.jsonl", "a.jsonl")
    assert core(rows(folder, "b.jsonl")) == core(reference)
    assert core(rows(tmp_path / "in.csv", "c.jsonl")) == core(reference)
    assert core(rows(tmp_path / "in.parquet", "d.jsonl")) == core(reference)
    assert core(rows(Dataset.from_list(docs), "e.jsonl")) == core(reference)
    as_parquet = rows(tmp_path / "in.jsonl", "f.parquet", summary_output=tmp_path / "s.parquet")
    assert core(as_parquet) == core(reference)
    assert as_parquet[0]["date"] == "2024-03-01"
    assert not (tmp_path / "f.parquet.parts").exists()
    assert len(pq.read_table(tmp_path / "s.parquet")) == 6


def test_existing_output_needs_resume_or_overwrite(miner, tmp_path):
    corpus = write_corpus(tmp_path / "in.jsonl", 3)
    out = tmp_path / "out.jsonl"
    analyze_corpus(miner, corpus, out)
    with pytest.raises(ValueError, match="exists; pass resume to continue or overwrite"):
        analyze_corpus(miner, corpus, out)
    assert analyze_corpus(miner, corpus, out, resume=True).n_documents == 3  # already complete
    assert analyze_corpus(miner, corpus, out, overwrite=True).n_documents == 3


def test_resume_parquet_after_interrupted_run(miner, tmp_path, monkeypatch):
    import pyarrow.parquet as pq

    corpus = write_corpus(tmp_path / "in.jsonl", 40)
    full = tmp_path / "full.parquet"
    analyze_corpus(miner, corpus, full, chunk_size=7)
    calls = []
    real = miner.analyze_batch

    def crash_on_third_chunk(*args, **kwargs):
        calls.append(1)
        if len(calls) == 3:
            raise KeyboardInterrupt
        return real(*args, **kwargs)

    part = tmp_path / "part.parquet"
    monkeypatch.setattr(miner, "analyze_batch", crash_on_third_chunk)
    with pytest.raises(KeyboardInterrupt):
        analyze_corpus(miner, corpus, part, chunk_size=7)
    monkeypatch.undo()
    assert not part.exists() and len(list(Path(str(part) + ".parts").iterdir())) == 2
    result = analyze_corpus(miner, corpus, part, resume=True, chunk_size=99)
    assert result.resumed_from == 14
    assert pq.read_table(part).equals(pq.read_table(full))


def test_sigkill_and_resume_gives_identical_output(model_dir, tmp_path):
    corpus = write_corpus(tmp_path / "in.jsonl", 600)
    reference = tmp_path / "reference.jsonl"
    base = [sys.executable, "-m", "argmine.cli", "-q", "corpus", "--model", str(model_dir),
            "--input", str(corpus), "--precision", "fp32", "--chunk-size", "50",
            "--summary"]
    env = {**os.environ, "TOKENIZERS_PARALLELISM": "false", "HF_HUB_OFFLINE": "1"}
    killed = tmp_path / "killed.jsonl"
    state_path = Path(str(killed) + ".progress.json")
    proc = subprocess.Popen([*base, str(tmp_path / "killed-articles.jsonl"),
                             "--output", str(killed)], env=env)
    deadline = time.monotonic() + 600  # generous: the kill waits for progress, not for a clock
    done = 0
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            done = json.loads(state_path.read_text())["docs_done"]
        except (FileNotFoundError, json.JSONDecodeError, KeyError):
            done = 0
        if done >= 100:
            break
        time.sleep(0.01)
    assert proc.poll() is None, "the run finished before it could be killed"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert 0 < done < 600
    state = json.loads(state_path.read_text())
    assert not state["complete"]
    resumed = subprocess.run([*base, str(tmp_path / "killed-articles.jsonl"),
                              "--output", str(killed), "--resume"],
                             env=env, capture_output=True, text=True)
    assert resumed.returncode == 0, resumed.stderr
    uninterrupted = subprocess.run([*base, str(tmp_path / "reference-articles.jsonl"),
                                    "--output", str(reference)], env=env,
                                   capture_output=True, text=True)
    assert uninterrupted.returncode == 0, uninterrupted.stderr
    assert killed.read_bytes() == reference.read_bytes()
    assert (tmp_path / "killed-articles.jsonl").read_bytes() == (
        tmp_path / "reference-articles.jsonl").read_bytes()
    rows = read_jsonl(killed)
    assert len({r["doc_id"] for r in rows}) == 600
    assert len({(r["doc_id"], r["sentence_id"]) for r in rows}) == len(rows)


@pytest.mark.parametrize(
    ("case", "extra", "match"),
    [
        ("67-output-is-input", {"output": "in"}, "the output is the same file as the input"),
        ("68-summary-is-output", {"summary_output": "out"}, "the summary is the same file as the output"),
        ("69-errors-is-output", {"errors_output": "out"}, "the errors file is the same file as the output"),
    ],
)
def test_clashing_paths_are_refused_before_anything_is_written(miner, tmp_path, case, extra, match):
    corpus = write_corpus(tmp_path / "in.jsonl", 5)
    before = corpus.read_bytes()
    paths = {"in": corpus, "out": tmp_path / "out.jsonl"}
    kwargs = {k: paths[v] for k, v in extra.items() if k != "output"}
    output = paths[extra["output"]] if "output" in extra else paths["out"]
    with pytest.raises(ValueError, match=match):
        analyze_corpus(miner, corpus, output, overwrite=True, show_progress_bar=False, **kwargs)
    assert corpus.read_bytes() == before
    assert not (tmp_path / "out.jsonl").exists()


def test_77_resume_refuses_an_output_shorter_than_its_progress_record(miner, tmp_path):
    corpus = write_corpus(tmp_path / "in.jsonl", 30)
    out = tmp_path / "out.jsonl"
    analyze_corpus(miner, corpus, out, chunk_size=10, show_progress_bar=False)
    state = json.loads(Path(str(out) + ".progress.json").read_text())
    state["complete"] = False  # as if killed after the last chunk
    Path(str(out) + ".progress.json").write_text(json.dumps(state))
    with open(out, "r+b") as f:
        f.truncate(out.stat().st_size // 2)
    with pytest.raises(ValueError, match="shorter than the .* its progress file records"):
        analyze_corpus(miner, corpus, out, chunk_size=10, resume=True, show_progress_bar=False)


def test_84_resume_without_a_progress_file_never_overwrites(miner, tmp_path):
    corpus = write_corpus(tmp_path / "in.jsonl", 5)
    out = tmp_path / "out.jsonl"
    out.write_text('{"earlier": "results"}\n')
    with pytest.raises(ValueError, match="exists but .*progress.json does not"):
        analyze_corpus(miner, corpus, out, resume=True, show_progress_bar=False)
    assert out.read_text() == '{"earlier": "results"}\n'


@pytest.mark.parametrize("change", ["another-model", "changed-input", "summary-added"])
def test_resume_refuses_a_run_whose_model_input_or_options_changed(miner, model_dir, tiny_model, tmp_path, change):
    corpus = write_corpus(tmp_path / "in.jsonl", 30)
    out = tmp_path / "out.jsonl"
    analyze_corpus(miner, corpus, out, chunk_size=10, show_progress_bar=False)
    state_path = Path(str(out) + ".progress.json")
    state = json.loads(state_path.read_text())
    state.update(complete=False, docs_done=10)  # as if killed after the first chunk
    state_path.write_text(json.dumps(state))
    model, kwargs, match = miner, {}, ""
    if change == "another-model":
        tiny_model.role_head.bias.data += 1.0  # same architecture, other weights
        other = tmp_path / "other-model"
        tiny_model.save_pretrained(other)
        for f in Path(model_dir).glob("tokenizer*"):
            (other / f.name).write_bytes(f.read_bytes())
        model, match = load(other, device="cpu", precision="fp32"), "the model: .* changed since the run began"
    elif change == "changed-input":
        corpus.write_text(corpus.read_text().replace("wire", "wirE"))
        match = "the input's content: .* changed since the run began"
    else:
        kwargs, match = {"summary_output": tmp_path / "sum.jsonl"}, "the options: .* changed"
    with pytest.raises(ValueError, match=match):
        analyze_corpus(model, corpus, out, chunk_size=10, resume=True, show_progress_bar=False, **kwargs)
