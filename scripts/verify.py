"""Snakemake adapter: check the results tree against results/manifest.json and that every
intermediate opens (onestep.integrity); write results/verify.txt, or fail (non-zero exit) naming
the damaged or missing files and the command that rebuilds them and everything computed from
them."""

import sys
from pathlib import Path

from onestep.integrity import MANIFEST, format_problems, rebuild_command, stale_parts, verify_tree
from onestep.io import atomic_path, read_json
from onestep.jobs import start_job

log = start_job(snakemake)
report = Path("results/verify.txt")
problems = verify_tree(".")
if problems:
    report.unlink(missing_ok=True)
    message = format_problems(problems, rebuild_command([p.path for p in problems],
                                                        options=snakemake.params.options))
    log.error(message)
    print(message, file=sys.__stderr__)
    sys.exit(1)
n_listed = len(read_json(MANIFEST)["sha256"])
parts = stale_parts(".")
summary = (f"verify: {n_listed} files match {MANIFEST} (SHA-256 and size); every .npz, .parquet, "
           f".csv, .json under results/ and .png under figures/ opens")
if parts:
    summary += f"; {len(parts)} stale .part file(s), removed by the next run"
log.info(summary)
with atomic_path(report) as tmp:
    tmp.write_text(summary + "\n")
