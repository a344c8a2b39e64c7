"""Snakemake adapter: eigenvalue and overlap theory of k1 (and k0) on a fine step-size grid."""

import numpy as np
import pandas as pd

from onestep.io import write_table
from onestep.jobs import start_job
from onestep.kernels.predictions import THEORY_PRIORITY, theory_curves, theory_rows

log = start_job(snakemake)
model, grid = snakemake.params.model, snakemake.params.grid
eta_grid = np.linspace(0.0, 1.05 * grid["eta_max"], grid["points"])
frames = []
for student in grid["students"]:
    curve = theory_curves(student=student, d=grid["d"], eta_grid=eta_grid, **model)
    frames.append(curve.assign(kernel="k1"))
    flat = pd.DataFrame(theory_rows(student, c=1.0, theta=0.0, d=grid["d"]))
    frames.append(flat.assign(kernel="k0", student=student, c=1.0, theta=0.0))
table = pd.concat(frames, ignore_index=True).assign(stage="kernel")
table["variant_rank"] = table["variant"].map({v: i for i, v in enumerate(THEORY_PRIORITY)})
log.info("%d rows", len(table))
write_table(table, snakemake.output[0])
