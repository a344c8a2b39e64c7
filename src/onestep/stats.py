"""Statistics shared by the figures and the claims: seed summaries and log-log fits.

Pure NumPy/pandas (no plotting), so the reproduction check does not load matplotlib.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy.special import polygamma

__all__ = ["seed_summary", "loglog_slope", "loglog_fit", "common_slope", "log_rms_sd",
           "two_point_kurtosis_sd", "gaussian_density", "excess_kurtosis", "normality_pvalue"]


def seed_summary(table: pd.DataFrame, by: list[str], columns: list[str]) -> pd.DataFrame:
    """Mean and standard deviation (ddof = 1; 0 for a single seed) over seeds of ``columns``,
    grouped by ``by``; the standard deviations get the suffix ``_sd``."""
    grouped = table.groupby(by, as_index=False)[columns]
    mean = grouped.mean()
    std = grouped.std(ddof=1).fillna(0.0)  # a group of one seed: NaN -> 0
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


def loglog_fit(x, y, *, log_sd=None, groups=None) -> tuple[float, float]:
    """Slope of ``log y`` against ``log x`` and its standard error (positive pairs only).

    Parameters
    ----------
    x, y : array_like of shape (n,)
    log_sd : array_like of shape (n,), optional
        Known standard deviation of each ``log y``: weighted least squares, and the standard
        error follows from these, ``1 / sqrt(sum w (log x - mean_w)^2)``, ``w = log_sd^-2``.
        Without it: ordinary least squares and the residual-based standard error.
    groups : array_like of shape (n,), optional
        One intercept per group and a common slope (e.g. one line per d through the N' points).

    Returns
    -------
    slope, stderr : float
        NaN when fewer points than parameters + 1 (residual case) or than 2 remain.
    """
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    keep = (x > 0) & (y > 0)
    sd = np.ones_like(x) if log_sd is None else np.broadcast_to(np.asarray(log_sd, float), x.shape)
    labels = np.zeros(x.shape) if groups is None else np.asarray(groups)
    lx, ly, w, labels = np.log(x[keep]), np.log(y[keep]), sd[keep] ** -2.0, labels[keep]
    xc, yc = np.empty_like(lx), np.empty_like(ly)
    for label in np.unique(labels):
        g = labels == label
        xc[g] = lx[g] - np.average(lx[g], weights=w[g])
        yc[g] = ly[g] - np.average(ly[g], weights=w[g])
    sxx = float(np.sum(w * xc**2))
    dof = lx.size - np.unique(labels).size - 1
    if lx.size < 2 or not sxx > 0 or (log_sd is None and dof < 1):
        return float("nan"), float("nan")
    slope = float(np.sum(w * xc * yc)) / sxx
    if log_sd is not None:
        return slope, float(1.0 / np.sqrt(sxx))
    residual = float(np.sum(w * (yc - slope * xc) ** 2)) / dof
    return slope, float(np.sqrt(residual / sxx))


def common_slope(x, y, *, groups) -> tuple[float, float, float, float]:
    """Log-log slope shared by several groups (one intercept each) and a robust standard error.

    Returns ``slope, stderr, fit_se, spread_se``: ``fit_se`` is the residual standard error of
    :func:`loglog_fit` with ``groups``, ``spread_se`` the standard error of the mean of the
    per-group slopes (``inf`` for one group), and ``stderr`` the larger of the two. Use it when
    the points within a group are correlated (e.g. nested subsets), which makes the residual
    standard error alone too small, while the groups are independent.
    """
    x, y, groups = (np.asarray(v) for v in (x, y, groups))
    slope, fit_se = loglog_fit(x, y, groups=groups)
    per_group = [loglog_slope(x[groups == g], y[groups == g])[0] for g in np.unique(groups)]
    spread_se = (float(np.std(per_group, ddof=1)) / np.sqrt(len(per_group)) if len(per_group) > 1
                 else float("inf"))
    stderr = max(fit_se, spread_se) if np.isfinite(fit_se) else spread_se
    return slope, float(stderr), fit_se, spread_se


def log_rms_sd(seeds: int) -> float:
    """Standard deviation of ``log rms`` of ``seeds`` centred Gaussian values: ``log(chi^2_S/S)``
    has variance trigamma(S/2) and ``log rms`` is half of it (0.483 for S = 3)."""
    if isinstance(seeds, bool) or not isinstance(seeds, (int, np.integer)) or seeds < 1:
        raise ValueError(f"seeds={seeds!r}: expected an integer >= 1")
    return 0.5 * float(np.sqrt(polygamma(1, seeds / 2)))


def two_point_kurtosis_sd(theta: float, bulk: float, n: int) -> float:
    """Delta-method s.d. of the sample excess kurtosis of ``n`` draws of
    ``+-sqrt(theta) + N(0, bulk)`` (``theta = 0``: a Gaussian, ``sqrt(24/n)``).

    ``Var(m4/m2^2) = [Var(X^4) - 4 k Cov(X^4, X^2) m2 + 4 k^2 Var(X^2) m2^2] / (n m2^4)`` with
    ``k = m4/m2^2`` and the even moments of the mixture, plus the variance ``32/n^2`` of the
    centring term (the sample mean shifts the estimate by about ``4 xbar^2 / m2`` for a two-point
    law, s.d. ``4 sqrt(2)/n``), which dominates when the bulk is small.
    """
    t, b = float(theta), float(bulk)
    if t < 0 or b <= 0 or n < 1:
        raise ValueError(f"theta={theta!r}, bulk={bulk!r}, n={n!r}: expected theta >= 0, "
                         "bulk > 0, n >= 1")
    m2, m4 = t + b, t**2 + 6 * t * b + 3 * b**2
    m6 = t**3 + 15 * t**2 * b + 45 * t * b**2 + 15 * b**3
    m8 = t**4 + 28 * t**3 * b + 210 * t**2 * b**2 + 420 * t * b**3 + 105 * b**4
    var = ((m8 - m4**2) / m2**4 - 4 * m4 * (m6 - m4 * m2) / m2**5
           + 4 * m4**2 * (m4 - m2**2) / m2**6)
    return float(np.sqrt(max(var, 0.0) / n + 32.0 / n**2))


def gaussian_density(grid, *, mean=0.0, var=1.0):
    """Normal density on ``grid``."""
    grid = np.asarray(grid, dtype=float)
    return np.exp(-0.5 * (grid - mean) ** 2 / var) / np.sqrt(2 * np.pi * var)


def excess_kurtosis(x) -> float:
    """Fisher excess kurtosis of the values ``x`` (1-D), biased moment estimator:
    ``m4 / m2^2 - 3`` with central moments ``m_k = mean((x - mean x)^k)`` (what
    ``scipy.stats.kurtosis(x, fisher=True, bias=True)`` returns); NaN when ``x`` is constant."""
    x = np.asarray(x, dtype=float).ravel()
    dev = x - x.mean()
    m2 = float(np.mean(dev**2))
    return float(np.mean(dev**4)) / m2**2 - 3.0 if m2 > 0 else math.nan


def normality_pvalue(x) -> float:
    """p-value of D'Agostino and Pearson's omnibus normality test of the values ``x`` (1-D;
    ``scipy.stats.normaltest``); NaN below the 20 values the test needs."""
    x = np.asarray(x, dtype=float).ravel()
    if x.size < 20:
        return math.nan
    from scipy.stats import normaltest  # here: scipy.stats takes ~1 s to import

    return float(normaltest(x).pvalue)
