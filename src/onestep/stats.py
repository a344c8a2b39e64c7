"""Statistics shared by the figures and the claims: seed summaries and log-log fits.

Pure NumPy/pandas (no plotting), so the reproduction check does not load matplotlib.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["seed_summary", "loglog_slope", "gaussian_density"]


def seed_summary(table: pd.DataFrame, by: list[str], columns: list[str]) -> pd.DataFrame:
    """Mean and standard deviation (ddof = 1; 0 for a single seed) over seeds of ``columns``,
    grouped by ``by``; the standard deviations get the suffix ``_sd``."""
    grouped = table.groupby(by, as_index=False)[columns]
    mean = grouped.mean()
    std = grouped.std(ddof=1).fillna(0.0) if len(table) > 1 else grouped.mean() * 0.0
    return mean.merge(std, on=by, suffixes=("", "_sd"))


def loglog_slope(x, y) -> tuple[float, float]:
    """Least-squares slope and intercept of ``log y`` against ``log x`` (positive pairs only;
    NaN when fewer than two remain)."""
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
