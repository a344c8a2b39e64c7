"""Which package modules a pipeline script depends on, and a hash of their source.

Snakemake reruns a job when its script changes but not when the package code it imports changes.
The rules therefore pass ``code=code_version(script)`` as a param: the SHA-256 of every module of
``onestep`` that the script imports, directly or through other modules (``from onestep.x import``,
``from .x import``, ``from ..x.y import``), package ``__init__`` files included. Editing one module
reruns exactly the jobs whose scripts reach it. Imports are read from the source text (top-level
``from ... import`` lines), not executed.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

__all__ = ["import_closure", "code_version"]

_ABSOLUTE = re.compile(r"^[ \t]*(?:from|import)[ \t]+onestep((?:\.\w+)*)", re.M)
_RELATIVE = re.compile(
    r"^[ \t]*from[ \t]+(\.+)(\w+(?:\.\w+)*)?[ \t]+import[ \t]+(\([^)]*\)|[\w ,]+)", re.M)


def _module_file(package: Path, name: str) -> Path | None:
    """``kernels.gram`` -> ``<package>/kernels/gram.py`` (or a subpackage's ``__init__.py``)."""
    base = package.joinpath(*name.split(".")) if name else package
    if base.with_suffix(".py").is_file():
        return base.with_suffix(".py")
    if (base / "__init__.py").is_file():
        return base / "__init__.py"
    return None


def _parents(name: str) -> list[str]:
    parts = name.split(".")
    return [".".join(parts[:i]) for i in range(len(parts))]  # "" is the top-level package


def _imports_of(package: Path, name: str, source: str) -> set[str]:
    found = {m.lstrip(".") for m in _ABSOLUTE.findall(source)}
    current = name.split(".") if name else []
    is_package = _module_file(package, name).name == "__init__.py" if name else True
    here = current if is_package else current[:-1]
    for dots, module, names in _RELATIVE.findall(source):
        root = here[: len(here) - (len(dots) - 1)] if len(dots) > 1 else here
        target = ".".join([*root, *(module.split(".") if module else [])])
        found.add(target)
        for item in re.split(r"[\s,()]+", names):  # `from . import x` may name submodules
            if item and _module_file(package, f"{target}.{item}".strip(".")) is not None:
                found.add(f"{target}.{item}".strip("."))
    return found


def import_closure(script, package) -> list[str]:
    """Dotted names (relative to the package, ``""`` for its ``__init__``) of every package module
    ``script`` depends on, sorted."""
    package, seen = Path(package), set()
    todo = sorted(_imports_of(package, "", Path(script).read_text()))
    while todo:
        name = todo.pop()
        if name in seen or _module_file(package, name) is None:
            continue
        seen.add(name)
        todo += [p for p in _parents(name) if p not in seen]
        todo += sorted(_imports_of(package, name, _module_file(package, name).read_text()))
    return sorted(seen)


def code_version(script, package) -> str:
    """First 16 hex digits of the SHA-256 of the modules in :func:`import_closure`."""
    digest = hashlib.sha256()
    for name in import_closure(script, package):
        digest.update(name.encode() + b"\0" + _module_file(Path(package), name).read_bytes())
    return digest.hexdigest()[:16]
