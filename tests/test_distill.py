"""Distillation: soft-label files, the KD loss, and a distillation run on the tiny model."""

from __future__ import annotations

import json

import pytest
import torch

from argmine.cli import main
from argmine.config import config_from_dict
from argmine.data import read_records
from argmine.distill import attach_soft_labels, distillation_loss, read_soft_labels
from argmine.labels import HEADS, label2id
from argmine.predict import Predictor
from argmine.training import train


def _split(mini_corpus, name):
    return [r for r in read_records(mini_corpus) if r["split"] == name]


def _tiny(tmp_path, mini_corpus, **over):
    values = {"name": "t", "data": str(mini_corpus), "output_dir": str(tmp_path / "out"),
              "run_dir": str(tmp_path / "run"), "context": "previous",
              "base_model": "tiny-random", "max_seq_length": 32, "epochs": 3, "batch_size": 8,
              "learning_rate": 1e-3, "early_stopping_patience": 0, "threads": 1, "class_weighting": "none"}
    values.update(over)
    return config_from_dict(values)


def _peaked_teacher(records, path, role="evidence", stance="neutral", p=0.97):
    """A soft-label file whose teacher is sure of one class per head for every sentence."""
    def probs(head, top):
        names = list(label2id(head))
        rest = (1 - p) / (len(names) - 1)
        return {k: (p if k == top else rest) for k in names}

    path.write_text("".join(json.dumps({"article_id": r["article_id"], "sentence_id": r["sentence_id"],
                                        "role": probs("role", role), "stance": probs("stance", stance)}) + "\n"
                            for r in records))
    return path


def test_loss_is_zero_when_the_student_matches_the_teacher_and_scales_with_t_squared():
    teacher = torch.tensor([[0.7, 0.2, 0.1], [0.1, 0.1, 0.8]])
    assert distillation_loss(teacher.log(), teacher, 2.0).item() == pytest.approx(0.0, abs=1e-6)
    student = torch.zeros(2, 3)
    kl = (teacher * (teacher.log() - torch.log(torch.full_like(teacher, 1 / 3)))).sum(-1).mean()
    assert distillation_loss(student, teacher, 1.0).item() == pytest.approx(kl.item(), rel=1e-5)
    assert distillation_loss(student, teacher, 3.0).item() > 0


def test_soft_label_file_errors_name_file_line_and_field(tmp_path):
    good = {"article_id": "a", "sentence_id": 0,
            "role": {"claim": 0.1, "evidence": 0.7, "warning": 0.1, "none": 0.1},
            "stance": {"pro": 0.2, "con": 0.2, "neutral": 0.6}}
    cases = [
        ({**good, "stance": {"pro": 0.5, "con": 0.5}}, "line 2: stance: expected probabilities for pro, con, neutral"),
        ({**good, "role": {**good["role"], "claim": 0.5}}, "line 2: role: probabilities must be >= 0 and sum to 1"),
        ({k: v for k, v in good.items() if k != "role"}, "line 2: role: missing"),
        (good, "line 2: sentence a/0 appears twice"),
    ]
    for bad, match in cases:
        path = tmp_path / "soft.jsonl"
        path.write_text(json.dumps(good) + "\n" + json.dumps(bad) + "\n")
        with pytest.raises(ValueError, match=f"soft.jsonl {match}"):
            read_soft_labels(path)
    with pytest.raises(FileNotFoundError, match="argmine soft-labels"):
        read_soft_labels(tmp_path / "absent.jsonl")
    with pytest.raises(ValueError, match="no teacher probabilities for sentence b/3"):
        attach_soft_labels([{"article_id": "b", "sentence_id": 3}], {}, "soft.jsonl")


def test_cli_soft_labels_cover_every_sentence_with_the_teachers_probabilities(tmp_path, model_dir, mini_corpus):
    out = tmp_path / "teacher.jsonl"
    assert main(["-q", "soft-labels", "--model", str(model_dir), "--data", str(mini_corpus),
                 "--output", str(out)]) == 0
    soft = read_soft_labels(out)
    records = read_records(mini_corpus)
    assert set(soft) == {(r["article_id"], r["sentence_id"]) for r in records}
    raw = Predictor.from_pretrained(model_dir, precision="fp32", calibrated=False)
    first = records[0]
    scores = raw.predict_articles([[r["text"] for r in records if r["article_id"] == first["article_id"]]])[0][0]
    for h in HEADS:
        assert soft[(first["article_id"], first["sentence_id"])][h] == pytest.approx(getattr(scores, h).tolist(),
                                                                                      abs=1e-4)


@pytest.mark.parametrize("architecture", ["pair", "hierarchical"])
def test_distillation_pulls_the_student_towards_the_teacher(tmp_path, mini_corpus, architecture):
    records = _split(mini_corpus, "train")
    train_only = tmp_path / "train.jsonl"  # no validation split: the last epoch is kept, not the "best"
    train_only.write_text("".join(json.dumps(r) + "\n" for r in records))
    teacher = _peaked_teacher(records, tmp_path / "teacher.jsonl", role="warning", stance="con")
    over = {"architecture": "hierarchical", "context": "none", "batch_size": 1, "epochs": 6,
            "head_learning_rate": 1e-2} if architecture == "hierarchical" else {}
    result = train(_tiny(tmp_path, train_only, distill_from=str(teacher), distill_alpha=1.0,
                         distill_temperature=1.0, **over))
    predictor = Predictor.from_pretrained(result.output_dir, precision="fp32", calibrated=False)
    articles = {}
    for r in _split(mini_corpus, "validation"):
        articles.setdefault(r["article_id"], []).append(r["text"])
    scores = [s for article in predictor.predict_articles(list(articles.values())) for s in article]
    roles = [predictor.labels["role"][int(s.role.argmax())] for s in scores]
    stances = [predictor.labels["stance"][int(s.stance.argmax())] for s in scores]
    # pure distillation (alpha 1) from a teacher that always says warning / con: the gold
    # labels (warning and con in 2 of 12 sentences) no longer count, so the student follows the teacher
    assert roles.count("warning") / len(roles) > 0.9
    assert stances.count("con") / len(stances) > 0.9
