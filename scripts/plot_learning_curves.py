"""Snakemake adapter: test MSE against alpha for every method (simulation), KRR and sRF theory."""

import matplotlib.pyplot as plt

from onestep.io import read_table
from onestep.jobs import start_job
from onestep.plotting import KERNEL_LABELS, METHOD_LABELS, save_figure, set_style
from onestep.stats import seed_summary

log = start_job(snakemake)
sim = read_table(snakemake.input.simulation)
theory = read_table(snakemake.input.theory)
lines = read_table(snakemake.input.curves)
network = read_table(snakemake.input.network)
summary = seed_summary(sim, ["student", "eta_t", "method", "alpha"], ["test_mse"])
network = network.groupby(["student", "eta_t", "method", "alpha"],
                          as_index=False)["theory_mse"].mean()
colors = {"rf_post": "C0", "krr_k1": "C1", "rf_init": "C2", "krr_k0": "C3", "krr_beta": "C4",
          "linear": "0.45"}
markers = {"rf_post": "o", "krr_k1": "s", "rf_init": "v", "krr_k0": "D", "krr_beta": "^",
           "linear": "x"}
students, steps = sorted(sim["student"].unique()), sorted(sim["eta_t"].unique())
set_style()
fig, axes = plt.subplots(len(students), len(steps), figsize=(5.6 * len(steps),
                         4.3 * len(students)), squeeze=False, sharey=True)
row0 = sim.iloc[0]
floor = float(lines.loc[lines["quantity"] == "population_linear_mse", "value"].iloc[0])
for i, student in enumerate(students):
    for j, eta in enumerate(steps):
        ax = axes[i, j]
        for method, label in METHOD_LABELS.items():
            rows = summary[(summary["student"] == student) & (summary["eta_t"] == eta)
                           & (summary["method"] == method)].sort_values("alpha")
            if rows.empty:
                continue
            ax.errorbar(rows["alpha"], rows["test_mse"], yerr=rows["test_mse_sd"],
                        fmt=markers[method], color=colors[method], ms=5, capsize=2.5,
                        label=f"{label} (sim.)")
        for method, label in KERNEL_LABELS.items():
            rows = theory[(theory["student"] == student) & (theory["eta_t"] == eta)
                          & (theory["method"] == method)].sort_values("alpha")
            if method in summary["method"].values and not rows.empty:
                ax.plot(rows["alpha"], rows["test_mse"], "-", color=colors[method], lw=1.4,
                        label=f"KRR {label}: eigenlearning theory")
        rows = theory[(theory["student"] == student) & (theory["eta_t"] == eta)
                      & (theory["method"] == "linear")].sort_values("alpha")
        if "linear" in summary["method"].values and not rows.empty:
            ax.plot(rows["alpha"], rows["test_mse"], "-.", color=colors["linear"], lw=1.2,
                    label="linear ridge: Gaussian-design theory")
        for method in ("rf_post", "rf_init"):
            rows = network[(network["student"] == student) & (network["eta_t"] == eta)
                           & (network["method"] == method)].sort_values("alpha")
            if not rows.empty:
                ax.plot(rows["alpha"], rows["theory_mse"], "--", color=colors[method], lw=1.4,
                        label=f"{METHOD_LABELS[method].split(' (')[0]}: sRF theory")
        ax.axhline(floor, color="0.45", ls=":", lw=1.2, label="best linear predictor (population)")
        ax.set_yscale("log")
        ax.set_xlabel(r"$\alpha = n_{\mathrm{train}}/d$")
        ax.set_ylabel("test MSE")
        ax.set_title(f"{student} student, eta_t = {eta:g}")
axes[0, -1].legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.02, 1.0))
ridges = sim["ridge_mean_convention"].unique()
ridge = (f"ridge {ridges[0]:.3g}" if len(ridges) == 1 else
         f"ridge {(sim['ridge_mean_convention'] * sim['n_train']).iloc[0]:.3g} (sum convention)")
fig.suptitle(f"What the reshaped function space buys (d={int(row0['d'])}, N={row0['phi']:g}d, "
             f"teacher {row0['teacher']}, {ridge}, {sim['seed'].nunique()} seeds, bars: sd)")
save_figure(fig, snakemake.output[0], bottom=0.04 if len(students) > 1 else 0.14, caption=(
    "Markers: simulation on fresh data (mean +- sd over seeds). Solid lines: eigenlearning "
    "prediction for KRR from the exact population spectrum. Dashed lines: deterministic equivalent "
    "of ridge on the network's own features (sRF theory with each seed's drawn W0, W1, averaged "
    "over seeds, at the simulated alphas). Dash-dot: linear ridge, Gaussian-design theory. After "
    "a large step, RF on W1 and KRR with k1 beat RF on W0 and KRR with k0; a small step changes "
    "little."))
