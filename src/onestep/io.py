"""Atomic writes and provenance for every intermediate and final file.

A file is written to a temporary sibling and moved into place with :func:`os.replace`, so a killed
job never leaves a half-written file that a later run (or a reader) would trust.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import platform
import subprocess
import tempfile
from importlib import metadata as importlib_metadata
from pathlib import Path

import numpy as np
import pandas as pd

__all__ = [
    "provenance",
    "atomic_path",
    "save_npz",
    "load_npz",
    "write_table",
    "read_table",
    "write_json",
    "sha256_file",
]

_PACKAGES = ("numpy", "scipy", "pandas", "torch", "snakemake", "onestep")


@contextlib.contextmanager
def atomic_path(path):
    """Yield a temporary path next to ``path``; move it onto ``path`` only if the block succeeds."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    os.close(fd)
    try:
        yield Path(tmp)
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


def sha256_file(path) -> str:
    """SHA-256 hex digest of a file."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()
