"""Snakemake adapter: eigenlearning KRR curves (the kernels in learning.methods) and the
linear-ridge curve at one point."""

import numpy as np
import pandas as pd

from onestep.curve_theory import kernel_theory_curve, linear_ridge_theory
from onestep.io import read_json, stamp, write_table
from onestep.jobs import start_job

log = start_job(snakemake)
prediction = read_json(snakemake.input.theory)["prediction"]
model, options = snakemake.params.model, snakemake.params.learning
alphas = np.geomspace(min(options["alpha"]), max(options["alpha"]), options["theory_grid"])
curve = kernel_theory_curve(
    student=model["student"], teacher=model["teacher"], d=model["d"], c=prediction["c"],
    theta=prediction["theta"], gamma=prediction["gamma"], tau=model["tau"], alphas=alphas,
    ridge=options["ridge"], ridge_convention=options["ridge_convention"],
    quadrature=snakemake.params.quadrature, methods=snakemake.params.methods,
)
if "linear" in snakemake.params.methods:
    linear = linear_ridge_theory(teacher=model["teacher"], tau=model["tau"], d=model["d"],
                                 alphas=alphas, ridge=options["ridge"],
                                 ridge_convention=options["ridge_convention"])
    curve = linear if curve.empty else pd.concat([curve, linear], ignore_index=True)
stamp(curve, model)
if curve.empty:
    log.info("learning.methods has no kernel or linear method: no theory curve")
else:
    log.info("\n%s", curve.pivot(index="alpha", columns="method", values="test_mse").to_string())
write_table(curve, snakemake.output[0])
