"""Snakemake adapter: estimate theta, c, gamma and the spike shape from each seed's simulation
of one point."""

import pandas as pd

from onestep.io import load_npz, save_npz, write_table
from onestep.jobs import start_job
from onestep.spike import estimate_spike, plugin_spike, projection_along

log = start_job(snakemake)
outputs = zip(snakemake.input.sims, snakemake.output.rows, snakemake.output.projections,
              strict=True)
for sim_path, row_path, projection_path in outputs:
    arrays, meta = load_npz(sim_path)
    estimates = estimate_spike(arrays["W1"], arrays["h_hat"], beta=arrays["beta"],
                               W0=arrays["W0"])
    point = meta["point"]
    # Theory conditional on this draw (drawn a, measured |h|, residual mean): a sharp reference.
    plugin = plugin_spike(
        a=arrays["a"], h_norm=float(arrays["scalars"][2]), student=point["student"],
        teacher=point["teacher"], eta_t=point["eta_t"], psi=point["psi"], tau=point["tau"],
        center_labels=point["center_labels"],
    )
    log.info("%s\n%s\nplug-in %s", sim_path, estimates, plugin)
    row = {**point, **estimates, **{f"plugin_{k}": v for k, v in plugin.items()},
           "git_commit": meta["git_commit"]}
    write_table(pd.DataFrame([row]), row_path)
    save_npz(projection_path, metadata=meta,
             projection=projection_along(arrays["W1"], arrays["h_hat"]))
    del arrays, estimates  # one seed's arrays at a time (onestep.memory counts one)
