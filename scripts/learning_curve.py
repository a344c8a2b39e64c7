"""Snakemake adapter: test MSE against alpha of every method for one network and seed."""

import numpy as np

from onestep.curves import LEARNING_STREAM, learning_curve
from onestep.io import load_npz, read_table, write_table
from onestep.jobs import start_job

log = start_job(snakemake)
arrays, meta = load_npz(snakemake.input.sim)
spike = read_table(snakemake.input.spike).iloc[0]
model, options = snakemake.params.model, snakemake.params.learning
seed = int(snakemake.wildcards.seed)
# Fresh data: a stream of the same seed that the step's own streams never use.
rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(LEARNING_STREAM,)))
curve = learning_curve(
    W0=arrays["W0"], W1=arrays["W1"], beta=arrays["beta"], h_hat=arrays["h_hat"],
    c_hat=float(spike["c_hat"]), theta_hat=float(spike["theta_hat"]),
    student=model["student"], teacher=model["teacher"], tau=model["tau"],
    input_law=model["input_law"], alphas=options["alpha"], ridge=options["ridge"],
    ridge_convention=options["ridge_convention"], n_test=options["n_test"], rng=rng,
    spiked_beta=options["spiked_beta"],
)
for key, value in {**meta["point"], "git_commit": meta["git_commit"]}.items():
    curve[key] = value
log.info("\n%s", curve.pivot(index="alpha", columns="method", values="test_mse").to_string())
write_table(curve, snakemake.output[0])
