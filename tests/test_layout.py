"""The package layout: small modules, one-way imports, no private names across modules, plot
scripts that only read tables, and code hashes that follow each script's imports."""

import re
from pathlib import Path

import pytest

from onestep.codehash import code_version, import_closure

from conftest import REPO

PACKAGE = REPO / "src" / "onestep"
MODULES = sorted(PACKAGE.rglob("*.py"))
SCRIPTS = sorted((REPO / "scripts").glob("*.py"))
PLOT_ALLOWED = {"", "io", "jobs", "plotting", "stats"}


def _name(path: Path) -> str:
    rel = path.relative_to(PACKAGE).with_suffix("")
    parts = [p for p in rel.parts if p != "__init__"]
    return ".".join(parts)


@pytest.mark.parametrize("path", MODULES, ids=lambda p: _name(p) or "__init__")
def test_modules_stay_small(path):
    assert len(path.read_text().splitlines()) <= 350, f"{path.name}: split it (guideline ~300)"


def test_no_private_name_is_imported_from_another_module():
    offenders = []
    for path in [*MODULES, *SCRIPTS, *sorted((REPO / "tests").glob("*.py"))]:
        text = path.read_text()
        for match in re.finditer(r"^\s*from\s+(\S+)\s+import\s+(\([^)]*\)|[^\n]+)", text, re.M):
            names = re.split(r"[\s,()]+", match.group(2))
            offenders += [f"{path.name}: {match.group(1)}.{n}" for n in names
                          if n.startswith("_") and not n.startswith("__")]
    assert not offenders, offenders


def test_package_imports_have_no_cycles():
    known = {_name(p) for p in MODULES}
    edges = {}
    for path in MODULES:
        name = _name(path)
        text = path.read_text()
        here = name.split(".")[:-1] if path.name != "__init__.py" else name.split(".")
        deps = set()
        for dots, module in re.findall(r"^from (\.+)([\w.]*) import", text, flags=re.M):
            base = here[: len(here) - (len(dots) - 1)] if len(dots) > 1 else here
            deps.add(".".join([*base, *([module] if module else [])]).strip("."))
        edges[name] = {d for d in deps if d in known}
    state = {}

    def visit(node, stack):
        state[node] = "open"
        for dep in edges.get(node, ()):
            if state.get(dep) == "open":
                raise AssertionError(f"import cycle: {' -> '.join([*stack, node, dep])}")
            if dep not in state:
                visit(dep, [*stack, node])
        state[node] = "done"

    for node in edges:
        if node not in state:
            visit(node, [])


@pytest.mark.parametrize("script", [s for s in SCRIPTS if s.name.startswith("plot_")],
                         ids=lambda p: p.name)
def test_plot_scripts_import_no_numerics(script):
    assert set(import_closure(script, PACKAGE)) <= PLOT_ALLOWED


def test_import_closure_follows_relative_and_subpackage_imports(tmp_path):
    script = tmp_path / "job.py"
    script.write_text("from onestep.kernels.gram import gaussian_kernel_gram\n")
    closure = set(import_closure(script, PACKAGE))
    # gram -> pairs, series (relative); -> ..covariance, ..activations (parent); kernels/__init__
    assert {"kernels", "kernels.gram", "kernels.pairs", "kernels.series", "covariance",
            "activations", "quadrature", "hermite"} <= closure
    assert "kernels.sectors" not in closure and "model" not in closure


def test_code_version_changes_only_with_an_imported_module(tmp_path):
    package = tmp_path / "onestep"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "a.py").write_text("from .b import f\n")
    (package / "b.py").write_text("def f():\n    return 1\n")
    (package / "c.py").write_text("X = 1\n")
    script = tmp_path / "job.py"
    script.write_text("from onestep.a import f\n")
    before = code_version(script, package)
    (package / "c.py").write_text("X = 2\n")
    assert code_version(script, package) == before  # c is not imported
    (package / "b.py").write_text("def f():\n    return 2\n")
    assert code_version(script, package) != before  # b is, through a


def test_every_rule_declares_threads_and_computed_memory():
    # Every rule's mem_mb comes from the memory model of its sizes (job_mem -> onestep.memory),
    # never a constant, so a bigger config asks for more and the budget check sees it.
    for path in sorted((REPO / "rules").glob("*.smk")):
        text = path.read_text()
        for rule in re.split(r"\n(?=rule \w+:)", text)[1:]:
            name = re.match(r"rule (\w+):", rule).group(1)
            if "script:" not in rule:  # aggregate-only targets (all, check) run nothing
                continue
            assert re.search(r"^    threads: \d+$", rule, flags=re.M), (path.name, name)
            assert re.search(r"mem_mb=job_mem\(\"" + name + r"\"\)", rule), (path.name, name)
