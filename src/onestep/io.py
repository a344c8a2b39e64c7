"""Atomic writes and provenance for every intermediate and final file.

A file is written to a temporary sibling ``.<name>.<random>.part`` and moved into place with
:func:`os.replace`, so a killed job never leaves a half-written file that a later run (or a reader)
would trust. The file ends with mode ``0o666 & ~umask``, like a plain ``open``. A SIGKILL leaves the
``.part`` sibling behind: :func:`part_target` names the file it belonged to, and the workflow's
``onstart`` handler removes the stale ones (``onestep.integrity.remove_stale_parts``).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import platform
import re
import subprocess
import tempfile
from importlib import metadata as importlib_metadata
from pathlib import Path

import numpy as np
import pandas as pd

__all__ = [
    "provenance",
    "atomic_path",
    "PART_SUFFIX",
    "part_target",
    "current_umask",
    "check_readable",
    "save_npz",
    "load_npz",
    "write_table",
    "read_table",
    "write_json",
    "read_json",
    "stamp",
    "sha256_file",
]

_PACKAGES = ("numpy", "scipy", "pandas", "torch", "snakemake", "onestep")


PART_SUFFIX = ".part"
# tempfile.mkstemp names: prefix + 8 characters of [a-z0-9_] + suffix
_PART_NAME = re.compile(r"^\.(?P<name>.+)\.[a-z0-9_]{8}" + re.escape(PART_SUFFIX) + "$")


def current_umask() -> int:
    """The process umask, read without changing it (``Umask:`` in ``/proc/self/status``, Linux
    >= 4.7); elsewhere set and restore it (racy only against another thread doing the same)."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def part_target(part) -> Path | None:
    """The file a temporary ``.<name>.<random>.part`` written by :func:`atomic_path` was meant to
    become (same folder), or None if ``part`` is not such a name."""
    part = Path(part)
    match = _PART_NAME.match(part.name)
    return part.with_name(match["name"]) if match else None


@contextlib.contextmanager
def atomic_path(path):
    """Yield a temporary path next to ``path``; move it onto ``path`` only if the block succeeds.

    The temporary file is ``.<name>.<random>.part`` in the same folder (see :func:`part_target`);
    the final file has mode ``0o666 & ~umask`` (``mkstemp`` alone would leave 0600).
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=PART_SUFFIX, dir=path.parent)
    os.close(fd)
    try:
        yield Path(tmp)
        os.chmod(tmp, 0o666 & ~current_umask())
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


def _git_commit() -> str:
    here = Path(__file__).resolve().parent
    try:
        out = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=here, capture_output=True, text=True, timeout=5
        )
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    commit = out.stdout.strip()
    if out.returncode != 0 or not commit:
        return "unknown"
    dirty = subprocess.run(
        ["git", "status", "--porcelain", "--untracked-files=no"],
        cwd=here, capture_output=True, text=True, timeout=5,
    ).stdout.strip()
    return commit + ("-dirty" if dirty else "")


def provenance(**point) -> dict:
    """Provenance record: the config point given, code version and package versions."""
    versions = {}
    for name in _PACKAGES:
        try:
            versions[name] = importlib_metadata.version(name)
        except importlib_metadata.PackageNotFoundError:
            versions[name] = "absent"
    return {
        "point": point,
        "git_commit": _git_commit(),
        "python": platform.python_version(),
        "packages": versions,
    }


def save_npz(path, *, metadata: dict, **arrays) -> None:
    """Save arrays and a JSON ``metadata`` record to ``path`` atomically (uncompressed)."""
    with atomic_path(path) as tmp, open(tmp, "wb") as handle:
        np.savez(handle, metadata=np.array(json.dumps(metadata, default=str)), **arrays)


def load_npz(path) -> tuple[dict, dict]:
    """Load ``(arrays, metadata)`` written by :func:`save_npz`."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"input file {str(path)!r} does not exist")
    with np.load(path, allow_pickle=False) as data:
        arrays = {k: data[k] for k in data.files if k != "metadata"}
        meta = json.loads(str(data["metadata"])) if "metadata" in data.files else {}
    return arrays, meta


def write_table(frame: pd.DataFrame, path) -> None:
    """Write a table atomically; the format follows the suffix (``.parquet`` or ``.csv``)."""
    path = Path(path)
    with atomic_path(path) as tmp:
        if path.suffix == ".parquet":
            frame.to_parquet(tmp, index=False)
        elif path.suffix == ".csv":
            frame.to_csv(tmp, index=False)
        else:
            raise ValueError(f"path={str(path)!r}: expected a .parquet or .csv suffix")


def read_table(path) -> pd.DataFrame:
    """Read a ``.parquet`` or ``.csv`` table, with a clear error if it is missing."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"input table {str(path)!r} does not exist")
    return pd.read_parquet(path) if path.suffix == ".parquet" else pd.read_csv(path)


def write_json(record: dict, path) -> None:
    """Write a JSON record atomically."""
    with atomic_path(path) as tmp:
        Path(tmp).write_text(json.dumps(record, indent=2, sort_keys=True, default=str) + "\n")


def read_json(path) -> dict:
    """Read a JSON record written by :func:`write_json`, naming the file on any problem."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"input file {str(path)!r} does not exist")
    try:
        return json.loads(path.read_text())
    except json.JSONDecodeError as error:
        raise ValueError(f"input file {str(path)!r} is not valid JSON ({error}); delete it and "
                         "rerun to rebuild it") from error


def stamp(table: pd.DataFrame, *records: dict) -> pd.DataFrame:
    """Append provenance columns (config point, seed, git commit, ...) to every row of ``table``.

    Columns come in the order given; a key repeated in a later record overrides the earlier value.
    Returns ``table`` (modified in place).
    """
    for record in records:
        for key, value in record.items():
            table[key] = value
    return table


def check_readable(path) -> None:
    """Raise ``ValueError`` naming ``path`` unless it opens in full as what its suffix says.

    ``.npz``: every array is read (the zip CRC of each member is checked); ``.parquet``, ``.csv``:
    the table is read; ``.json``: it parses; ``.png``: the chunk CRCs are checked and the image is
    decoded. Other suffixes are not checked. A missing file raises ``FileNotFoundError``.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"file {str(path)!r} does not exist")
    suffix = path.suffix.lower()
    try:
        if suffix == ".npz":
            with np.load(path, allow_pickle=False) as data:
                for key in data.files:
                    data[key]
        elif suffix in (".parquet", ".csv"):
            read_table(path)
        elif suffix == ".json":
            json.loads(path.read_text())
        elif suffix == ".png":
            from PIL import Image

            with Image.open(path) as image:
                image.verify()
            with Image.open(path) as image:
                image.load()
    except Exception as error:  # noqa: BLE001 - any reader error means a damaged file
        raise ValueError(f"file {str(path)!r} is damaged: it does not open as {suffix} "
                         f"({type(error).__name__}: {error})") from error


def sha256_file(path, *, readable: bool = True) -> str:
    """SHA-256 hex digest of a file.

    With ``readable`` (the default), first :func:`check_readable`: a ``.npz``, ``.parquet``,
    ``.csv``, ``.json`` or ``.png`` that does not open raises ``ValueError`` instead of being
    hashed (so the manifest never blesses a damaged figure or table).
    """
    if readable:
        check_readable(path)
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()
