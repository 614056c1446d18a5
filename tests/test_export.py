"""Tests of ``argmine export-hf``: a plain transformers checkpoint with argmine's labels."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from argmine.cli import main
from argmine.context import article_contexts
from argmine.model import ArgmineModel
from argmine.predict import load
from argmine.segment import split_sentences

ARTICLE = (
    "Navy shadows patrol boats near island chain\n\n"
    "Three patrol boats crossed into the zone on Sunday, the coast guard said. "
    "The minister argued that the navy should fire warning shots. "
    "Officials warned that any shot would be an act of war. "
    "Talks between the two coast guards are the only path, the mediator said.\n"
    "(Photo: Ana Ruiz / Harbour Press)\n"
)


def save_model(path: Path, encoder_dir: Path, **kwargs) -> Path:
    from transformers import AutoTokenizer

    model = ArgmineModel.from_base(str(encoder_dir), max_seq_length=64, **kwargs)
    torch.manual_seed(1)
    for head in (model.role_head, model.stance_head):  # make the outputs depend on the input
        torch.nn.init.normal_(head.weight, std=3.0)
    model.save_pretrained(path)
    AutoTokenizer.from_pretrained(encoder_dir).save_pretrained(path)
    return path


@pytest.mark.parametrize(("context", "head"), [("previous", "role"), ("none", "stance")])
def test_pipeline_on_export_gives_argmine_labels(tmp_path, tiny_encoder_dir, context, head):
    from transformers import pipeline

    model_dir = save_model(tmp_path / "m", tiny_encoder_dir, context=context, pooling="pooler")
    out = tmp_path / "exported"
    assert main(["export-hf", "--model", str(model_dir), "--head", head, str(out)]) == 0

    art = load(model_dir, device="cpu", precision="fp32").analyze(ARTICLE)
    spans = split_sentences(ARTICLE)
    contexts = article_contexts([s.text for s in spans], context)
    # what a plain user writes: the sentence alone when there is no context
    inputs = [{"text": s.text, "text_pair": c} if c else s.text for s, c in zip(spans, contexts)]
    classifier = pipeline("text-classification", model=str(out), device="cpu")
    predictions = classifier(inputs, batch_size=32)
    labels = [getattr(s, head) for s in art.sentences]
    assert [p["label"] for p in predictions] == labels
    scores = [getattr(s, f"{head}_scores")[labels[0]] for s in art.sentences]
    assert np.ptp(scores) > 1e-3  # outputs depend on the input, so the check is not trivial
    np.testing.assert_allclose(
        [p["score"] for p in predictions], [getattr(s, f"{head}_score") for s in art.sentences],
        atol=1e-5,
    )


def test_export_of_mean_pooling_model_is_refused(tmp_path, tiny_encoder_dir, capsys):
    model_dir = save_model(tmp_path / "m", tiny_encoder_dir, pooling="mean")
    assert main(["export-hf", "--model", str(model_dir), "--head", "role",
                 str(tmp_path / "out")]) == 2
    assert "export needs a model trained with pooling: pooler" in capsys.readouterr().err


def test_export_of_hierarchical_model_is_refused(tmp_path, hier_model_dir, capsys):
    assert main(["export-hf", "--model", str(hier_model_dir), "--head", "role", str(tmp_path / "out")]) == 2
    assert "export needs a pair model" in capsys.readouterr().err
