"""Estimators of the spiked covariance of the post-step weights (THEORY.md section 2).

With ``S = W1^T W1 / N`` (second moment across neurons, not the covariance) and unit ``h_hat``:

    theta_hat = h^T S h - (tr S - h^T S h) / (d - 1)
    c_hat     = d (tr S - h^T S h) / (d - 1)
    gamma_hat = |<h_hat, beta>|

computed from ``p = W1 h_hat`` and ``|W1|_F`` without forming S. Spectra use the Gram matrix of
the smaller side and ``scipy.linalg.eigh(subset_by_index=...)``: at N = 3200, d = 1600 this takes
0.4 s against 1.9 s for a thin ``scipy.linalg.svd`` and 0.4 s for ARPACK ``svds`` (which is
iterative and seed dependent); the top singular values it returns agree with the SVD to ~1e-15.

Finite-size notes (measured in ``tests/test_spike.py``): THEORY.md's theta and c are population
values. At finite size ``theta_hat`` fluctuates with the empirical ``mean(N a_i^2)`` (relative
s.d. sqrt(2/N) for Gaussian a) and with ``|h|^2``; :func:`plugin_spike` gives the prediction
conditional on those, which the simulation matches to O(1/d).
"""

from __future__ import annotations

import math

import numpy as np
import scipy.linalg as sl
import scipy.stats as st

__all__ = ["estimate_spike", "projection_along", "top_singular", "plugin_spike"]


def _unit(v, key):
    v = np.asarray(v, dtype=float)
    if v.ndim != 1:
        raise ValueError(f"{key}: expected a 1-d array, got shape {v.shape}")
    norm = np.linalg.norm(v)
    if not np.isfinite(norm) or norm == 0:
        raise ValueError(f"{key}: expected a nonzero finite vector, got norm {norm!r}")
    return v / norm


def projection_along(W1, h_hat) -> np.ndarray:
    """``p = W1 h_hat / |h_hat|``, shape (N,): each neuron's weight along the spike direction."""
    W1 = np.asarray(W1, dtype=float)
    h = _unit(h_hat, "h_hat")
    if W1.ndim != 2 or W1.shape[1] != h.shape[0]:
        raise ValueError(f"W1: shape {W1.shape} does not match h_hat of length {h.shape[0]}")
    return W1 @ h


def top_singular(M, k: int = 3) -> tuple[np.ndarray, np.ndarray]:
    """Top ``k`` singular values of M (m, d), descending, and the top right singular vector (d,).

    Exact (dense LAPACK ``eigh`` on the Gram matrix of the smaller side), float64, deterministic.
    """
    M = np.asarray(M, dtype=float)
    m, d = M.shape
    k = min(int(k), m, d)
    if k < 1:
        raise ValueError(f"n_singular={k!r}: expected >= 1")
    small = min(m, d)
    gram = M.T @ M if d <= m else M @ M.T
    values, vectors = sl.eigh(gram, subset_by_index=[small - k, small - 1])
    values, vectors = np.sqrt(np.clip(values[::-1], 0.0, None)), vectors[:, ::-1]
    top = vectors[:, 0] if d <= m else M.T @ vectors[:, 0]
    norm = np.linalg.norm(top)
    return values, (top / norm if norm > 0 else top)


def estimate_spike(W1, h_hat, *, beta, W0=None, n_singular: int = 3) -> dict:
    """Spike statistics of the post-step weights.

    Parameters
    ----------
    W1 : ndarray (N, d)
    h_hat : ndarray (d,)
        Spike direction (normalised here).
    beta : ndarray (d,)
        Teacher direction (normalised here).
    W0 : ndarray (N, d), optional
        Initial weights; adds the statistics of the update ``W1 - W0``.
    n_singular : int, optional

    Returns
    -------
    dict of float
        ``theta_hat, c_hat, gamma_hat``; ``hSh`` and ``trace_S``;
        ``S_eig{k}`` (k = 1..n_singular) top eigenvalues of S = W1^T W1 / N and the overlaps
        ``S_vec_h``, ``S_vec_beta`` of its top eigenvector with h_hat, beta;
        with W0: ``dW_sv{k}`` top singular values of ``(W1 - W0) / sqrt(N)`` (scaled so that
        ``dW_sv1^2`` ~ theta + bulk edge) and overlaps ``dW_vec_h``, ``dW_vec_beta`` of its top
        right singular vector; for ``p = W1 h_hat``: ``proj_mean``, ``proj_var`` (ddof = 0),
        ``proj_excess_kurtosis`` (Fisher, biased moment estimator), ``proj_normaltest_p``
        (D'Agostino-Pearson omnibus test, ``scipy.stats.normaltest``).
    """
    W1 = np.asarray(W1, dtype=float)
    if W1.ndim != 2 or W1.shape[1] < 2:
        raise ValueError(f"W1: expected shape (N, d) with d >= 2, got {W1.shape}")
    N, d = W1.shape
    h = _unit(h_hat, "h_hat")
    b = _unit(beta, "beta")
    if h.shape[0] != d or b.shape[0] != d:
        raise ValueError(f"h_hat/beta: lengths {h.shape[0]}, {b.shape[0]} do not match d = {d}")
    if isinstance(n_singular, bool) or not isinstance(n_singular, int) or n_singular < 1:
        raise ValueError(f"n_singular={n_singular!r}: expected an integer >= 1")

    p = W1 @ h
    hsh = float(p @ p) / N
    trace = float(np.einsum("ij,ij->", W1, W1)) / N
    bulk = (trace - hsh) / (d - 1)
    out = {
        "theta_hat": hsh - bulk,
        "c_hat": d * bulk,
        "gamma_hat": float(abs(h @ b)),
        "hSh": hsh,
        "trace_S": trace,
    }
    values, vec = top_singular(W1 / math.sqrt(N), n_singular)
    out.update({f"S_eig{k + 1}": float(v**2) for k, v in enumerate(values)})
    out.update(S_vec_h=float(abs(vec @ h)), S_vec_beta=float(abs(vec @ b)))
    if W0 is not None:
        W0 = np.asarray(W0, dtype=float)
        if W0.shape != W1.shape:
            raise ValueError(f"W0: shape {W0.shape} differs from W1 {W1.shape}")
        values, vec = top_singular((W1 - W0) / math.sqrt(N), n_singular)
        out.update({f"dW_sv{k + 1}": float(v) for k, v in enumerate(values)})
        out.update(dW_vec_h=float(abs(vec @ h)), dW_vec_beta=float(abs(vec @ b)))
    out.update(
        proj_mean=float(p.mean()),
        proj_var=float(p.var()),
        proj_excess_kurtosis=float(st.kurtosis(p, fisher=True, bias=True)),
        proj_normaltest_p=float(st.normaltest(p).pvalue) if N >= 20 else math.nan,
    )
    return out


def plugin_spike(*, a, h_norm, mu1, s_hat, label_moment, eta_t, psi) -> dict:
    """Spike parameters conditional on the drawn ``a`` and ``|h|`` (finite-size reference).

    ``theta = eta_t^2 mu1^2 mean(N a^2) |h|^2``, ``c = 1 + eta_t^2 mean(N a^2) label_moment
    s_hat / psi``. Valid when ``mean(f) ~ 0`` (second layer with mean ~ 0, or ``mu_0(s) = 0``).
    """
    u2 = float(np.mean(np.square(a))) * len(a)
    return {
        "theta": eta_t**2 * mu1**2 * u2 * h_norm**2,
        "c": 1.0 + eta_t**2 * u2 * label_moment * s_hat / psi,
    }
