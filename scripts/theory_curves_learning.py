"""Snakemake adapter: reference levels of the learning-curve figure (best linear predictor)."""

import pandas as pd

from onestep.io import write_table
from onestep.jobs import start_job
from onestep.ridge import population_linear_mse

log = start_job(snakemake)
model = snakemake.params.model
floor = population_linear_mse(teacher=model["teacher"], tau=model["tau"])
table = pd.DataFrame([{"stage": "learning", "quantity": "population_linear_mse", "value": floor}])
log.info("population linear MSE %.6g", floor)
write_table(table, snakemake.output[0])
