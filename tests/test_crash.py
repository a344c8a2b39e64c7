"""Crash recovery (issue 9), on a real run of tests/config-tiny.yaml.

An uninterrupted run is the reference. A second copy of the workflow is started and its whole
Snakemake process group SIGKILLed at random (seeded) moments; after each kill it is restarted with
exactly the commands of the README's "After a crash" section (unlock, rerun, and at the end
verify). The final tables and figures must equal the reference (tables compared after dropping the
provenance columns, figures byte by byte) and no `.part` temporary may be left. Then a simulation
`.npz` is truncated: `verify` must name it and print a command that rebuilds it and everything
computed from it, after which `verify` passes again.
"""

import os
import random
import shlex
import shutil
import signal
import subprocess
import sys
import time

import pandas as pd
import pytest

from onestep.integrity import stale_parts

from conftest import REPO, copy_workflow, job_counts, run_snakemake

TINY = str(REPO / "tests" / "config-tiny.yaml")
PROVENANCE = {"git_commit"}  # the only column that records where/when rather than what
SEED = 20269
KILLS = 3

pytestmark = pytest.mark.slow


def _run(workdir, log):
    """Start the documented rerun in its own process group (so the kill reaches every job)."""
    return subprocess.Popen([sys.executable, "-m", "snakemake", "--cores", "2", "--configfile",
                             TINY], cwd=workdir, stdout=log, stderr=subprocess.STDOUT,
                            start_new_session=True)


def _documented_restart(workdir):
    """README "After a crash": unlock, then the same command again (`--rerun-incomplete` comes
    from profiles/default)."""
    run_snakemake(workdir, "--unlock", "--configfile", TINY)
    run_snakemake(workdir, "--cores", "2", "--configfile", TINY)


def _outputs(workdir):
    """Final tables (without provenance columns) and figures (bytes) of a run folder."""
    tables = {}
    for path in sorted((workdir / "results" / "tables").iterdir()):
        frame = pd.read_parquet(path) if path.suffix == ".parquet" else pd.read_csv(path)
        tables[path.name] = frame.drop(columns=[c for c in frame if c in PROVENANCE])
    figures = {p.name: p.read_bytes() for p in sorted((workdir / "figures").glob("*.png"))}
    return tables, figures


def _verify(workdir, check=True):
    return run_snakemake(workdir, "verify", "--cores", "1", "--configfile", TINY, check=check)


def _copy(folder):
    """A checkout-like copy: the workflow and its profile (the documented rerun relies on its
    `rerun-incomplete: true`; without it the rerun stops with IncompleteFilesException)."""
    folder.mkdir()
    copy_workflow(folder)
    shutil.copytree(REPO / "profiles", folder / "profiles")
    return folder


def test_killed_runs_recover_to_identical_results(tmp_path, monkeypatch):
    # Both copies first, so that both runs use the same code even if the repository is edited
    # meanwhile; each run's jobs import its own copy of the package (PYTHONPATH comes before an
    # editable install of the repository, which `scripts/onestep` would not override).
    reference, workdir = _copy(tmp_path / "reference"), _copy(tmp_path / "crash")
    monkeypatch.setenv("PYTHONPATH", str(reference / "src"))
    start = time.monotonic()
    run_snakemake(reference, "--cores", "2", "--configfile", TINY)
    duration = time.monotonic() - start
    ref_tables, ref_figures = _outputs(reference)
    assert len(ref_figures) == 8 and len(ref_tables) >= 9

    monkeypatch.setenv("PYTHONPATH", str(workdir / "src"))
    rng = random.Random(SEED)
    killed, left_parts = 0, []
    for attempt in range(KILLS):
        # the moment: after a random number of jobs of this attempt have finished (0: while the
        # DAG is built), plus a random delay, so most kills land inside a job
        jobs, delay = rng.randint(0, 12), rng.uniform(0.0, 3.0)
        log_path = tmp_path / f"attempt{attempt}.log"
        with open(log_path, "w") as log:
            proc = _run(workdir, log)
            while proc.poll() is None and log_path.read_text().count("Finished jobid") < jobs:
                time.sleep(0.1)
            try:
                proc.wait(timeout=delay)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
                killed += 1
        left_parts += stale_parts(workdir)
        run_snakemake(workdir, "--unlock", "--configfile", TINY)  # then rerun: the next attempt
    assert killed == KILLS, f"only {killed} of {KILLS} runs were killed before they finished"

    # a temporary a kill left mid-write (as with a SIGKILL inside save_npz), if the run is not done
    planted = workdir / "results" / ".manifest.json.zz9_kill.part"
    if not (workdir / "results" / "manifest.json").exists():
        planted.write_bytes(b"\0" * 1000)
    _documented_restart(workdir)
    assert stale_parts(workdir) == [] and not planted.exists()
    _verify(workdir)
    assert (workdir / "results" / "verify.txt").read_text().startswith("verify: ")

    tables, figures = _outputs(workdir)
    assert set(figures) == set(ref_figures)
    for name, data in ref_figures.items():
        assert figures[name] == data, name
    assert set(tables) == set(ref_tables)
    for name, frame in ref_tables.items():
        pd.testing.assert_frame_equal(tables[name], frame, check_exact=True, obj=name)
    print(f"reference run {duration:.0f} s; {killed} kills; .part files seen after kills: "
          f"{[str(p.relative_to(workdir)) for p in left_parts]}")

    # a truncated simulation: verify names it and the rebuild command it prints repairs it
    sim = sorted((workdir / "results" / "sim").rglob("*.npz"))[0]
    sim.write_bytes(sim.read_bytes()[:1000])
    proc = _verify(workdir, check=False)
    message = proc.stdout + proc.stderr
    assert proc.returncode != 0 and "verify FAILED" in message
    assert str(sim.relative_to(workdir)) in message
    assert not (workdir / "results" / "verify.txt").exists()
    command = next(line.strip() for line in message.splitlines()
                   if line.strip().startswith("snakemake --cores"))
    words = shlex.split(command)
    assert words[0] == "snakemake"
    rebuild = run_snakemake(workdir, *words[1:])
    counts = job_counts(rebuild.stdout + rebuild.stderr)
    assert counts.get("simulate") == 1 and counts.get("estimate_spike") == 1, counts
    assert counts.get("manifest") == 1, counts  # and the tables and figures computed from it
    _verify(workdir)
    tables, figures = _outputs(workdir)
    assert figures == ref_figures
    for name, frame in ref_tables.items():
        pd.testing.assert_frame_equal(tables[name], frame, check_exact=True, obj=name)
