"""Integrity of a results tree after a crash: verify it, say how to rebuild, clean stale temps.

- :func:`verify_tree` checks every file listed in ``results/manifest.json`` against its SHA-256
  and size, and that every intermediate ``.npz``, ``.parquet``, ``.csv``, ``.json`` under
  ``results/`` and every ``.png`` under ``figures/`` opens in full (``onestep.io.check_readable``).
  Snakemake itself only looks at modification times, so a truncated simulation ``.npz`` would
  otherwise break every later run, and deleting it gives "Nothing to be done".
- :func:`rebuild_command` is the command that rebuilds the damaged files *and* everything computed
  from them (``snakemake --forcerun <files>``).
- :func:`remove_stale_parts` deletes the ``.part`` temporaries a killed job left behind
  (``onestep.io.atomic_path``); the workflow calls it from ``onstart``, which Snakemake runs while
  it holds its lock, and only for files that lock covers.
"""

from __future__ import annotations

import json
import shlex
from dataclasses import dataclass
from pathlib import Path

from .io import PART_SUFFIX, check_readable, part_target, sha256_file

__all__ = [
    "Problem",
    "MANIFEST",
    "manifest_problems",
    "unreadable_files",
    "stale_parts",
    "verify_tree",
    "rebuild_command",
    "run_options",
    "format_problems",
    "remove_stale_parts",
]

MANIFEST = "results/manifest.json"
_CHECKED = {".npz", ".parquet", ".csv", ".json", ".png"}
_FOLDERS = ("results", "figures")


@dataclass(frozen=True)
class Problem:
    """One damaged or missing file: ``path`` (relative to the run folder), ``kind`` (``missing``,
    ``size``, ``sha256`` or ``unreadable``) and a one-line ``detail``."""

    path: str
    kind: str
    detail: str


def manifest_problems(root=".", *, manifest: str = MANIFEST) -> list[Problem]:
    """Files listed in ``manifest`` (relative to ``root``) that are missing, have another size or
    another SHA-256 than recorded; a missing or unreadable manifest is itself a problem."""
    root = Path(root)
    try:
        record = json.loads((root / manifest).read_text())
        hashes, sizes = record["sha256"], record.get("bytes", {})
    except FileNotFoundError:
        return [Problem(manifest, "missing", "the manifest of final outputs does not exist")]
    except (ValueError, KeyError, TypeError) as error:
        return [Problem(manifest, "unreadable", f"not a manifest ({type(error).__name__})")]
    problems = []
    for name in sorted(hashes):
        path = root / name
        if not path.is_file():
            problems.append(Problem(name, "missing", "listed in the manifest, does not exist"))
        elif name in sizes and path.stat().st_size != sizes[name]:
            problems.append(Problem(name, "size", f"{path.stat().st_size} bytes, manifest "
                                                  f"records {sizes[name]}"))
        elif sha256_file(path, readable=False) != hashes[name]:
            problems.append(Problem(name, "sha256", "SHA-256 differs from the manifest"))
    return problems


def _files(root: Path, folders) -> list[Path]:
    found = []
    for folder in folders:
        if (root / folder).is_dir():
            found += [p for p in (root / folder).rglob("*")
                      if p.is_file() and p.suffix.lower() in _CHECKED]
    return sorted(found)


def unreadable_files(root=".", *, folders=_FOLDERS) -> list[Problem]:
    """Every ``.npz``, ``.parquet``, ``.csv``, ``.json``, ``.png`` under ``folders`` of ``root``
    that does not open in full (``.part`` temporaries are not looked at)."""
    root = Path(root)
    problems = []
    for path in _files(root, folders):
        try:
            check_readable(path)
        except (ValueError, OSError) as error:
            cause = error.__cause__ or error
            problems.append(Problem(path.relative_to(root).as_posix(), "unreadable",
                                    f"does not open ({type(cause).__name__}: {cause})"))
    return problems


def verify_tree(root=".", *, manifest: str = MANIFEST) -> list[Problem]:
    """:func:`manifest_problems` then :func:`unreadable_files`, one problem per path."""
    problems, seen = [], set()
    for problem in manifest_problems(root, manifest=manifest) + unreadable_files(root):
        if problem.path not in seen:
            seen.add(problem.path)
            problems.append(problem)
    return problems


def rebuild_command(paths, *, options=(), cores: int = 2) -> str:
    """The shell command that rebuilds ``paths`` and every file computed from them.

    ``--forcerun`` reruns the jobs that write ``paths`` even when the files are missing but not
    needed (plain ``snakemake`` then says "Nothing to be done"), and everything downstream of them;
    ``options`` are the run's own options (``--configfile``, ``--directory``), put before it
    because ``--forcerun`` takes every following word as a file.
    """
    words = ["snakemake", "--cores", str(cores), *options, "--forcerun", *sorted(paths)]
    return shlex.join(words)


def run_options(*, base, workdir, snakefile, configfiles=(), overrides=None) -> list[str]:
    """The options a command must repeat to act on the same run as a Snakemake run did.

    The command is meant to be run in ``base``, the workflow folder (Snakemake resolves
    ``--directory`` before reading the workflow, so the folder it was started in is not known).
    ``workdir`` is the run folder (``--directory`` when it is not ``base``), ``snakefile`` the
    main Snakefile, ``configfiles`` the ``--configfile`` values and ``overrides`` the ``--config``
    mapping. Paths inside ``base`` are shown relative to it, others absolute.
    """
    base = Path(base).resolve()

    def shown(path) -> str:
        path = Path(path).resolve()
        return path.relative_to(base).as_posix() if path.is_relative_to(base) else str(path)

    options = []
    if Path(snakefile).resolve() != base / "Snakefile":
        options += ["--snakefile", shown(snakefile)]
    for path in configfiles:
        options += ["--configfile", shown(path)]
    if overrides:
        options += ["--config"] + [
            f"{key}={value if isinstance(value, str) else json.dumps(value)}"
            for key, value in overrides.items()]
    if Path(workdir).resolve() != base:
        options += ["--directory", shown(workdir)]
    return options


def format_problems(problems, command: str) -> str:
    """A report naming every damaged or missing file and the command that rebuilds them."""
    lines = [f"verify FAILED: {len(problems)} damaged or missing file(s):"]
    lines += [f"  {p.path}: {p.kind}: {p.detail}" for p in problems]
    lines += ["rebuild them and everything computed from them with:", f"  {command}"]
    return "\n".join(lines)


def stale_parts(root=".", *, folders=_FOLDERS) -> list[Path]:
    """Every ``.part`` temporary left under ``folders`` of ``root`` (see ``onestep.io``)."""
    root = Path(root)
    found = []
    for folder in folders:
        if (root / folder).is_dir():
            found += [p for p in (root / folder).rglob(f".*{PART_SUFFIX}")
                      if p.is_file() and part_target(p) is not None]
    return sorted(found)


def _relative(path, root: Path) -> str:
    path = Path(path)
    if path.is_absolute():
        try:
            return path.relative_to(root.resolve()).as_posix()
        except ValueError:
            return path.as_posix()
    return path.as_posix()


def remove_stale_parts(root=".", *, locked=None, folders=_FOLDERS) -> list[Path]:
    """Delete the ``.part`` temporaries under ``folders`` of ``root``; return them.

    With ``locked`` (paths relative to ``root``: the files this Snakemake run holds its lock on),
    only temporaries of those files are deleted, so a second run on other targets cannot delete a
    file a live job is writing. Without it every temporary goes: call it only when nothing runs.
    """
    root = Path(root)
    keep = None if locked is None else {_relative(p, root) for p in locked}
    removed = []
    for part in stale_parts(root, folders=folders):
        target = part_target(part).relative_to(root).as_posix()
        if keep is None or target in keep:
            part.unlink(missing_ok=True)
            removed.append(part)
    return removed
