"""Snakemake adapter: one tidy table of spike estimates joined with their predictions."""

import pandas as pd

from onestep.config import SIM_COLUMNS
from onestep.io import read_json, read_table, write_table
from onestep.jobs import start_job

log = start_job(snakemake)
estimates = pd.concat([read_table(path) for path in snakemake.input.rows], ignore_index=True)
predictions = []
for path in snakemake.input.theory:
    record = read_json(path)
    point = {k: record["point"][k] for k in SIM_COLUMNS}
    predictions.append({**point, **{f"theory_{k}": v for k, v in record["prediction"].items()}})
table = estimates.merge(pd.DataFrame(predictions), on=list(SIM_COLUMNS), how="left",
                        validate="many_to_one")
missing = table["theory_theta"].isna()
if missing.any():
    raise ValueError(f"no theory prediction for rows {table.loc[missing, list(SIM_COLUMNS)]}")
log.info("%d rows, %d points", len(table), table[list(SIM_COLUMNS)].drop_duplicates().shape[0])
write_table(table, snakemake.output[0])
