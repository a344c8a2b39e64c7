"""Shared fixtures: run Snakemake on a copy of the workflow in a temporary folder."""

import os

# One BLAS thread per test process: the machine has 2 cores and oversubscription makes the
# numerical tests 5-10x slower. Must be set before numpy is imported.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]
WORKFLOW_FILES = ("Snakefile", "config.yaml", "rules", "scripts", "schemas", "envs", "report",
                  "src")


def copy_workflow(dest: Path) -> Path:
    """Copy the workflow (not its results) into ``dest``; the scripts/onestep symlink is kept."""
    for name in WORKFLOW_FILES:
        src = REPO / name
        if src.is_dir():
            shutil.copytree(src, dest / name, symlinks=True)
        else:
            shutil.copy2(src, dest / name)
    return dest


def run_snakemake(workdir: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    """Run ``python -m snakemake`` in ``workdir``; return the completed process."""
    proc = subprocess.run(
        [sys.executable, "-m", "snakemake", *args],
        cwd=workdir, capture_output=True, text=True, timeout=1800,
    )
    if check and proc.returncode != 0:
        raise AssertionError(f"snakemake {' '.join(args)} failed:\n{proc.stdout}\n{proc.stderr}")
    return proc


def write_config(path: Path, config: dict) -> Path:
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    return path


def job_counts(output: str) -> dict:
    """Parse the 'Job stats' table of a Snakemake (dry) run into {rule: count}."""
    counts, in_table = {}, False
    for line in output.splitlines():
        parts = line.split()
        if line.startswith("job ") and "count" in line:
            in_table = True
            continue
        if in_table and len(parts) == 2 and parts[1].isdigit():
            if parts[0] == "total":
                break
            counts[parts[0]] = int(parts[1])
    return counts


@pytest.fixture
def workflow_copy(tmp_path):
    return copy_workflow(tmp_path)
