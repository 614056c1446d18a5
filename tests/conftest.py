"""Shared fixtures: a tiny random BERT (built once per session) and the fixture corpus."""

from __future__ import annotations

import copy
import os
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

FIXTURES = Path(__file__).parent / "fixtures"
MINI_CORPUS = FIXTURES / "mini.jsonl"

_WORDS = (
    "the a of to and in on at by for with from that this is was were be has have had will would "
    "could should must may not no army navy troops missile missiles strike strikes war peace "
    "ceasefire talks border minister said says warned warning risk threat attack attacks "
    "fire air defence radar jets drones long range weapons limits escalation restraint "
    "officials ministry statement photo share article advertisement live news reported "
    "monday tuesday friday sunday two three four six coast guard boats zone shots act "
    "parliament approved transfer analyst experts spread towns villages shelling artillery "
    "governor allies send residents fear fighting supply depots enemy regroup dams"
).split()


def build_tiny_encoder_dir(path: Path) -> Path:
    """Write a random 2-layer BERT with a small word-level vocabulary to ``path``."""
    from tokenizers import Tokenizer, models, normalizers, pre_tokenizers, processors
    from transformers import BertConfig, BertModel, PreTrainedTokenizerFast

    specials = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    vocab = {tok: i for i, tok in enumerate(specials + sorted(set(_WORDS)))}
    backend = Tokenizer(models.WordLevel(vocab=vocab, unk_token="[UNK]"))
    backend.normalizer = normalizers.BertNormalizer(lowercase=True)
    backend.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    backend.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]",
        pair="[CLS] $A [SEP] $B:1 [SEP]:1",
        special_tokens=[("[CLS]", vocab["[CLS]"]), ("[SEP]", vocab["[SEP]"])],
    )
    tokenizer = PreTrainedTokenizerFast(
        tokenizer_object=backend, unk_token="[UNK]", pad_token="[PAD]", cls_token="[CLS]",
        sep_token="[SEP]", mask_token="[MASK]", model_max_length=64,
        model_input_names=["input_ids", "token_type_ids", "attention_mask"],
    )
    config = BertConfig(
        vocab_size=len(vocab), hidden_size=32, num_hidden_layers=2, num_attention_heads=2,
        intermediate_size=64, max_position_embeddings=64, type_vocab_size=2,
    )
    import torch

    torch.manual_seed(0)
    BertModel(config).save_pretrained(path)
    tokenizer.save_pretrained(path)
    return path


@pytest.fixture(scope="session")
def tiny_encoder_dir(tmp_path_factory) -> Path:
    """Folder of a tiny random BERT encoder + tokenizer (a stand-in for MiniLM)."""
    return build_tiny_encoder_dir(tmp_path_factory.mktemp("tiny-bert"))


@pytest.fixture(scope="session")
def _tiny_model_session(tiny_encoder_dir):
    from argmine.model import ArgmineModel

    return ArgmineModel.from_base(str(tiny_encoder_dir), max_seq_length=64, context="previous")


@pytest.fixture
def tiny_model(_tiny_model_session):
    """An untrained pair ArgmineModel on the tiny encoder, deep-copied per test."""
    return copy.deepcopy(_tiny_model_session)


def build_tiny_hierarchical(encoder_dir: Path, **kwargs):
    """An untrained hierarchical ArgmineModel on the tiny encoder, with heads that react to input."""
    import torch

    from argmine.model import ArgmineModel

    model = ArgmineModel.from_base(
        str(encoder_dir), max_seq_length=64, architecture="hierarchical", context="none", **kwargs
    )
    torch.manual_seed(1)
    for head in (model.role_head, model.stance_head):  # make the outputs depend on the input
        torch.nn.init.normal_(head.weight, std=3.0)
    return model


@pytest.fixture
def make_hierarchical(tiny_encoder_dir):
    """Build an untrained hierarchical model on the tiny encoder: ``make_hierarchical(**config)``."""
    return lambda **kwargs: build_tiny_hierarchical(tiny_encoder_dir, **kwargs)


@pytest.fixture(scope="session")
def hier_model_dir(tmp_path_factory, tiny_encoder_dir) -> Path:
    """A saved tiny hierarchical argmine model folder (random weights, windows of 4 sentences)."""
    from transformers import AutoTokenizer

    path = tmp_path_factory.mktemp("tiny-hier")
    build_tiny_hierarchical(tiny_encoder_dir, max_sentences=4, sentence_overlap=2).save_pretrained(path)
    AutoTokenizer.from_pretrained(tiny_encoder_dir).save_pretrained(path)
    return path


@pytest.fixture(scope="session")
def model_dir(tmp_path_factory, tiny_encoder_dir) -> Path:
    """A saved tiny argmine model folder (random weights, context 'previous')."""
    from transformers import AutoTokenizer

    from argmine.model import ArgmineModel

    path = tmp_path_factory.mktemp("tiny-argmine")
    model = ArgmineModel.from_base(str(tiny_encoder_dir), max_seq_length=64, context="previous")
    model.save_pretrained(path)
    AutoTokenizer.from_pretrained(tiny_encoder_dir).save_pretrained(path)
    return path


@pytest.fixture
def mini_corpus() -> Path:
    """Path of the small fixture corpus (sentences written for these tests)."""
    return MINI_CORPUS
