"""Snakemake adapter: SHA-256 of every final table and figure, with provenance."""

from pathlib import Path

from onestep.io import provenance, sha256_file, write_json
from onestep.jobs import start_job

log = start_job(snakemake)
files = {path: sha256_file(path) for path in sorted(snakemake.input)}
record = {**provenance(config=snakemake.config), "sha256": files,
          "bytes": {path: Path(path).stat().st_size for path in files}}
write_json(record, snakemake.output[0])
log.info("%d files", len(files))
