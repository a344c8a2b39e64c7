"""Snakemake adapter: the spike theory (theta, c, gamma) on a fine step-size grid, for the plots."""

import numpy as np
import pandas as pd

from onestep.io import write_table
from onestep.jobs import start_job
from onestep.theory import spike_theory_curve

log = start_job(snakemake)
model, grid = snakemake.params.model, snakemake.params.grid
eta_grid = np.linspace(0.0, 1.05 * grid["eta_max"], grid["points"])
frames = [spike_theory_curve(student=student, eta_grid=eta_grid, **model)
          .melt(id_vars=["student", "eta_t"], var_name="quantity", value_name="value")
          for student in grid["students"]]
table = pd.concat(frames, ignore_index=True).assign(stage="spike")
log.info("%d rows", len(table))
write_table(table, snakemake.output[0])
