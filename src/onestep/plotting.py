"""Plotting helpers (seaborn/matplotlib, Agg backend). Theory is always a line, simulation
always markers with seed spread, so the two are told apart at a glance."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import seaborn as sns  # noqa: E402

from .io import atomic_path  # noqa: E402

__all__ = [
    "set_style",
    "save_figure",
    "seed_summary",
    "plot_theory_and_points",
    "loglog_slope",
    "gaussian_density",
    "blank_panel",
]


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


def seed_summary(table: pd.DataFrame, by: list[str], columns: list[str]) -> pd.DataFrame:
    """Mean and standard deviation over seeds of ``columns``, grouped by ``by``."""
    grouped = table.groupby(by, as_index=False)[columns]
    mean = grouped.mean()
    std = grouped.std(ddof=1).fillna(0.0) if len(table) > 1 else grouped.mean() * 0.0
    return mean.merge(std, on=by, suffixes=("", "_sd"))


def plot_theory_and_points(ax, *, x_theory, y_theory, x, y, yerr, color, label):
    """A theory line and simulation markers (mean +- sd over seeds) in one colour."""
    ax.plot(x_theory, y_theory, "-", color=color, lw=1.6, label=f"{label} theory")
    ax.errorbar(x, y, yerr=yerr, fmt="o", color=color, mfc="white", ms=6, capsize=3,
                label=f"{label} simulation")


def loglog_slope(x, y) -> tuple[float, float]:
    """Least-squares slope and intercept of ``log y`` against ``log x``."""
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    keep = (x > 0) & (y > 0)
    if keep.sum() < 2:
        return float("nan"), float("nan")
    slope, intercept = np.polyfit(np.log(x[keep]), np.log(y[keep]), 1)
    return float(slope), float(intercept)


def gaussian_density(grid, *, mean=0.0, var=1.0):
    """Normal density on ``grid``."""
    grid = np.asarray(grid, dtype=float)
    return np.exp(-0.5 * (grid - mean) ** 2 / var) / np.sqrt(2 * np.pi * var)


def blank_panel(ax, text: str) -> None:
    """Replace a panel that has nothing to show by a centred explanation (no axes)."""
    ax.text(0.5, 0.5, text, ha="center", va="center", transform=ax.transAxes, fontsize=10)
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_xlabel("")
    ax.set_ylabel("")
