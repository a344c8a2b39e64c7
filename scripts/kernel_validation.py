"""Snakemake adapter: sector quadrature vs Gram spectra of K/m at a small d, for one student."""

from onestep.io import stamp, write_table
from onestep.jobs import start_job
from onestep.kernels.studies import sector_validation
from onestep.streams import rng_for
from onestep.theory import predict_spike

log = start_job(snakemake)
model, options = snakemake.params.model, snakemake.params.kernels
student, small = snakemake.wildcards.student, options["small_d"]
pred = predict_spike(student=student, teacher=model["teacher"], eta_t=options["spectrum_eta_t"],
                     psi=model["psi"], tau=model["tau"], center_labels=model["center_labels"])
table = sector_validation(student=student, c=pred.c, theta=pred.theta, d=small["d"],
                          n_samples=small["n_samples"], draws=small["draws"],
                          n_eigs=options["n_eigs"], quadrature=options["quadrature"],
                          rng=rng_for(int(options["seed"]), "sector_validation"))
table.insert(1, "eta_t", options["spectrum_eta_t"])
stamp(table, {key: model[key] for key in ("teacher", "psi", "tau", "center_labels")})
worst = table.groupby(["sector", "index"])[["rel_err_raw", "rel_err_corrected",
                                            "rel_err_corrected_mp"]].agg(lambda s: s.abs().max())
log.info("worst |relative error| over draws:\n%s", worst.to_string())
write_table(table, snakemake.output[0])
