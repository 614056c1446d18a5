from __future__ import annotations

import json

import pytest
import torch
from transformers import AutoTokenizer

from argmine.context import LAYOUT_FEATURES, article_contexts, layout_features
from argmine.labels import IGNORE_INDEX, ROLES, STANCES
from argmine.model import ArgmineConfig, ArgmineModel, encode, masked_cross_entropy


def _batch(tokenizer, model):
    texts = ["the army said the strike was approved", "peace talks should go on"]
    contexts = article_contexts(texts, model.config.context)
    return encode(tokenizer, texts, [c or None for c in contexts], 64, padding=True, return_tensors="pt")


ARTICLE_1 = ["border strike", "the army said the strike was approved", "peace talks should go on"]
ARTICLE_2 = ["talks", "the minister warned of war", "(photo: residents / news)", "share this article"]


def _article_batch(tokenizer, articles=(ARTICLE_1, ARTICLE_2)):
    """What the training collator gives a hierarchical model: every sentence, and where it sits."""
    flat = [s for a in articles for s in a]
    batch = dict(tokenizer(flat, padding=True, return_tensors="pt"))
    batch.pop("token_type_ids", None)
    batch["sentence_doc"] = torch.tensor([d for d, a in enumerate(articles) for _ in a])
    batch["sentence_pos"] = torch.tensor([p for a in articles for p in range(len(a))])
    batch["layout"] = torch.tensor([row for a in articles for row in layout_features(a)])
    return batch


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
    assert loaded.config.base_model == tiny_encoder_dir.name  # a local path is recorded by its name
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


def test_config_rejects_bad_values():
    with pytest.raises(ValueError, match="context 'next' is not one of none, previous"):
        ArgmineConfig(context="next")
    with pytest.raises(ValueError, match="pooling 'max'"):
        ArgmineConfig(pooling="max")
    with pytest.raises(ValueError, match="architecture 'tree' is not one of pair, hierarchical"):
        ArgmineConfig(architecture="tree")
    with pytest.raises(ValueError, match="hierarchical model reads the whole article; set context: none"):
        ArgmineConfig(architecture="hierarchical", context="previous")
    with pytest.raises(ValueError, match=r"logit_bias\['stance'\] has 2 values for 3 labels"):
        ArgmineConfig(logit_bias={"stance": [0.1, 0.2]})


def test_hierarchical_model_reads_articles(tiny_encoder_dir, make_hierarchical):
    tok = AutoTokenizer.from_pretrained(tiny_encoder_dir)
    model = make_hierarchical().eval()
    batch = _article_batch(tok)
    out = model(**batch)
    n = len(ARTICLE_1) + len(ARTICLE_2)
    assert out.role_logits.shape == (n, len(ROLES)) and out.stance_logits.shape == (n, len(STANCES))
    # a sentence's output depends on the other sentences of its article, not on other articles
    alone = model(**_article_batch(tok, [ARTICLE_1]))
    torch.testing.assert_close(alone.role_logits, out.role_logits[: len(ARTICLE_1)], atol=1e-5, rtol=1e-4)
    changed = [ARTICLE_1[0], ARTICLE_1[1], "the army warned of war"]
    other = model(**_article_batch(tok, [changed]))
    assert not torch.allclose(other.role_logits[1], alone.role_logits[1])
    with pytest.raises(ValueError, match="needs layout, sentence_doc and sentence_pos"):
        model(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"])


def test_hierarchical_training_steps_lower_the_loss(tiny_encoder_dir, make_hierarchical):
    tok = AutoTokenizer.from_pretrained(tiny_encoder_dir)
    model = make_hierarchical()
    batch = _article_batch(tok)
    labels = {"role_labels": torch.tensor([3, 1, 0, 0, 2, 3, 3]),
              "stance_labels": torch.tensor([2, 2, 1, 2, 1, 2, IGNORE_INDEX])}
    optimizer = torch.optim.AdamW(model.parameters(), lr=3e-3)
    model.train()
    torch.manual_seed(0)
    losses = []
    for _ in range(30):
        loss = model(**batch, **labels).loss
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    assert losses[-1] < losses[0] * 0.6


def test_hierarchical_save_load_round_trip(tiny_encoder_dir, make_hierarchical, tmp_path):
    tok = AutoTokenizer.from_pretrained(tiny_encoder_dir)
    model = make_hierarchical(doc_layers=1, max_sentences=8, sentence_overlap=2).eval()
    model.config.logit_bias = {"stance": [-1.0, -0.5, 1.5]}
    model.config.train_prior = {"stance": [0.3, 0.3, 0.4]}
    model.save_pretrained(tmp_path)
    loaded = ArgmineModel.from_pretrained(tmp_path).eval()
    assert loaded.config.architecture == "hierarchical" and loaded.config.doc_layers == 1
    assert loaded.config.max_sentences == 8
    assert loaded.config.logit_bias == {"stance": [-1.0, -0.5, 1.5]}
    assert loaded.config.train_prior == {"stance": [0.3, 0.3, 0.4]}
    batch = _article_batch(tok)
    with torch.inference_mode():
        a, b = model(**batch), loaded(**batch)
    assert torch.equal(a.role_logits, b.role_logits) and torch.equal(a.stance_logits, b.stance_logits)
    assert len(LAYOUT_FEATURES) == model.layout_proj.in_features


def test_class_weights_are_a_buffer_not_saved(tiny_model, tmp_path):
    tiny_model.set_class_weights("stance", torch.tensor([2.0, 1.0, 0.5]))
    assert torch.equal(tiny_model.stance_class_weights, torch.tensor([2.0, 1.0, 0.5]))
    tiny_model.save_pretrained(tmp_path)
    assert not hasattr(ArgmineModel.from_pretrained(tmp_path), "stance_class_weights")


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


def test_embedding_by_length_equals_one_padded_batch(tiny_encoder_dir, make_hierarchical):
    tok = AutoTokenizer.from_pretrained(tiny_encoder_dir)
    model = make_hierarchical().eval()
    texts = ARTICLE_1 + ARTICLE_2 + ["the army said " * 8]
    batch = tok(texts, padding=True, return_tensors="pt")
    with torch.inference_mode():
        whole = model.embed(batch["input_ids"], batch["attention_mask"])
        chunked = model.embed_by_length(batch["input_ids"], batch["attention_mask"], chunk=3)
    torch.testing.assert_close(chunked, whole, atol=1e-5, rtol=1e-4)


def test_saved_config_has_the_role_map_and_no_machine_path(tiny_model, tmp_path):
    tiny_model.save_pretrained(tmp_path / "m")
    config = json.loads((tmp_path / "m" / "config.json").read_text())
    assert config["id2label"] == {"0": "claim", "1": "evidence", "2": "warning", "3": "none"}
    assert "id2label" not in config["encoder"] and "_name_or_path" not in config["encoder"]

    def strings(x):
        if isinstance(x, dict):
            return [s for v in x.values() for s in strings(v)]
        if isinstance(x, list):
            return [s for v in x for s in strings(v)]
        return [x] if isinstance(x, str) else []

    assert not [s for s in strings(config) if s.startswith("/") or str(tmp_path) in s]
