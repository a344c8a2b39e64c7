"""Snakemake adapter: every spectral estimate of k1, k1_est, rf and k0 at one simulation point."""

from onestep.io import load_npz, read_json, read_table, save_npz, stamp, write_table
from onestep.jobs import start_job
from onestep.kernels.analysis import analyse_kernel_point
from onestep.streams import rng_for

log = start_job(snakemake)
arrays, meta = load_npz(snakemake.input.sim)
spike = read_table(snakemake.input.spike).iloc[0]
prediction = read_json(snakemake.input.theory)["prediction"]
model, options = snakemake.params.model, snakemake.params.kernels
seed = int(options["seed"])
rows, spectra = analyse_kernel_point(
    W1=arrays["W1"], h_hat=arrays["h_hat"], beta=arrays["beta"], student=model["student"],
    c=prediction["c"], theta=prediction["theta"], c_hat=float(spike["c_hat"]),
    theta_hat=float(spike["theta_hat"]), n_samples=options["n_samples"],
    n_eigs=options["n_eigs"], quadrature=options["quadrature"],
    rng=rng_for(seed, "kernel_spectrum"),
)
extra = {"seed": seed, "c_theory": prediction["c"], "theta_theory": prediction["theta"],
         "c_hat": float(spike["c_hat"]), "theta_hat": float(spike["theta_hat"]),
         "n_samples": options["n_samples"], "git_commit": meta["git_commit"]}
stamp(rows, meta["point"], extra)
if model["input_law"] != "gaussian":
    log.warning("input_law=%s: spectra are taken under x ~ N(0, I_d) (THEORY.md 4)",
                model["input_law"])
eig = rows[rows["quantity"] == "eigenvalue"]
log.info("\n%s", eig.pivot_table(index=["kernel", "mode"], columns=["estimator", "variant"],
                                 values="value").to_string())
write_table(rows, snakemake.output.table)
save_npz(snakemake.output.spectra, metadata={**meta, "kernels": extra}, **spectra)
