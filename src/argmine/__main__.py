"""``python -m argmine``: the command line, also under ``torchrun`` (one process per rank)."""

from argmine.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
