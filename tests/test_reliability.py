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


def _run(model_dir, tmp_path, name, content, capsys=None, output="o.jsonl"):
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    status = main(["-q", "corpus", "--model", str(model_dir), "--input", str(path), "--output",
                   str(tmp_path / output), "--overwrite"])
    rows = [json.loads(x) for x in (tmp_path / output).read_text().splitlines()] if output.endswith("l") else []
    errors_file = tmp_path / (output + ".errors.jsonl")
    errors = [json.loads(x) for x in errors_file.read_text().splitlines()] if errors_file.exists() else []
    return status, rows, errors


@pytest.mark.parametrize("case", ["24-broken-first-line", "25-first-row-without-date", "29-bom"])
def test_passthrough_fields_come_from_every_row(model_dir, tmp_path, case):
    good = [{"id": "a", "text": "Troops crossed.", "date": "2024-01-02", "source": "wire"},
            {"id": "b", "text": "Talks resumed.", "date": "2024-01-03", "source": "wire"}]
    lines = [json.dumps(r) for r in good]
    if case.startswith("24"):
        content = "{broken\n" + "\n".join(lines) + "\n"
    elif case.startswith("25"):
        content = json.dumps({"id": "c", "text": "No date here."}) + "\n" + "\n".join(lines) + "\n"
    else:
        content = ("\ufeff" + "\n".join(lines) + "\n").encode("utf-8")
    _, rows, errors = _run(model_dir, tmp_path, "in.jsonl", content)
    assert {"a", "b"} <= {r["doc_id"] for r in rows}
    assert all("date" in r and "source" in r for r in rows)
    assert {r["date"] for r in rows if r["doc_id"] == "a"} == {"2024-01-02"}
    assert len(errors) == (1 if case.startswith("24") else 0)


def test_33_ids_must_be_non_empty_strings_or_integers(model_dir, tmp_path):
    rows_in = [{"id": 1, "text": "Troops crossed."}, {"id": None, "text": "Talks resumed."},
               {"id": "", "text": "Envoys met."}, {"id": {"a": 1}, "text": "Jets flew."}]
    _, rows, errors = _run(model_dir, tmp_path, "in.jsonl", "".join(json.dumps(r) + "\n" for r in rows_in))
    assert {r["doc_id"] for r in rows} == {"1"}
    assert len(errors) == 3 and all("must be a non-empty string or an integer" in e["reason"] for e in errors)


def test_44_csv_with_a_byte_order_mark_keeps_its_ids(model_dir, tmp_path):
    _, rows, _ = _run(model_dir, tmp_path, "in.csv", "\ufeffid,text\nx1,Troops crossed.\nx2,Talks resumed.\n")
    assert {r["doc_id"] for r in rows} == {"x1", "x2"}


def test_46_ragged_csv_row_goes_to_the_errors_file(model_dir, tmp_path):
    status, _, _ = _run(model_dir, tmp_path, "in.csv", 'id,text\nr0,"The navy fired.",EXTRA\nr1,Fine.\n',
                        output="o.parquet")
    errors = [json.loads(x) for x in (tmp_path / "o.parquet.errors.jsonl").read_text().splitlines()]
    assert status == 1 and errors[0]["doc_id"] == "0" and "more cells than the header" in errors[0]["reason"]


def test_48_unterminated_csv_quote_is_refused(model_dir, tmp_path, capsys):
    path = tmp_path / "u.csv"
    path.write_text('id,text\nu0,"The navy fired.\nu1,"Another."\nu2,Third one.\n')
    assert main(["corpus", "--model", str(model_dir), "--input", str(path), "--output", str(tmp_path / "o.jsonl")]) == 2
    assert "not valid CSV" in capsys.readouterr().err


def test_56_txt_files_in_any_letter_case(model_dir, tmp_path):
    folder = tmp_path / "mixed"
    folder.mkdir()
    (folder / "a.txt").write_text("Troops crossed.")
    (folder / "B.TXT").write_text("Talks resumed.")
    (folder / "notes.md").write_text("not an article")
    status = main(["-q", "corpus", "--model", str(model_dir), "--input", str(folder), "--output",
                   str(tmp_path / "o.jsonl")])
    assert status == 0
    assert {json.loads(x)["doc_id"] for x in (tmp_path / "o.jsonl").read_text().splitlines()} == {"a", "B"}


def _copy_model(model_dir, tmp_path):
    import shutil

    target = tmp_path / "m"
    shutil.copytree(model_dir, target)
    return target


@pytest.mark.parametrize(("case", "match"), [
    ("87-plain-encoder", "not an argmine model \\(config.json model_type 'bert'\\)"),
    ("88-no-weights", "model.safetensors: missing"),
    ("89-truncated-weights", "cannot be read .*truncated or corrupt"),
    ("90-corrupt-header", "cannot be read .*truncated or corrupt"),
    ("94-five-roles-for-four-outputs", "role_id2label has 5 labels but the role head has 4 outputs"),
    ("95-label-keys-with-a-gap", "stance_id2label: keys must be 0..2, got 0, 1, 5"),
])
def test_87_to_95_broken_model_folders_are_refused_before_loading(model_dir, tiny_encoder_dir, tmp_path, case, match):
    folder = tiny_encoder_dir if case.startswith("87") else _copy_model(model_dir, tmp_path)
    weights = folder / "model.safetensors"
    config_path = folder / "config.json"
    if case.startswith("88"):
        weights.unlink()
    elif case.startswith("89"):
        weights.write_bytes(weights.read_bytes()[: weights.stat().st_size // 2])
    elif case.startswith("90"):
        weights.write_bytes(b"\xff" * 8 + weights.read_bytes()[8:])
    elif case.startswith("94") or case.startswith("95"):
        config = json.loads(config_path.read_text())
        if case.startswith("94"):
            config["role_id2label"]["4"] = "extra"
        else:
            config["stance_id2label"] = {"0": "pro", "1": "con", "5": "neutral"}
        config_path.write_text(json.dumps(config))
    with pytest.raises((ValueError, FileNotFoundError), match=match):
        load(folder)


def test_101_max_seq_length_beyond_the_encoders_positions_is_refused(tmp_path, mini_corpus):
    from argmine.config import config_from_dict
    from argmine.training import train

    config = config_from_dict({"name": "t", "data": str(mini_corpus), "output_dir": str(tmp_path / "o"),
                               "run_dir": str(tmp_path / "r"), "base_model": "tiny-random", "max_seq_length": 1000,
                               "epochs": 1, "threads": 1})
    with pytest.raises(ValueError, match="max_seq_length 1000 exceeds what the encoder 'tiny-random' can read"):
        train(config)


def test_31_a_lone_surrogate_is_read_not_a_crash(model_dir):
    miner = load(model_dir, device="cpu", precision="fp32")
    text = "Border talks resume. Envoys met \udcff today."
    art = miner.analyze(text)
    assert [text[s.start:s.end] for s in art.sentences] == [s.text for s in art.sentences]
    assert len(art.sentences) == 2
