"""Snakemake adapter: overlaps of the top even eigenfunctions with 1, R and He2(kappa) vs eta_t."""

import matplotlib.pyplot as plt
import seaborn as sns
from matplotlib.lines import Line2D

from onestep.io import read_table
from onestep.jobs import start_job
from onestep.plotting import blank_panel, save_figure, set_style

log = start_job(snakemake)
table = read_table(snakemake.input.table)
theory = read_table(snakemake.input.theory)
theory = theory[(theory["stage"] == "kernel") & (theory["kernel"] == "k1")]
over = table[table["quantity"].str.startswith("overlap_")]
CANDIDATES = tuple(q.removeprefix("overlap_") for q in dict.fromkeys(over["quantity"]))
students = list(dict.fromkeys(table["student"]))
names = {"constant": "constant 1", "radial": r"radial $R=(|x|^2-d)/\sqrt{2d}$",
         "he2_kappa": r"$He_2(\kappa)/\sqrt{2}$"}
colors = dict(zip(CANDIDATES, sns.color_palette("colorblind", len(CANDIDATES)), strict=True))
modes = {"top_even": "top even eigenfunction", "second_even": "second even eigenfunction"}
row0 = table.iloc[0]
d = int(row0["d"])
set_style()
fig, axes = plt.subplots(len(modes), len(students), figsize=(6.4 * len(students), 9.6),
                         squeeze=False)
for col, student in enumerate(students):
    mine = over[over["student"] == student]
    curves = theory[theory["student"] == student]
    for row, (mode, title) in enumerate(modes.items()):
        ax = axes[row, col]
        ax.set_title(f"{student}: {title} of k1", fontsize=10.5)
        ax.set_xlabel(r"rescaled step size $\eta_t$")
        ax.set_ylabel(r"overlap $|E[g\,f]|$ (unit-norm $g$, $f$)")
        here = mine[mine["mode"] == mode]
        if here.empty:
            blank_panel(ax, f"{student} is odd: its kernels have\nno even eigenfunctions, so "
                        "there is\nno radial / He2 mixing to show")
            continue
        for cand in CANDIDATES:
            quantity = f"overlap_{cand}"
            quad = here[(here["kernel"] == "k1") & (here["estimator"] == "quadrature")
                        & (here["quantity"] == quantity)].sort_values("eta_t")
            ax.plot(quad["eta_t"], quad["value"], "-", color=colors[cand], lw=1.8)
            lead = curves[(curves["mode"] == mode) & (curves["quantity"] == quantity)
                          & (curves["variant"] == "leading")].sort_values("eta_t")
            ax.plot(lead["eta_t"], lead["value"], ":", color=colors[cand], lw=1.4)
            for kernel, marker, dx in (("k1", "o", -0.03), ("rf", "^", 0.03)):
                pts = here[(here["kernel"] == kernel) & (here["estimator"] == "gram")
                           & (here["quantity"] == quantity)]
                ax.errorbar(pts["eta_t"] + dx, pts["value"], yerr=pts["stderr"], fmt=marker,
                            color=colors[cand], mfc="white", ms=5.5, capsize=2, lw=0.9)
        ax.set_ylim(-0.03, 1.05)
legend = [Line2D([], [], color=colors[c], lw=6, label=f"candidate f = {names[c]}")
          for c in CANDIDATES]
legend += [Line2D([], [], color="k", lw=1.8, label="k1: sector quadrature"),
           Line2D([], [], color="k", lw=1.4, ls=":", label="rank-one theory sqrt(q(x)) (relu)"),
           Line2D([], [], color="k", marker="o", mfc="white", ls="none",
                  label="k1: Gram eigenvector (+-SE)"),
           Line2D([], [], color="k", marker="^", mfc="white", ls="none",
                  label="RF kernel of W1: Gram eigenvector (+-SE)")]
fig.legend(handles=legend, loc="lower center", ncol=4, fontsize=8.5, bbox_to_anchor=(0.5, 0.075))
fig.suptitle(f"Mode mixing in k1: the top radial mode couples to the target-aligned quadratic "
             f"(d={d}, m={int(row0['n_samples'])})")
save_figure(fig, snakemake.output[0], bottom=0.145, caption=(
    "Absolute overlaps of the top two even-in-kappa eigenfunctions of k1 (sector l=0) with unit "
    "candidates. Lines: sector quadrature at the simulated steps (solid) and the rank-one "
    "prediction sqrt(q(x)) (dotted, relu). Markers: cosine of the matching Gram eigenvector of "
    "K/m with the candidate, only where that eigenvalue separates from the Marchenko-Pastur "
    "bulk; SE ~ 1/sqrt(m), and the same fresh inputs serve every step, so their deviations are "
    "shared. As theta grows the top mode picks up He2(kappa) and its partner (mostly "
    "He2(kappa)) separates from the bulk; the RF kernel of N = phi d neurons resolves the top "
    "mode but scrambles the small partner. tanh: odd activation, no even modes."))
