"""Snakemake adapter: theta, c, gamma against eta_t (theory lines, simulation points)."""

import matplotlib.pyplot as plt
import seaborn as sns

from onestep.io import read_table
from onestep.jobs import start_job
from onestep.plotting import plot_theory_and_points, save_figure, set_style
from onestep.stats import seed_summary

log = start_job(snakemake)
table = read_table(snakemake.input.table)
theory = read_table(snakemake.input.theory)
theory = theory[theory["stage"] == "spike"]
model = table.iloc[0]
quantities = [("theta", r"spike strength $\theta$"), ("c", r"bulk scale $c$"),
              ("gamma", r"alignment $\gamma=|\langle \hat h,\beta\rangle|$")]
summary = seed_summary(table, ["student", "eta_t"], [f"{q}_hat" for q, _ in quantities])
set_style()
fig, axes = plt.subplots(1, 3, figsize=(13, 4.2))
colors = dict(zip(sorted(table["student"].unique()), sns.color_palette("colorblind"), strict=False))
for student, color in colors.items():
    curve = theory[theory["student"] == student]
    rows = summary[summary["student"] == student]
    for ax, (name, label) in zip(axes, quantities, strict=True):
        line = curve[curve["quantity"] == name].sort_values("eta_t")
        plot_theory_and_points(
            ax, x_theory=line["eta_t"].to_numpy(), y_theory=line["value"].to_numpy(),
            x=rows["eta_t"], y=rows[f"{name}_hat"], yerr=rows[f"{name}_hat_sd"],
            color=color, label=f"{student} student",
        )
        ax.set_xlabel(r"rescaled step size $\eta_t$")
        ax.set_ylabel(label)
axes[0].legend(fontsize=8, loc="upper left")
axes[2].set_ylim(0.0, 1.05)  # gamma is a cosine; a zoomed axis would exaggerate seed noise
fig.suptitle(
    f"Post-step weights: spiked covariance $(c/d)I+\\theta\\,\\hat h\\hat h^T$ "
    f"(d={int(model['d'])}, phi={model['phi']:g}, psi={model['psi']:g}, "
    f"teacher {model['teacher']}, "
    f"{model['second_layer']} second layer, {table['seed'].nunique()} "
    f"seed{'s' if table['seed'].nunique() > 1 else ''})"
)
save_figure(fig, snakemake.output[0], bottom=0.05, caption=(
    "Lines: theory (THEORY.md sec. 2). Open circles: estimates from W1 (mean +- sd over seeds). "
    "The spike theta grows like eta_t^2, the bulk c like 1 + O(eta_t^2 Var s'), "
    "and the alignment gamma does not depend on the step."))
