"""Snakemake adapter: every spectral estimate of k1, k1_est, rf and k0 at one simulation point."""

import json

import numpy as np

from onestep.io import load_npz, read_table, save_npz, write_table
from onestep.jobs import start_job
from onestep.kernel_analysis import KERNEL_STREAM, analyse_kernel_point

log = start_job(snakemake)  # noqa: F821 - injected by Snakemake
arrays, meta = load_npz(snakemake.input.sim)
spike = read_table(snakemake.input.spike).iloc[0]
with open(snakemake.input.theory) as handle:
    prediction = json.load(handle)["prediction"]
model, options = snakemake.params.model, snakemake.params.kernels
seed = int(options["seed"])
# Fresh inputs: a stream of the same seed that the step and the learning stage never use.
rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(KERNEL_STREAM,)))
rows, spectra = analyse_kernel_point(
    W1=arrays["W1"], h_hat=arrays["h_hat"], beta=arrays["beta"], student=model["student"],
    c=prediction["c"], theta=prediction["theta"], c_hat=float(spike["c_hat"]),
    theta_hat=float(spike["theta_hat"]), n_samples=options["n_samples"],
    n_eigs=options["n_eigs"], quadrature=options["quadrature"], rng=rng,
)
extra = {"seed": seed, "c_theory": prediction["c"], "theta_theory": prediction["theta"],
         "c_hat": float(spike["c_hat"]), "theta_hat": float(spike["theta_hat"]),
         "n_samples": options["n_samples"], "git_commit": meta["git_commit"]}
for key, value in {**meta["point"], **extra}.items():
    rows[key] = value
if model["input_law"] != "gaussian":
    log.warning("input_law=%s: spectra are taken under x ~ N(0, I_d) (THEORY.md 4)",
                model["input_law"])
eig = rows[rows["quantity"] == "eigenvalue"]
log.info("\n%s", eig.pivot_table(index=["kernel", "mode"], columns=["estimator", "variant"],
                                 values="value").to_string())
write_table(rows, snakemake.output.table)
save_npz(snakemake.output.spectra, metadata={**meta, "kernels": extra}, **spectra)
