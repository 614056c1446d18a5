"""What a user types first, the README quickstart, runs as written (on a tiny model)."""

from __future__ import annotations

import re
from pathlib import Path

README = Path(__file__).resolve().parents[1] / "README.md"


def _python_blocks(section: str) -> list[str]:
    text = README.read_text(encoding="utf-8")
    part = text.split(f"## {section}", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```python\n(.*?)```", part, flags=re.S)


def test_quickstart_runs_as_written(model_dir, capsys):
    code = _python_blocks("Quickstart")[0]
    assert 'argmine.load("models/default")' in code
    exec(compile(code.replace("models/default", str(model_dir)), "README quickstart", "exec"), {})
    out = capsys.readouterr().out.splitlines()
    assert len(out) == 5  # four sentences (headline + three) and the summary line
    assert out[0].split()[0] in ("claim", "evidence", "warning", "none")


def test_readme_documents_every_cli_command():
    from argmine.cli import build_parser

    text = README.read_text(encoding="utf-8")
    commands = build_parser()._subparsers._group_actions[0].choices
    for name in commands:
        assert f"argmine {name}" in text, name
