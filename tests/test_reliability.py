"""Cases of the reliability review (../shared/reviews/reliability.md), by their IDs there:
each was a crash or a silent wrong result and is now a clear error."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from argmine.cli import main
from argmine.predict import load
from tests.test_corpus import write_corpus


def test_10_a_folder_where_a_file_is_expected_is_a_clear_error(model_dir, tmp_path, capsys):
    assert main(["analyze", "--model", str(model_dir), str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "Is a directory" in err and str(tmp_path) in err and "Traceback" not in err


def test_65_an_output_that_is_a_folder_is_a_clear_error(model_dir, tmp_path, capsys):
    corpus = write_corpus(tmp_path / "in.jsonl", 3)
    (tmp_path / "d.jsonl").mkdir()
    status = main(["corpus", "--model", str(model_dir), "--input", str(corpus), "--output",
                   str(tmp_path / "d.jsonl"), "--overwrite"])
    assert status == 2
    assert "Is a directory" in capsys.readouterr().err


@pytest.mark.parametrize("content", ['{"version": 2, "input": "x"}', "not json"])
def test_76_a_broken_progress_file_is_refused(model_dir, tmp_path, capsys, content):
    corpus = write_corpus(tmp_path / "in.jsonl", 3)
    (tmp_path / "o.jsonl").write_text("")
    (tmp_path / "o.jsonl.progress.json").write_text(content)
    assert main(["corpus", "--model", str(model_dir), "--input", str(corpus), "--output",
                 str(tmp_path / "o.jsonl"), "--resume"]) == 2
    err = capsys.readouterr().err
    assert "o.jsonl.progress.json" in err and "overwrite" in err


def test_83_resume_of_a_completed_run_whose_output_is_gone(model_dir, tmp_path, capsys):
    corpus = write_corpus(tmp_path / "in.jsonl", 3)
    out = tmp_path / "o.jsonl"
    args = ["corpus", "--model", str(model_dir), "--input", str(corpus), "--output", str(out), "--resume"]
    assert main(args) == 0
    out.unlink()
    assert main(args) == 2
    assert "the output of this completed run is gone" in capsys.readouterr().err


@pytest.mark.parametrize(("case", "device", "match"), [
    ("136", "cuda", "CUDA is not available here"),
    ("137", "gpu", "'gpu' is not a torch device"),
])
def test_136_137_unavailable_or_unknown_devices(model_dir, case, device, match):
    pytest.importorskip("torch")
    import torch

    if device == "cuda" and torch.cuda.is_available():
        pytest.skip("this machine has CUDA")
    with pytest.raises(ValueError, match=match):
        load(model_dir, device=device)


def test_progress_file_records_what_resume_checks(model_dir, tmp_path):
    corpus = write_corpus(tmp_path / "in.jsonl", 3)
    out = tmp_path / "o.jsonl"
    assert main(["-q", "corpus", "--model", str(model_dir), "--input", str(corpus), "--output", str(out)]) == 0
    state = json.loads(Path(str(out) + ".progress.json").read_text())
    assert state["model"].startswith("files:") and state["input_fingerprint"].startswith("file:")
    assert state["options"]["summary"] is False
