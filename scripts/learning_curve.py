"""Snakemake adapter: test MSE against alpha of every method for one network and seed."""

from onestep.curves import learning_curve
from onestep.io import load_npz, read_table, stamp, write_table
from onestep.jobs import start_job
from onestep.streams import rng_for

log = start_job(snakemake)
arrays, meta = load_npz(snakemake.input.sim)
spike = read_table(snakemake.input.spike).iloc[0]
model, options = snakemake.params.model, snakemake.params.learning
curve = learning_curve(
    W0=arrays["W0"], W1=arrays["W1"], beta=arrays["beta"], h_hat=arrays["h_hat"],
    c_hat=float(spike["c_hat"]), theta_hat=float(spike["theta_hat"]),
    student=model["student"], teacher=model["teacher"], tau=model["tau"],
    input_law=model["input_law"], alphas=options["alpha"], ridge=options["ridge"],
    ridge_convention=options["ridge_convention"], n_test=options["n_test"],
    rng=rng_for(int(snakemake.wildcards.seed), "learning"), methods=options["methods"],
    spiked_beta="krr_beta" in options["methods"],
)
stamp(curve, meta["point"], {"git_commit": meta["git_commit"]})
log.info("\n%s", curve.pivot(index="alpha", columns="method", values="test_mse").to_string())
write_table(curve, snakemake.output[0])
