"""Compare the final tables and figures of two run directories (used by .ci/slurm-check.sh).

Tables (results/tables/*.parquet, *.csv) are compared with pandas after dropping provenance
columns (git commit, Python and package versions), which legitimately differ between runs made
from different checkouts; every other column must be exactly equal (no tolerance: the jobs are
CPU-deterministic). Figures (figures/*.png) are compared byte for byte (matplotlib writes no
timestamp into PNGs). results/manifest.json is not compared: it hashes the final outputs and
records provenance, so it is implied by the above apart from provenance.

usage: python .ci/compare_runs.py RUN_A RUN_B
"""

import sys
from pathlib import Path

import pandas as pd

PROVENANCE = ("git_commit", "python", "packages", "timestamp", "created")


def final_files(root: Path) -> set[str]:
    found = set()
    for pattern in ("results/tables/*.parquet", "results/tables/*.csv", "figures/*.png"):
        found |= {str(path.relative_to(root)) for path in root.glob(pattern)}
    return found


def read_table(path: Path) -> pd.DataFrame:
    frame = pd.read_parquet(path) if path.suffix == ".parquet" else pd.read_csv(path)
    drop = [c for c in frame.columns if any(str(c).startswith(p) for p in PROVENANCE)]
    return frame.drop(columns=drop)


def main(a: Path, b: Path) -> int:
    files_a, files_b = final_files(a), final_files(b)
    problems = [f"only in {a}: {f}" for f in sorted(files_a - files_b)]
    problems += [f"only in {b}: {f}" for f in sorted(files_b - files_a)]
    common = sorted(files_a & files_b)
    if not common:
        problems.append("no final tables or figures to compare")
    for name in common:
        if name.endswith(".png"):
            same = (a / name).read_bytes() == (b / name).read_bytes()
        else:
            ta, tb = read_table(a / name), read_table(b / name)
            try:
                pd.testing.assert_frame_equal(ta, tb, check_exact=True)
                same = True
            except AssertionError as error:
                same = False
                print(f"{name}: {str(error).splitlines()[0:3]}")
        print(f"{'same' if same else 'DIFFERENT':9} {name}")
        if not same:
            problems.append(f"differs: {name}")
    for problem in problems:
        print("FAIL:", problem)
    print(f"{len(common)} final files compared, {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]), Path(sys.argv[2])))
