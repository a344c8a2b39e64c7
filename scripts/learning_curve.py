"""Snakemake adapter: test MSE against alpha of every method for one network, each seed in turn."""

from onestep.curves import learning_curve
from onestep.io import load_npz, read_table, stamp, write_table
from onestep.jobs import start_job
from onestep.streams import rng_for

log = start_job(snakemake)
model, options = snakemake.params.model, snakemake.params.learning
jobs = zip(snakemake.params.seeds, snakemake.input.sims, snakemake.input.spikes,
           snakemake.output.curves, strict=True)
for seed, sim_path, spike_path, curve_path in jobs:
    arrays, meta = load_npz(sim_path)
    spike = read_table(spike_path).iloc[0]
    curve = learning_curve(
        W0=arrays["W0"], W1=arrays["W1"], beta=arrays["beta"], h_hat=arrays["h_hat"],
        c_hat=float(spike["c_hat"]), theta_hat=float(spike["theta_hat"]),
        student=model["student"], teacher=model["teacher"], tau=model["tau"],
        input_law=model["input_law"], alphas=options["alpha"], ridge=options["ridge"],
        ridge_convention=options["ridge_convention"], n_test=options["n_test"],
        rng=rng_for(int(seed), "learning"), methods=options["methods"],
        spiked_beta="krr_beta" in options["methods"],
    )
    del arrays  # one seed's arrays at a time (onestep.memory counts one)
    stamp(curve, meta["point"], {"git_commit": meta["git_commit"]})
    log.info("seed %d\n%s", seed,
             curve.pivot(index="alpha", columns="method", values="test_mse").to_string())
    write_table(curve, curve_path)
