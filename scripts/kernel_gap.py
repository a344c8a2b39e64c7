"""Snakemake adapter: RF kernel of the first N' neurons of W1 against k1 (estimated, theory)."""

import json

import numpy as np

from onestep.io import load_npz, read_table, write_table
from onestep.jobs import start_job
from onestep.kernel_studies import GAP_STREAM, kernel_gap

log = start_job(snakemake)  # noqa: F821 - injected by Snakemake
arrays, meta = load_npz(snakemake.input.sim)
spike = read_table(snakemake.input.spike).iloc[0]
with open(snakemake.input.theory) as handle:
    prediction = json.load(handle)["prediction"]
options = snakemake.params.kernels
seed = int(options["seed"])
rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(GAP_STREAM,)))
table = kernel_gap(
    W1=arrays["W1"], h_hat=arrays["h_hat"], student=snakemake.params.model["student"],
    c=prediction["c"], theta=prediction["theta"], c_hat=float(spike["c_hat"]),
    theta_hat=float(spike["theta_hat"]), n_test=options["gap"]["n_test"],
    fractions=options["gap"]["neuron_fractions"], rng=rng,
)
for key, value in {**meta["point"], "seed": seed, "n_test": options["gap"]["n_test"],
                   "git_commit": meta["git_commit"]}.items():
    table[key] = value
log.info("\n%s", table.pivot(index="n_neurons", columns="reference", values="gap").to_string())
write_table(table, snakemake.output[0])
