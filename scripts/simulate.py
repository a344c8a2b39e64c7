"""Snakemake adapter: one large gradient step for one config point and seed."""

from onestep.io import provenance, save_npz
from onestep.jobs import start_job
from onestep.model import simulate_point

log = start_job(snakemake)
model = dict(snakemake.params.model)
seed = int(snakemake.wildcards.seed)
result = simulate_point(**model, seed=seed, device=snakemake.params.device)
log.info("N=%d n=%d |h|=%.4f loss0=%.4f", result["N"], result["n"], result["h_norm"],
         result["loss0"])
save_npz(
    snakemake.output[0],
    metadata=provenance(**model, seed=seed, device=snakemake.params.device),
    **{k: result[k] for k in ("W0", "W1", "a", "beta", "h_hat")},
    scalars=[result["N"], result["n"], result["h_norm"], result["loss0"]],
)
