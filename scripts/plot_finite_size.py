"""Snakemake adapter: error of the spike estimates against d on log-log axes, with slopes."""

import matplotlib.pyplot as plt
import numpy as np
import seaborn as sns

from onestep.io import read_table
from onestep.jobs import start_job
from onestep.plotting import save_figure, set_style
from onestep.stats import loglog_slope, seed_summary

log = start_job(snakemake)
table = read_table(snakemake.input[0])
table["err_theta"] = (table["theta_hat"] / table["theory_theta"] - 1).abs()
table["err_c"] = (table["c_hat"] / table["theory_c"] - 1).abs()
table["err_gamma"] = (table["gamma_hat"] - table["theory_gamma"]).abs()
table["err_theta_plugin"] = (table["theta_hat"] / table["plugin_theta"] - 1).abs()
table["err_c_plugin"] = (table["c_hat"] / table["plugin_c"] - 1).abs()
panels = [("err_theta", r"$|\hat\theta/\theta-1|$ (population theory)"),
          ("err_c", r"$|\hat c/c-1|$ (population theory)"),
          ("err_gamma", r"$|\hat\gamma-\gamma|$ (population theory)"),
          ("err_theta_plugin", r"$|\hat\theta/\theta_{\rm draw}-1|$ (given a, |h|)"),
          ("err_c_plugin", r"$|\hat c/c_{\rm draw}-1|$ (given a, |h|)")]
summary = seed_summary(table, ["student", "d"], [p for p, _ in panels])
set_style()
fig, grid = plt.subplots(2, 3, figsize=(13, 8.2))
grid[1, 2].axis("off")
axes = [*grid[0], grid[1, 0], grid[1, 1]]
colors = dict(zip(sorted(table["student"].unique()), sns.color_palette("colorblind"), strict=False))
for student, color in colors.items():
    rows = summary[summary["student"] == student].sort_values("d")
    for ax, (name, label) in zip(axes, panels, strict=True):
        slope, intercept = loglog_slope(rows["d"], rows[name])
        ax.errorbar(rows["d"], rows[name], yerr=rows[f"{name}_sd"], fmt="o", color=color,
                    capsize=3, label=f"{student}: mean over seeds")
        d_grid = np.geomspace(rows["d"].min(), rows["d"].max(), 50)
        ax.plot(d_grid, np.exp(intercept) * d_grid**slope, "--", color=color,
                label=f"{student}: fit slope {slope:.2f}")
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("input dimension d (N = phi d, n = psi d)")
        ax.set_ylabel(label)
for ax in axes:
    ax.legend(fontsize=7.5)
row = table.iloc[0]
fig.suptitle(f"Finite-size convergence of the spike estimates to theory (eta_t={row['eta_t']:g}, "
             f"phi={row['phi']:g}, psi={row['psi']:g}, teacher {row['teacher']}, "
             f"{table['seed'].nunique()} seeds; error bars: sd over seeds)")
save_figure(fig, snakemake.output[0], bottom=0.05, caption=(
    "Top: errors against the d -> infinity predictions; the spike estimate fluctuates with the "
    "draw of a and |h| (slope ~ -1/2). Bottom: against the prediction conditional on the draw "
    "(onestep.spike.plugin_spike), the error falls faster. Dashed: least-squares power law."))
