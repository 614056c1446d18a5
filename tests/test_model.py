from __future__ import annotations

import pytest
import torch
from transformers import AutoTokenizer

from argmine.labels import IGNORE_INDEX, ROLES, STANCES
from argmine.model import ArgmineConfig, ArgmineModel, context_text, encode, masked_cross_entropy


def _batch(tokenizer, model):
    texts = ["the army said the strike was approved", "peace talks should go on"]
    contexts = [context_text(model.config.context, p, "") for p in ["", "the army said"]]
    return encode(tokenizer, texts, contexts, 64, padding=True, return_tensors="pt")


def test_one_pass_gives_both_heads(tiny_model, tiny_encoder_dir):
    tok = AutoTokenizer.from_pretrained(tiny_encoder_dir)
    out = tiny_model(**_batch(tok, tiny_model))
    assert out.role_logits.shape == (2, len(ROLES))
    assert out.stance_logits.shape == (2, len(STANCES))
    assert out.loss is None


def test_masked_head_gives_zero_loss(tiny_model, tiny_encoder_dir):
    tok = AutoTokenizer.from_pretrained(tiny_encoder_dir)
    batch = _batch(tok, tiny_model)
    tiny_model.eval()
    masked = torch.tensor([IGNORE_INDEX, IGNORE_INDEX])
    role_only = tiny_model(**batch, role_labels=torch.tensor([0, 1]), stance_labels=masked).loss
    no_stance = tiny_model(**batch, role_labels=torch.tensor([0, 1])).loss
    assert torch.allclose(role_only, no_stance)
    both_masked = tiny_model(**batch, role_labels=masked, stance_labels=masked).loss
    assert float(both_masked.detach()) == 0.0
    assert float(masked_cross_entropy(torch.randn(3, 4), torch.tensor([IGNORE_INDEX] * 3))) == 0.0


def test_partly_masked_batch_ignores_masked_rows(tiny_model, tiny_encoder_dir):
    tok = AutoTokenizer.from_pretrained(tiny_encoder_dir)
    batch = _batch(tok, tiny_model)
    tiny_model.eval()
    full = tiny_model(**batch)
    expected = torch.nn.functional.cross_entropy(full.role_logits[:1], torch.tensor([2]))
    loss = tiny_model(**batch, role_labels=torch.tensor([2, IGNORE_INDEX])).loss
    assert torch.allclose(loss, expected)


def test_save_load_round_trip_keeps_labels_and_predictions(tiny_model, tiny_encoder_dir, tmp_path):
    tok = AutoTokenizer.from_pretrained(tiny_encoder_dir)
    tiny_model.eval()
    tiny_model.save_pretrained(tmp_path)
    tok.save_pretrained(tmp_path)
    loaded = ArgmineModel.from_pretrained(tmp_path).eval()
    assert loaded.config.labels("role") == ROLES
    assert loaded.config.labels("stance") == STANCES
    assert loaded.config.context == tiny_model.config.context
    assert loaded.config.base_model == str(tiny_encoder_dir)
    batch = _batch(AutoTokenizer.from_pretrained(tmp_path), loaded)
    with torch.inference_mode():
        a, b = tiny_model(**batch), loaded(**batch)
    assert torch.equal(a.role_logits, b.role_logits)
    assert torch.equal(a.stance_logits, b.stance_logits)
    assert (tmp_path / "model.safetensors").exists()


def test_a_few_steps_lower_the_loss(tiny_model, tiny_encoder_dir):
    tok = AutoTokenizer.from_pretrained(tiny_encoder_dir)
    batch = _batch(tok, tiny_model)
    labels = {"role_labels": torch.tensor([1, 0]), "stance_labels": torch.tensor([0, 1])}
    optimizer = torch.optim.AdamW(tiny_model.parameters(), lr=3e-3)
    tiny_model.train()
    torch.manual_seed(0)
    losses = []
    for _ in range(30):
        loss = tiny_model(**batch, **labels).loss
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    assert losses[-1] < losses[0] * 0.6


@pytest.mark.parametrize(
    ("mode", "expected"),
    [("none", None), ("previous", "B."), ("headline+previous", "H | B."), ("headline+previous", "")],
)
def test_context_text(mode, expected):
    previous = "" if expected == "" else "B."
    headline = "" if expected == "" else "H"
    assert context_text(mode, previous, headline) == expected


def test_config_rejects_bad_values():
    with pytest.raises(ValueError, match="context 'next' is not one of none, previous"):
        ArgmineConfig(context="next")
    with pytest.raises(ValueError, match="pooling 'max'"):
        ArgmineConfig(pooling="max")


def test_empty_context_encodes_like_a_single_sentence(tiny_encoder_dir):
    tok = AutoTokenizer.from_pretrained(tiny_encoder_dir)
    texts = ["the army said", "peace talks", "the minister warned"]
    contexts = ["", "the army said", None]
    enc = encode(tok, texts, contexts, 64)
    assert enc["input_ids"][0] == tok(texts[0])["input_ids"]
    assert enc["input_ids"][1] == tok(texts[1], contexts[1])["input_ids"]
    assert enc["input_ids"][2] == tok(texts[2])["input_ids"]
    assert enc.sequence_ids(1).count(1) > 0  # offsets kept for fast tokenizers
    padded = encode(tok, texts, contexts, 64, padding=True, return_tensors="pt")
    assert padded["input_ids"].shape[0] == 3


@pytest.mark.slow
def test_minilm_alias_loads_offline_and_gives_both_heads():
    """Slow twin of test_one_pass_gives_both_heads, on the real base encoder."""
    from argmine.model import base_tokenizer

    model = ArgmineModel.from_base("minilm-l6").eval()
    tok = base_tokenizer("minilm-l6")
    assert model.config.encoder["hidden_size"] == 384
    out = model(**encode(tok, ["Troops crossed the river."], None, 128, return_tensors="pt"))
    assert out.role_logits.shape == (1, len(ROLES)) and out.stance_logits.shape == (1, len(STANCES))
