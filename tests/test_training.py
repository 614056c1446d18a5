from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from argmine.baseline import TfidfBaseline
from argmine.config import config_from_dict, load_config
from argmine.training import article_examples, train

ROOT = Path(__file__).resolve().parents[1]


def _tiny(tmp_path, mini_corpus, **over):
    values = {"name": "t", "data": str(mini_corpus), "output_dir": str(tmp_path / "out"),
              "run_dir": str(tmp_path / "run"), "context": "previous",
              "base_model": "tiny-random", "max_seq_length": 32, "epochs": 2, "batch_size": 8,
              "learning_rate": 1e-3, "early_stopping_patience": 0, "threads": 1}
    values.update(over)
    return config_from_dict(values)


@pytest.mark.parametrize(
    "name", ["default", "tiny", "baseline", "exportable", "hierarchical", "article-pair", "large", "distilled"]
)
def test_shipped_configs_load(name):
    config = load_config(ROOT / "configs" / f"{name}.yaml")
    assert config.name == name


def test_unknown_key_names_key_and_file(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("epochs: 2\nlearnig_rate: 0.1\n")
    with pytest.raises(ValueError, match=r"bad\.yaml: unknown config key 'learnig_rate'"):
        load_config(path)


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("epochs: two\n", r"bad\.yaml: epochs must be float, got 'two'"),
        ("context: next\n", r"bad\.yaml: context 'next' is not one of none, previous"),
        ("batch_size: 0\n", r"bad\.yaml: batch_size must be > 0"),
        ("class_weighting: true\n", r"bad\.yaml: class_weighting must be str, got True"),
        ("class_weighting: half\n", r"bad\.yaml: class_weighting 'half' is not one of inverse, sqrt, none"),
        ("calibration: fit-nll\n", r"bad\.yaml: calibration 'fit-nll' needs calibration_shares"),
        ("calibration: prior-shift\ncalibration_shares: {stance: {pro: 1, con: 1}}\n",
         r"bad\.yaml: calibration shares need exactly the labels pro, con, neutral"),
        ("calibration_shares: {stance: {pro: a}}\n", r"calibration_shares\.stance\.pro must be a number"),
        ("architecture: hierarchical\ncontext: previous\n", r"set context: none"),
        ("distill_alpha: 0\n", r"bad\.yaml: distill_alpha must be in \(0, 1\], got 0"),
        ("distill_temperature: -1\n", r"bad\.yaml: distill_temperature must be > 0"),
        ("- a\n- b\n", r"bad\.yaml: expected a mapping"),
        ("epochs: [1\n", r"bad\.yaml: not valid YAML"),
    ],
)
def test_bad_values_name_key_and_file(tmp_path, text, match):
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    with pytest.raises(ValueError, match=match):
        load_config(path)


def test_overrides_are_checked(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text("epochs: 2\n")
    assert load_config(path, ["epochs=3", "seed=7"]).seed == 7
    with pytest.raises(ValueError, match="unknown config key 'epoch'"):
        load_config(path, ["epoch=3"])


def test_baseline_trains_and_predicts(tmp_path, mini_corpus):
    config = _tiny(tmp_path, mini_corpus, kind="tfidf")
    result = train(config)
    assert TfidfBaseline.is_saved_in(result.output_dir)
    loaded = TfidfBaseline.load(result.output_dir)
    scores = loaded.predict_articles([["The ministry warned of war.", "Share this article"]])[0]
    assert scores[0].role.shape == (4,) and scores[0].stance.shape == (3,)
    assert abs(float(scores[0].role.sum()) - 1.0) < 1e-4
    metrics = json.loads((result.output_dir / "metrics.json").read_text())
    assert set(metrics) >= {"validation", "test", "test_ood"}
    assert 0.0 <= metrics["test"]["role"]["macro_f1"] <= 1.0


def test_tiny_training_writes_a_complete_model_folder(tmp_path, mini_corpus):
    result = train(_tiny(tmp_path, mini_corpus))
    out = result.output_dir
    for name in ("model.safetensors", "config.json", "tokenizer.json", "metrics.json", "README.md",
                 "training_curves.png"):
        assert (out / name).exists(), name
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["test_ood"]["role"]["confusion"]
    assert "per_class" in metrics["validation"]["stance"]
    card = (out / "README.md").read_text()
    assert "| test_ood |" in card and "tiny-random" in card
    config = json.loads((out / "config.json").read_text())
    assert config["role_id2label"] == {"0": "claim", "1": "evidence", "2": "warning", "3": "none"}


def test_same_seed_same_metrics(tmp_path, mini_corpus):
    a = train(_tiny(tmp_path / "a", mini_corpus, epochs=1)).metrics
    b = train(_tiny(tmp_path / "b", mini_corpus, epochs=1)).metrics
    for split in ("validation", "test"):
        assert a[split]["role"]["confusion"] == b[split]["role"]["confusion"]
        assert a[split]["stance"]["confusion"] == b[split]["stance"]["confusion"]


def test_resume_continues_from_last_checkpoint(tmp_path, mini_corpus):
    first = _tiny(tmp_path, mini_corpus, epochs=1)
    train(first)
    history_1 = json.loads((first.output_path / "train_history.json").read_text())
    resumed = _tiny(tmp_path, mini_corpus, epochs=2)
    train(resumed, resume=True)
    history_2 = json.loads((resumed.output_path / "train_history.json").read_text())
    assert max(e.get("epoch", 0) for e in history_2) == 2
    # the first epoch's log is carried over from the checkpoint, not recomputed
    assert history_2[0] == history_1[0]


def test_123_resume_refuses_checkpoints_of_another_config_and_a_fresh_run_clears_them(tmp_path, mini_corpus):
    train(_tiny(tmp_path, mini_corpus, epochs=1))
    assert any((tmp_path / "run").glob("checkpoint-*"))
    with pytest.raises(ValueError, match="belong to another config \\(differs in learning_rate\\)"):
        train(_tiny(tmp_path, mini_corpus, epochs=1, learning_rate=5e-4), resume=True)
    old = sorted((tmp_path / "run").glob("checkpoint-*"))
    (old[0] / "marker").write_text("from the first run")
    train(_tiny(tmp_path, mini_corpus, epochs=1, learning_rate=5e-4))  # no --resume: starts fresh
    assert not any(p.name == "marker" for p in (tmp_path / "run").rglob("marker"))


def test_yaml_strings_that_are_numbers_are_accepted(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text("learning_rate: 1e-4\n")  # PyYAML reads this as a str
    assert load_config(path, ["head_learning_rate=2e-3"]).head_learning_rate == 2e-3
    assert load_config(path).learning_rate == 1e-4


def test_article_examples_cut_long_articles_into_windows():
    rows = [{"text": f"s{i}.", "role": "evidence", "stance": "neutral"} for i in range(10)]
    examples = article_examples([rows], size=6, overlap=2)
    assert [e["texts"][0] for e in examples] == ["s0.", "s4."]
    assert all(len(e["texts"]) == len(e["layout"]) == len(e["role"]) == 6 for e in examples)
    assert examples[0]["layout"][0][0] == 1.0  # the headline flag comes from the whole article


def test_hierarchical_training_calibrates_and_saves(tmp_path, mini_corpus):
    shares = {"stance": {"pro": 0.1, "con": 0.2, "neutral": 0.7}}
    config = _tiny(tmp_path, mini_corpus, architecture="hierarchical", context="none", batch_size=2,
                   calibration="fit-nll", calibration_shares=shares, class_weighting="sqrt",
                   head_learning_rate=1e-2)
    result = train(config)
    saved = json.loads((result.output_dir / "config.json").read_text())
    assert saved["architecture"] == "hierarchical"
    assert len(saved["logit_bias"]["stance"]) == 3 and "role" not in saved["logit_bias"]
    assert sum(saved["train_prior"]["stance"]) == pytest.approx(1.0)
    metrics = json.loads((result.output_dir / "metrics.json").read_text())
    assert metrics["calibration"]["method"] == "fit-nll"
    assert not (result.output_dir / "training_args.bin").exists()  # checkpoints live in run_dir
    assert any((tmp_path / "run").glob("checkpoint-*"))


def test_seeds_report_mean_and_sd(tmp_path, mini_corpus):
    from argmine.training import train_seeds

    summary = train_seeds(_tiny(tmp_path, mini_corpus, kind="tfidf"), 2)
    assert summary["seeds"] == [42, 43]
    assert set(summary["test"]["role"]) == {"mean", "sd", "values"}
    assert (tmp_path / "out" / "seeds.json").exists()


def test_cli_train_reports_config_error(tmp_path, capsys):
    from argmine.cli import main

    path = tmp_path / "oops.yaml"
    path.write_text("lr: 1\n")
    assert main(["train", "--config", str(path)]) == 2
    assert "oops.yaml: unknown config key 'lr'" in capsys.readouterr().err


def test_console_script_help():
    out = subprocess.run([sys.executable, "-m", "argmine.cli", "--help"], capture_output=True,
                         text=True, check=True).stdout
    for command in ("segment", "validate-data", "train", "evaluate"):
        assert command in out
