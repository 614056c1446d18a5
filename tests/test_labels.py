from __future__ import annotations

import pytest

from argmine.labels import HEADS, ROLES, STANCES, id2label, label2id, labels_for, validate_label


def test_label_sets_match_the_label_guide():
    assert ROLES == ("claim", "evidence", "warning", "none")
    assert STANCES == ("pro", "con", "neutral")
    assert HEADS == ("role", "stance")


@pytest.mark.parametrize("head", HEADS)
def test_maps_are_inverse(head):
    forward, backward = id2label(head), label2id(head)
    assert {v: k for k, v in forward.items()} == backward
    assert list(forward.values()) == list(labels_for(head))


def test_validate_label_names_allowed_values():
    assert validate_label("stance", "pro") == "pro"
    with pytest.raises(ValueError, match="role 'Claim' is not one of claim, evidence, warning, none"):
        validate_label("role", "Claim")
    with pytest.raises(ValueError, match="unknown head 'topic'"):
        labels_for("topic")
