"""Snakemake adapter: RF kernel of the first N' neurons of W1 against k1 (estimated, theory)."""

from onestep.io import load_npz, read_json, read_table, stamp, write_table
from onestep.jobs import start_job
from onestep.kernels.studies import kernel_gap
from onestep.streams import rng_for

log = start_job(snakemake)
arrays, meta = load_npz(snakemake.input.sim)
spike = read_table(snakemake.input.spike).iloc[0]
prediction = read_json(snakemake.input.theory)["prediction"]
options = snakemake.params.kernels
seed = int(options["seed"])
table = kernel_gap(
    W1=arrays["W1"], h_hat=arrays["h_hat"], student=snakemake.params.model["student"],
    c=prediction["c"], theta=prediction["theta"], c_hat=float(spike["c_hat"]),
    theta_hat=float(spike["theta_hat"]), n_test=options["gap"]["n_test"],
    fractions=options["gap"]["neuron_fractions"], rng=rng_for(seed, "kernel_gap"),
)
stamp(table, meta["point"], {"seed": seed, "n_test": options["gap"]["n_test"],
                             "git_commit": meta["git_commit"]})
log.info("\n%s", table.pivot(index="n_neurons", columns="reference", values="gap").to_string())
write_table(table, snakemake.output[0])
