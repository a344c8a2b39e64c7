"""Snakemake adapter: concatenate per-job tables into one tidy table."""

import pandas as pd

from onestep.io import read_table, write_table
from onestep.jobs import start_job

log = start_job(snakemake)
table = pd.concat([read_table(path) for path in snakemake.input], ignore_index=True)
log.info("%d rows from %d files", len(table), len(snakemake.input))
write_table(table, snakemake.output[0])
