"""Snakemake adapter: sorted population spectra of k0 and k1 (eigenvalue vs cumulative rank)."""

import matplotlib.pyplot as plt
import numpy as np
import seaborn as sns

from onestep.io import load_npz
from onestep.jobs import start_job
from onestep.plotting import save_figure, set_style

log = start_job(snakemake)  # noqa: F821 - injected by Snakemake
runs = [load_npz(path) for path in snakemake.input]
sectors = sorted({int(key.split("_l")[1].split("_")[0]) for key in runs[0][0] if "_l" in key})
palette = sns.color_palette("colorblind", 10)
order = [0, 1, 2, 3, 4, 9, 8, 5]  # distinct hues first (5, brown, is close to 1, orange)
colors = {key: palette[order[i % len(order)]]
          for i, key in enumerate((deg, p) for deg in sectors for p in (1, -1))}


def staircase(arrays, kernel):
    """Listed eigenvalues above the top of the highest sector (complete there), sorted, with the
    first and last rank each one occupies."""
    entries = [(lam, int(arrays[f"{kernel}_l{deg}_multiplicity"]), deg, int(p))
               for deg in sectors
               for lam, p in zip(arrays[f"{kernel}_l{deg}_eigenvalues"],
                                 arrays[f"{kernel}_l{deg}_parity"], strict=True)]
    cut = arrays[f"{kernel}_l{sectors[-1]}_eigenvalues"][0] * (1 - 1e-3)  # quadrature error
    entries = sorted([e for e in entries if e[0] >= cut and e[0] > 0],
                     key=lambda e: -e[0])
    start = np.cumsum([0] + [e[1] for e in entries[:-1]]) + 1
    return [(lam, s, s + mult - 1, deg, p) for (lam, mult, deg, p), s in zip(entries, start,
                                                                       strict=True)]


set_style()
fig, axes = plt.subplots(2, len(runs), figsize=(6.3 * len(runs), 9.0), squeeze=False,
                         sharex="col", sharey="col")
for col, (arrays, meta) in enumerate(runs):
    point, info = meta["point"], meta["kernels"]
    steps = {kernel: staircase(arrays, kernel) for kernel in ("k0", "k1")}
    for row, kernel in enumerate(("k0", "k1")):
        ax = axes[row, col]
        if kernel == "k1":  # k0's staircase underneath, for the comparison
            ranks = [r for lam, a, b, _, _ in steps["k0"] for r in (a, b + 1)]
            levels = [lam for lam, *_ in steps["k0"] for _ in (0, 1)]
            ax.plot(ranks, levels, "-", color="0.75", lw=2.5, zorder=0, label="k0 (for comparison)")
        seen = set()
        for lam, first, last, deg, p in steps[kernel]:
            label = None
            if (deg, p) not in seen:
                seen.add((deg, p))
                label = f"sector l={deg}, {'even' if p > 0 else 'odd'} in kappa"
            ax.plot([first, last + 1], [lam, lam], "-", color=colors[(deg, p)], lw=2.0)
            ax.plot(first, lam, "o", color=colors[(deg, p)], ms=5, label=label)
        gram = arrays[f"gram_{kernel}"]
        ax.plot(np.arange(1, gram.size + 1), gram, "s", color="0.35", mfc="none", ms=3.5,
                label=f"Gram K/m, top {gram.size} (m={info['n_samples']})")
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("cumulative rank (counting multiplicities)")
        ax.set_ylabel(r"population eigenvalue $\lambda$ (units of $k$)")
        if kernel == "k1":
            title = (f"{point['student']}: k1, theory Sigma "
                     f"(theta={info['theta_theory']:.3g}, c={info['c_theory']:.3g})")
            boosted = arrays["k1_l0_eigenvalues"][arrays["k1_l0_parity"] < 0][0]
            flat = arrays["k0_l0_eigenvalues"][arrays["k0_l0_parity"] < 0][0]
            rank = 1 + sum(int(arrays[f"k1_l{deg}_multiplicity"])
                           * int(np.sum(arrays[f"k1_l{deg}_eigenvalues"] > boosted))
                           for deg in sectors)
            ax.annotate(f"target-aligned linear mode kappa:\nx{boosted / flat:.0f} vs k0",
                        xy=(rank, boosted), xytext=(0.22, 0.93), textcoords="axes fraction",
                        va="top", fontsize=9, arrowprops=dict(arrowstyle="->", color="0.2"))
        else:
            title = f"{point['student']}: k0, isotropic (c=1, theta=0)"
        ax.set_title(title, fontsize=10.5)
        ax.legend(fontsize=7.5, loc="lower left")
fig.suptitle(f"Population spectra of the induced kernel at eta_t={runs[0][1]['point']['eta_t']:g}, "
             f"d={runs[0][1]['point']['d']} (sector quadrature, sectors l <= {sectors[-1]})")
save_figure(fig, snakemake.output[0], bottom=0.06, caption=(
    "Each population eigenvalue is a horizontal segment over the ranks its multiplicity occupies "
    "(degree-l harmonics of the sphere orthogonal to h_hat); shown down to the top eigenvalue of "
    f"the highest sector computed (l={sectors[-1]}), above which the list is complete. k1 keeps "
    "k0's staircase (~1/d for the d-1 orthogonal linear modes, ~1/d^2 for quadratic ones) except "
    "for the modes along h_hat, which separate. Grey squares: top eigenvalues of the Gram matrix "
    "K/m on fresh samples; inside a degenerate level they spread (Marchenko-Pastur). tanh is odd: "
    "its kernels have no even-in-x modes."))
