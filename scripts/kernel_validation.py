"""Snakemake adapter: sector quadrature vs Gram spectra of K/m at a small d, for one student."""

import numpy as np

from onestep.io import write_table
from onestep.jobs import start_job
from onestep.kernel_studies import VALIDATION_STREAM, sector_validation
from onestep.theory import predict_spike

log = start_job(snakemake)  # noqa: F821 - injected by Snakemake
model, options = snakemake.params.model, snakemake.params.kernels
student, small = snakemake.wildcards.student, options["small_d"]
pred = predict_spike(student=student, teacher=model["teacher"], eta_t=options["spectrum_eta_t"],
                     psi=model["psi"], tau=model["tau"], center_labels=model["center_labels"])
rng = np.random.default_rng(np.random.SeedSequence(int(options["seed"]),
                                                   spawn_key=(VALIDATION_STREAM,)))
table = sector_validation(student=student, c=pred.c, theta=pred.theta, d=small["d"],
                          n_samples=small["n_samples"], draws=small["draws"],
                          n_eigs=options["n_eigs"], quadrature=options["quadrature"], rng=rng)
table.insert(1, "eta_t", options["spectrum_eta_t"])
for key in ("teacher", "psi", "tau", "center_labels"):
    table[key] = model[key]
worst = table.groupby(["sector", "index"])[["rel_err_raw", "rel_err_corrected",
                                            "rel_err_corrected_mp"]].agg(lambda s: s.abs().max())
log.info("worst |relative error| over draws:\n%s", worst.to_string())
write_table(table, snakemake.output[0])
