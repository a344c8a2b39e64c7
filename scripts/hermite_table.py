"""Snakemake adapter: Hermite coefficients of every activation used (Gaussian quadrature)."""

import pandas as pd

from onestep.io import write_table
from onestep.jobs import start_job
from onestep.theory import hermite_summary

log = start_job(snakemake)
rows = [{"activation": name, **hermite_summary(name)} for name in snakemake.params.activations]
table = pd.DataFrame(rows)
log.info("\n%s", table.to_string())
write_table(table, snakemake.output[0])
