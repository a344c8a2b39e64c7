"""Integrity after a crash (issue 9), on synthetic files: verify against the manifest, readability
of every intermediate, the rebuild command, stale `.part` temporaries, and the umask."""

import os
import shlex

import matplotlib
import numpy as np
import pandas as pd
import pytest

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from onestep.integrity import (  # noqa: E402
    manifest_problems,
    rebuild_command,
    remove_stale_parts,
    run_options,
    stale_parts,
    unreadable_files,
    verify_tree,
)
from onestep.io import (  # noqa: E402
    atomic_path,
    check_readable,
    current_umask,
    part_target,
    save_npz,
    sha256_file,
    write_json,
    write_table,
)


def _tree(root):
    """A small results tree like the pipeline's, with its manifest."""
    save_npz(root / "results" / "sim" / "p" / "seed~0.npz", metadata={"seed": 0},
             W=np.arange(2000.0).reshape(40, 50))
    write_table(pd.DataFrame({"x": [1.0, 2.0], "git_commit": "abc"}),
                root / "results" / "tables" / "t.parquet")
    write_table(pd.DataFrame({"x": [1, 2]}), root / "results" / "tables" / "t.csv")
    write_json({"theta": 0.5}, root / "results" / "theory" / "p.json")
    fig, ax = plt.subplots(figsize=(2, 2))
    ax.plot([0, 1], [0, 1])
    (root / "figures").mkdir()
    fig.savefig(root / "figures" / "f.png", format="png")
    plt.close(fig)
    final = ["results/tables/t.parquet", "results/tables/t.csv", "figures/f.png"]
    write_json({"sha256": {p: sha256_file(root / p) for p in final},
                "bytes": {p: (root / p).stat().st_size for p in final}},
               root / "results" / "manifest.json")
    return root


def test_a_good_tree_verifies(tmp_path):
    assert verify_tree(_tree(tmp_path)) == []


def test_a_truncated_npz_is_found(tmp_path):
    sim = _tree(tmp_path) / "results" / "sim" / "p" / "seed~0.npz"
    sim.write_bytes(sim.read_bytes()[: sim.stat().st_size // 2])
    assert [(p.path, p.kind) for p in verify_tree(tmp_path)] == [
        ("results/sim/p/seed~0.npz", "unreadable")]
    with pytest.raises(ValueError, match="seed~0.npz"):
        check_readable(sim)


def test_a_flipped_byte_inside_an_npz_array_is_found(tmp_path):
    # same size, still a valid zip directory: only the member CRC catches it
    sim = _tree(tmp_path) / "results" / "sim" / "p" / "seed~0.npz"
    data = bytearray(sim.read_bytes())
    data[len(data) // 2] ^= 0xFF
    sim.write_bytes(bytes(data))
    assert [p.kind for p in unreadable_files(tmp_path)] == ["unreadable"]


def test_a_damaged_png_is_found_and_not_hashed(tmp_path):
    png = _tree(tmp_path) / "figures" / "f.png"
    data = bytearray(png.read_bytes())
    data[len(data) // 2] ^= 0xFF  # same size: a size check alone would not see it
    png.write_bytes(bytes(data))
    kinds = {p.path: p.kind for p in verify_tree(tmp_path)}
    assert kinds == {"figures/f.png": "sha256"}
    assert [p.path for p in unreadable_files(tmp_path)] == ["figures/f.png"]
    with pytest.raises(ValueError, match="f.png"):
        sha256_file(png)  # what the manifest rule calls: it refuses a figure that does not open
    assert len(sha256_file(png, readable=False)) == 64


def test_a_truncated_parquet_is_not_hashed(tmp_path):
    table = _tree(tmp_path) / "results" / "tables" / "t.parquet"
    table.write_bytes(table.read_bytes()[:-20])
    with pytest.raises(ValueError, match="t.parquet"):
        sha256_file(table)
    assert {p.kind for p in verify_tree(tmp_path)} == {"size"}


def test_a_missing_file_and_a_wrong_hash_are_named(tmp_path):
    root = _tree(tmp_path)
    (root / "results" / "tables" / "t.csv").unlink()
    write_table(pd.DataFrame({"x": [1.0, 3.0], "git_commit": "abc"}),
                root / "results" / "tables" / "t.parquet")  # valid, same size, other content
    problems = {p.path: p.kind for p in manifest_problems(root)}
    assert problems == {"results/tables/t.csv": "missing", "results/tables/t.parquet": "sha256"}


def test_a_missing_or_damaged_manifest_is_a_problem(tmp_path):
    root = _tree(tmp_path)
    (root / "results" / "manifest.json").write_text('{"sha256": {"figu')
    assert [(p.path, p.kind) for p in verify_tree(root)] == [
        ("results/manifest.json", "unreadable")]
    (root / "results" / "manifest.json").unlink()
    assert [(p.path, p.kind) for p in verify_tree(root)] == [("results/manifest.json", "missing")]


def test_rebuild_command_puts_the_files_after_the_options():
    command = rebuild_command(["results/sim/a~1/seed~0.npz", "figures/f.png"],
                              options=["--configfile", "my config.yaml"])
    assert shlex.split(command) == [
        "snakemake", "--cores", "2", "--configfile", "my config.yaml", "--forcerun",
        "figures/f.png", "results/sim/a~1/seed~0.npz"]


def test_run_options_repeat_configfiles_overrides_and_directory(tmp_path):
    (tmp_path / "runs" / "x").mkdir(parents=True)
    options = run_options(base=tmp_path, workdir=tmp_path / "runs" / "x",
                          snakefile=tmp_path / "Snakefile",
                          configfiles=[tmp_path / "tests" / "c.yaml"],
                          overrides={"device": "cpu", "learning": {"d": 100}})
    assert options == ["--configfile", "tests/c.yaml", "--config", "device=cpu",
                       'learning={"d": 100}', "--directory", "runs/x"]
    assert run_options(base=tmp_path, workdir=tmp_path,
                       snakefile=tmp_path / "Snakefile") == []


def test_stale_parts_of_locked_files_only_are_removed(tmp_path):
    folder = tmp_path / "results" / "sim"
    folder.mkdir(parents=True)
    mine = folder / ".seed~0.npz.ab_12xyz.part"
    other = folder / ".seed~1.npz.q9r8s7t6.part"
    unrelated = folder / ".notes.part"  # not a name atomic_path makes
    for path in (mine, other, unrelated):
        path.write_bytes(b"half")
    assert part_target(mine) == folder / "seed~0.npz"
    assert stale_parts(tmp_path) == sorted([mine, other])
    removed = remove_stale_parts(tmp_path, locked={"results/sim/seed~0.npz"})
    assert removed == [mine] and other.exists() and unrelated.exists()
    assert remove_stale_parts(tmp_path, locked={str(tmp_path / "results/sim/seed~1.npz")}) == [
        other]


def test_a_killed_write_leaves_a_part_that_names_its_target(tmp_path):
    target = tmp_path / "results" / "x.npz"
    with atomic_path(target) as tmp:
        tmp.write_bytes(b"half")
        assert part_target(tmp) == target
        assert stale_parts(tmp_path) == [tmp]  # what a SIGKILL here would leave


@pytest.mark.parametrize("umask", [0o022, 0o077, 0o002])
def test_atomic_writes_honour_the_umask(tmp_path, umask):
    old = os.umask(umask)
    try:
        assert current_umask() == umask
        write_table(pd.DataFrame({"x": [1]}), tmp_path / "t.csv")
        save_npz(tmp_path / "a.npz", metadata={}, x=np.zeros(2))
        write_json({}, tmp_path / "r.json")
        plain = tmp_path / "plain.txt"
        plain.write_text("x")  # what open() gives, for comparison
    finally:
        os.umask(old)
    for name in ("t.csv", "a.npz", "r.json"):
        mode = (tmp_path / name).stat().st_mode & 0o777
        assert mode == 0o666 & ~umask == plain.stat().st_mode & 0o777, (name, oct(mode))
