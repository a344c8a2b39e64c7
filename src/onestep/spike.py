"""Estimators of the spiked covariance of the post-step weights (docs/THEORY.md section 2).

With ``S = W1^T W1 / N`` (second moment across neurons, not the covariance) and unit ``h_hat``:

    theta_hat = h^T S h - (tr S - h^T S h) / (d - 1)
    c_hat     = d (tr S - h^T S h) / (d - 1)
    gamma_hat = |<h_hat, beta>|

computed from ``p = W1 h_hat`` and ``|W1|_F`` without forming S. Spectra come from
:func:`onestep.linalg.top_singular` (Gram of the smaller side, Lanczos: 0.25-0.6 s at N = 3200,
d = 1600; thin ``scipy.linalg.svd`` 1.9 s, ``svds`` 0.4-3 s when the wanted values sit at the bulk
edge).

Differences from the reconstructed theory (docs/THEORY.md section 7), measured in
``tests/test_spike.py``:

* theta, c are population values; per draw ``theta_hat / theta - 1`` has s.d. ~1.6/sqrt(d) at
  phi = psi = 2 (``mean(N a_i^2)``: sqrt(2/N); ``|h|^2``: ~1.24/sqrt(d)), e.g. 5.6% at d = 800.
  :func:`plugin_spike` conditions on both and matches the simulation to O(1/d) (< 0.5% at 800).
* The reconstruction drops the residual mean. With ``second_layer='constant'`` and ``mu_0(s) != 0``
  (ReLU) it is O(1) even with centred labels; with uncentred labels and ``mu*_0 != 0`` the
  Stein rescaling of section 2 is real but ``theory.predict_spike`` omits it. Both are in
  :func:`plugin_spike`; e.g. ReLU student, constant a, eta_t = 1: c = 0.796, not 1.049.
"""

from __future__ import annotations

import math

import numpy as np

from .covariance import unit_vector
from .linalg import top_singular
from .stats import excess_kurtosis
from .theory import hermite_summary, predict_spike

__all__ = ["estimate_spike", "projection_along", "plugin_spike"]


def projection_along(W1, h_hat) -> np.ndarray:
    """``p = W1 h_hat / |h_hat|``, shape (N,): each neuron's weight along the spike direction."""
    W1 = np.asarray(W1, dtype=float)
    h = unit_vector(h_hat, "h_hat")
    if W1.ndim != 2 or W1.shape[1] != h.shape[0]:
        raise ValueError(f"W1: shape {W1.shape} does not match h_hat of length {h.shape[0]}")
    return W1 @ h


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
        ``proj_excess_kurtosis`` (Fisher, biased moment estimator; its normality test is
        :func:`onestep.stats.normality_pvalue`, left to the figure so that jobs skip importing
        ``scipy.stats``).
    """
    W1 = np.asarray(W1, dtype=float)
    if W1.ndim != 2 or W1.shape[1] < 2:
        raise ValueError(f"W1: expected shape (N, d) with d >= 2, got {W1.shape}")
    N, d = W1.shape
    h = unit_vector(h_hat, "h_hat")
    b = unit_vector(beta, "beta")
    if h.shape[0] != d or b.shape[0] != d:
        raise ValueError(f"h_hat/beta: lengths {h.shape[0]}, {b.shape[0]} do not match d = {d}")
    if isinstance(n_singular, bool) or not isinstance(n_singular, (int, np.integer)) \
            or n_singular < 1:
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
    out.update(proj_mean=float(p.mean()), proj_var=float(p.var()),
               proj_excess_kurtosis=excess_kurtosis(p))
    return out


def plugin_spike(*, a, h_norm, student: str, teacher: str, eta_t: float, psi: float,
                 tau: float = 0.0, center_labels: bool = True) -> dict:
    """Spike parameters conditional on the drawn ``a`` and ``|h|``, residual mean included.

    The theory's theta and c with two finite-size/residual effects put back (u = sqrt(N) a):

    * draw fluctuations: ``mean(u^2)`` and the empirical ``|h|`` replace 1 and E|h|;
    * the residual mean ``r = mean(y_used) - m``, ``m = mean(u) mu_0(s)`` (the mean of f at
      init): Stein's lemma gives a row rescaling ``w_i -> (1 + eta_t u_i r mu_2(s)) w_i``
      (``mu_2 = E[s'']``), the bulk sees ``E[(y - m)^2]`` and the common part of the update
      points along ``h - m mean(x)``, whose component orthogonal to h_hat is a second spike
      that ``c_hat`` counts as bulk.

    For Gaussian/Rademacher a, ``m = O(N^{-1/2})`` and only the first effect matters; for
    ``second_layer='constant'`` with ReLU, ``m = 1/sqrt(2 pi)`` and c drops from 1.049 to
    0.796 at eta_t = 1, psi = 2 (tanh teacher). Leading order in 1/d; float64.

    Returns
    -------
    dict
        ``theta``, ``c`` (what ``c_hat`` estimates), ``second_spike``, ``residual_mean``,
        ``mean_u2``.
    """
    pred = predict_spike(student=student, teacher=teacher, eta_t=eta_t, psi=psi, tau=tau,
                         center_labels=center_labels)
    hs = hermite_summary(student, max_degree=2, key="student")
    u = np.asarray(a, dtype=float) * math.sqrt(len(a))
    u2, ubar = float(np.mean(u**2)), float(np.mean(u))
    m = ubar * hs["mu0"]
    label_mean = 0.0 if center_labels else pred.teacher_mu0
    r = label_mean - m
    shrink = 1.0 + 2.0 * eta_t * ubar * r * hs["mu2"] + eta_t**2 * u2 * (r * hs["mu2"]) ** 2
    bulk = eta_t**2 * u2 * (pred.label_second_moment - 2 * m * label_mean + m**2) * pred.s_hat / psi
    # |mean(x)|^2 ~ 1/psi and <mean(x), h> ~ mean(y_used)/psi
    along = h_norm - m * label_mean / (psi * h_norm)
    total = h_norm**2 - 2 * m * label_mean / psi + m**2 / psi
    spike = eta_t**2 * pred.mu1**2 * u2
    return {
        "theta": spike * along**2,
        "c": shrink + bulk + spike * (total - along**2),
        "second_spike": spike * (total - along**2),
        "residual_mean": r,
        "mean_u2": u2,
    }
