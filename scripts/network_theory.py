"""Snakemake adapter: sRF theory of the network's own learning curve for one network, on each
seed's drawn weights in turn."""

import pandas as pd

from onestep.io import load_npz, stamp, write_table
from onestep.jobs import start_job
from onestep.network_theory import network_theory_curve

log = start_job(snakemake)
model, options = snakemake.params.model, snakemake.params.learning
methods = snakemake.params.methods
for sim_path, curve_path in zip(snakemake.input.sims, snakemake.output.curves, strict=True):
    arrays, meta = load_npz(sim_path)
    curve = pd.DataFrame(columns=["alpha", "n_train", "method", "theory_mse", "c",
                                  "theta_drawn", "gamma"])
    if methods:  # learning.methods may fit neither rf_post nor rf_init
        curve = network_theory_curve(
            W0=arrays["W0"], W1=arrays["W1"], beta=arrays["beta"], h_hat=arrays["h_hat"],
            student=model["student"], teacher=model["teacher"], tau=model["tau"],
            second_layer=model["second_layer"], alphas=options["alpha"],
            ridge=options["ridge"], ridge_convention=options["ridge_convention"],
            methods=methods,
        )
    del arrays
    stamp(curve, meta["point"], {"git_commit": meta["git_commit"]})
    log.info("%s\n%s", sim_path, curve.to_string())
    write_table(curve, curve_path)
