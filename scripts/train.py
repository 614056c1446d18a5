"""Train a model from a YAML config: a thin wrapper around ``argmine train``.

Usage:
    python scripts/train.py --config configs/default.yaml [--seeds 3] [--resume] [--set epochs=2]
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

from argmine.cli import main as cli_main


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``argmine train`` with ``argv`` (default: the command line)."""
    return cli_main(["train", *(sys.argv[1:] if argv is None else argv)])


if __name__ == "__main__":
    sys.exit(main())
