"""Snakemake adapter: histograms of W1 h_hat for each second-layer law vs the predictions."""

import matplotlib.pyplot as plt
import numpy as np

from onestep.io import load_npz, read_table
from onestep.jobs import start_job
from onestep.plotting import save_figure, set_style
from onestep.stats import gaussian_density, normality_pvalue

log = start_job(snakemake)
table = read_table(snakemake.input.table)
set_style()
paths = list(snakemake.input.projections)
fig, axes = plt.subplots(1, len(paths), figsize=(4.4 * len(paths), 3.9), squeeze=False)
for ax, path in zip(axes[0], paths, strict=True):
    arrays, meta = load_npz(path)
    point = meta["point"]
    row = table[(table["second_layer"] == point["second_layer"])
                & (table["seed"] == point["seed"])].iloc[0]
    proj = arrays["projection"]
    theta, bulk = row["theory_theta"], row["theory_c"] / point["d"]
    grid = np.linspace(proj.min() - 0.1, proj.max() + 0.1, 400)
    ax.hist(proj, bins=min(60, max(10, proj.size // 25)), density=True, color="0.75",
            edgecolor="0.55", label="simulation")
    ax.plot(grid, gaussian_density(grid, var=bulk + theta), "C0-", lw=2,
            label=r"spiked Gaussian $N(0, c/d+\theta)$")
    # Law-specific shapes use the prediction conditional on the draw (residual mean included).
    spike, bulk_draw = np.sqrt(row["plugin_theta"]), row["plugin_c"] / point["d"]
    if point["second_layer"] == "rademacher":
        law = 0.5 * (gaussian_density(grid, mean=spike, var=bulk_draw)
                     + gaussian_density(grid, mean=-spike, var=bulk_draw))
    elif point["second_layer"] == "constant":
        law = gaussian_density(grid, mean=spike, var=bulk_draw)
    else:
        law = None
    if law is not None:
        ax.plot(grid, law, "C3--", lw=1.8, label="law-specific prediction")
    ax.set_title(f"second layer: {point['second_layer']}\n"
                 f"excess kurtosis {row['proj_excess_kurtosis']:.2f}, "
                 f"normality p = {normality_pvalue(proj):.2g}", fontsize=10)
    ax.set_xlabel(r"projection $\langle w_i(1), \hat h\rangle$ across neurons $i$")
    ax.set_ylabel("density")
    ax.legend(fontsize=7.5, loc="upper left")
fig.suptitle(f"Shape of the spike ({point['student']} student, d={point['d']}, "
             f"eta_t={point['eta_t']:g}, seed {point['seed']})")
save_figure(fig, snakemake.output[0], bottom=0.06, caption=(
    "Gaussian second layer: the projection is Gaussian with the predicted variance. Rademacher: "
    "a symmetric two-point mixture at +-sqrt(theta) (same variance, not Gaussian). Constant: a "
    "common shift by sqrt(theta). 'Spiked Gaussian' is exact only for Gaussian a."))
