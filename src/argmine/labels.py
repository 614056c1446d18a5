"""The label set: the only place the role and stance names are written down.

The definitions live in the project's label guide (``docs/LABELS.md``). Everything
else in argmine derives its mappings from the tuples below.

Example:
    >>> from argmine.labels import ROLES, label2id
    >>> ROLES
    ('claim', 'evidence', 'warning', 'none')
    >>> label2id("stance")["con"]
    1
"""

from __future__ import annotations

from typing import Literal

ROLES: tuple[str, ...] = ("claim", "evidence", "warning", "none")
STANCES: tuple[str, ...] = ("pro", "con", "neutral")
SPLITS: tuple[str, ...] = ("train", "validation", "test", "test_ood")

Head = Literal["role", "stance"]
HEADS: tuple[Head, ...] = ("role", "stance")

_LABELS: dict[str, tuple[str, ...]] = {"role": ROLES, "stance": STANCES}

#: Index used for a missing label: the loss ignores it (PyTorch's default ignore_index).
IGNORE_INDEX = -100


def labels_for(head: str) -> tuple[str, ...]:
    """Return the label names of a head, in model order.

    Example:
        >>> labels_for("role")[0]
        'claim'
    """
    try:
        return _LABELS[head]
    except KeyError:
        raise ValueError(f"unknown head {head!r}: expected one of {', '.join(HEADS)}") from None


def id2label(head: str) -> dict[int, str]:
    """Map class index to label name for ``head`` (``"role"`` or ``"stance"``).

    Example:
        >>> id2label("stance")
        {0: 'pro', 1: 'con', 2: 'neutral'}
    """
    return dict(enumerate(labels_for(head)))


def label2id(head: str) -> dict[str, int]:
    """Map label name to class index for ``head``.

    Example:
        >>> label2id("role")["warning"]
        2
    """
    return {name: i for i, name in enumerate(labels_for(head))}


def validate_label(head: str, value: object) -> str:
    """Return ``value`` if it is a label of ``head``, else raise ``ValueError``.

    The message names the allowed values, so callers can prefix it with a
    location (file, line, field).

    Example:
        >>> validate_label("role", "claim")
        'claim'
    """
    allowed = labels_for(head)
    if not isinstance(value, str) or value not in allowed:
        raise ValueError(f"{head} {value!r} is not one of {', '.join(allowed)}")
    return value
