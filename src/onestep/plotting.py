"""Drawing helpers (seaborn/matplotlib, Agg backend); no numerics here (see :mod:`onestep.stats`).

Theory is always a line, simulation always markers with seed spread, so the two are told apart at
a glance. The labels of methods and kernels live here, where they are shown.
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import seaborn as sns  # noqa: E402

from .io import atomic_path  # noqa: E402

__all__ = [
    "METHOD_LABELS",
    "KERNEL_LABELS",
    "set_style",
    "save_figure",
    "plot_theory_and_points",
    "blank_panel",
]

METHOD_LABELS = {
    "rf_post": "RF on post-step features (W1)",
    "rf_init": "RF on initial features (W0)",
    "krr_k1": "KRR, adaptive kernel k1",
    "krr_k0": "KRR, isotropic kernel k0",
    "krr_beta": "KRR, spike along beta",
    "linear": "linear ridge",
}
KERNEL_LABELS = {"krr_k1": "k1 (spike along h_hat)", "krr_k0": "k0 (isotropic)",
                 "krr_beta": "spike along beta"}


def set_style() -> None:
    """Shared look for every figure."""
    sns.set_theme(context="paper", style="whitegrid", font_scale=1.15)


def save_figure(fig, path, *, caption: str | None = None, bottom: float = 0.05) -> None:
    """Lay out, caption and save a figure atomically as PNG.

    ``bottom`` is the fraction of the figure height kept free under the axes (for the caption
    and any legend placed below them).
    """
    fig.tight_layout(rect=(0, bottom, 1, 1))
    if caption:
        fig.text(0.01, 0.005, caption, ha="left", va="bottom", fontsize=8.5, wrap=True)
    with atomic_path(path) as tmp:
        fig.savefig(tmp, dpi=130, format="png", bbox_inches="tight")
    plt.close(fig)


def plot_theory_and_points(ax, *, x_theory, y_theory, x, y, yerr, color, label):
    """A theory line and simulation markers (mean +- sd over seeds) in one colour."""
    ax.plot(x_theory, y_theory, "-", color=color, lw=1.6, label=f"{label} theory")
    ax.errorbar(x, y, yerr=yerr, fmt="o", color=color, mfc="white", ms=6, capsize=3,
                label=f"{label} simulation")


def blank_panel(ax, text: str) -> None:
    """Replace a panel that has nothing to show by a centred explanation (no axes)."""
    ax.text(0.5, 0.5, text, ha="center", va="center", transform=ax.transAxes, fontsize=10)
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_xlabel("")
    ax.set_ylabel("")
