"""Snakemake adapter: one large gradient step for one config point, every seed in turn."""

from onestep.io import provenance, save_npz
from onestep.jobs import start_job
from onestep.model import simulate_point

log = start_job(snakemake)
model, device = dict(snakemake.params.model), snakemake.params.device
for seed, path in zip(snakemake.params.seeds, snakemake.output.sims, strict=True):
    result = simulate_point(**model, seed=int(seed), device=device)
    log.info("seed=%d N=%d n=%d |h|=%.4f loss0=%.4f", seed, result["N"], result["n"],
             result["h_norm"], result["loss0"])
    save_npz(
        path,
        metadata=provenance(**model, seed=int(seed), device=device),
        **{k: result[k] for k in ("W0", "W1", "a", "beta", "h_hat")},
        scalars=[result["N"], result["n"], result["h_norm"], result["loss0"]],
    )
    del result  # one seed's arrays at a time (onestep.memory counts one)
