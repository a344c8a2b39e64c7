"""Snakemake adapter: boosted linear, orthogonal linear and top even eigenvalues against eta_t."""

import matplotlib.pyplot as plt
import numpy as np

from onestep.io import read_table
from onestep.jobs import start_job
from onestep.plotting import blank_panel, save_figure, set_style

log = start_job(snakemake)
table = read_table(snakemake.input.table)
theory = read_table(snakemake.input.theory)
theory = theory[theory["stage"] == "kernel"]
priority = theory[["variant", "variant_rank"]].drop_duplicates().sort_values("variant_rank")
THEORY_PRIORITY = tuple(priority["variant"])  # best available theory first
eig = table[table["quantity"] == "eigenvalue"]
students = list(dict.fromkeys(table["student"]))
modes = {"boosted_linear": "boosted linear (target-aligned, ~kappa)",
         "orthogonal_linear": "orthogonal linear (~<e,x>, multiplicity d-1)",
         "top_even": "top even (~constant + He2(kappa))"}
styles = {"exact": ("-", 1.8), "large_step": ("-", 1.8), "k2": ("-.", 1.3), "leading": (":", 1.6)}
variant_names = {"k2": "with the k=2 Mehler term", "leading": "leading order"}
markers = [  # (kernel, estimator, marker, colour, label, x offset)
    ("k1", "quadrature", "o", "C0", "k1: sector quadrature", 0.0),
    ("k1", "rayleigh", "s", "C1", "k1: Rayleigh quotient (+-SE)", -0.04),
    ("k1", "gram", "x", "C3", "k1: Gram outlier (+-SE)", 0.04),
    ("rf", "rayleigh", "^", "C2", "RF kernel of W1: Rayleigh (+-SE)", -0.08),
    ("rf", "gram", "+", "C4", "RF kernel of W1: Gram outlier", 0.08),
    ("k1_est", "theory", "d", "0.45", "theory at this run's (c_hat, theta_hat)", 0.0),
]
row0 = table.iloc[0]
d = int(row0["d"])
set_style()
fig, axes = plt.subplots(len(modes), len(students), figsize=(6.4 * len(students), 13.0),
                         squeeze=False)
for col, student in enumerate(students):
    mine = theory[theory["student"] == student]
    curves = mine[(mine["kernel"] == "k1") & (mine["quantity"] == "eigenvalue")]
    flat = mine[mine["kernel"] == "k0"]
    for row, (mode, title) in enumerate(modes.items()):
        ax = axes[row, col]
        ax.set_title(f"{student}: {title}", fontsize=10.5)
        ax.set_xlabel(r"rescaled step size $\eta_t$")
        ax.set_ylabel(r"eigenvalue $\lambda$ (units of $k$)")
        here = eig[(eig["student"] == student) & (eig["mode"] == mode)]
        if here.empty:
            blank_panel(ax, f"{student} is odd: k(x,-x') = -k(x,x'),\nso the kernel has no "
                        "even modes\n(no row is written, not a zero)")
            continue
        lines = curves[curves["mode"] == mode]
        best = None
        for variant in THEORY_PRIORITY:
            line = lines[lines["variant"] == variant].sort_values("eta_t")
            if line.empty:
                continue
            if best is not None and np.allclose(line["value"], best, rtol=1e-9):
                continue  # identical to a better variant (relu: exact = large-step = leading)
            style, width = styles[variant]
            label = "k1 theory, best available" if best is None else \
                f"k1 theory, {variant_names[variant]}"
            ax.plot(line["eta_t"], line["value"], style, color="k", lw=width, label=label)
            best = line["value"].to_numpy() if best is None else best
        k0 = flat[(flat["mode"] == mode) & (flat["quantity"] == "eigenvalue")]
        if len(k0):
            ax.axhline(k0["value"].iloc[0], color="0.55", ls="--", lw=1.2,
                       label="k0 (isotropic) theory")
        for kernel, estimator, marker, color, label, dx in markers:
            pts = here[(here["kernel"] == kernel) & (here["estimator"] == estimator)]
            if pts.empty:
                continue
            if estimator == "theory":  # the best variant, as for the k1 line
                pts = pts[pts["variant"] == next(v for v in THEORY_PRIORITY
                                                 if v in set(pts["variant"]))]
            pts = pts.sort_values("eta_t")
            err = pts["stderr"].where(np.isfinite(pts["stderr"]), 0.0)
            filled = estimator != "quadrature"
            ax.errorbar(pts["eta_t"] + dx, pts["value"], yerr=err, fmt=marker, color=color,
                        mfc=color if filled else "white", ms=6 if marker != "d" else 4,
                        capsize=2.5, lw=1.0, label=label)
        ax.set_yscale("log")
handles = {}
for ax in axes.ravel():  # one legend for the figure: same symbols in every panel
    for handle, label in zip(*ax.get_legend_handles_labels(), strict=True):
        handles.setdefault(label, handle)
first = ["k1 theory, best available", *(f"k1 theory, {v}" for v in variant_names.values()),
         "k0 (isotropic) theory"]
labels = [x for x in first if x in handles] + [x for x in handles if x not in first]
fig.legend([handles[x] for x in labels], labels, loc="lower center", ncol=4, fontsize=8.5,
           bbox_to_anchor=(0.5, 0.045), frameon=True)
fig.suptitle(f"Eigenvalues of the induced kernel against the step size (d={d}, "
             f"m={int(row0['n_samples'])} fresh samples, simulation seed {int(row0['seed'])}, "
             f"teacher {row0['teacher']}, psi={row0['psi']:g})")
save_figure(fig, snakemake.output[0], bottom=0.11, caption=(
    "Lines: theory for k1 at the predicted (c, theta) (THEORY.md 4; onestep.kernels.predictions): "
    "best available = exact (relu linear modes) else large-step; k0 dashed. "
    "Markers: sector quadrature, Rayleigh quotient of the quadrature eigenfunction on m fresh "
    "samples (jackknife SE), Gram eigenvalue of K/m (only where the theory says it separates "
    "from the Marchenko-Pastur bulk; SE = first-order fluctuation), for k1 and the RF kernel of "
    "W1 (markers offset in eta_t for legibility). Only the target-aligned modes move; the naive "
    "first-order boost (tanh, dotted) overshoots."))
