"""Theory of the network's own learning curve: ridge on s(W x)/sqrt(N), given the drawn weights.

The deterministic equivalent of :func:`onestep.srf_neurons.srf_error_neurons` evaluated on the
simulated network itself (docs/THEORY.md section 5c, docs/srf.md section 3b). The post-step rows
are split exactly along the spike direction ``u = h_hat`` (sign chosen so that ``<u, beta> >=
0``): ``w1_i = b_i + x_i u`` with ``b_i = P w1_i`` (``P = I - u u^T``), the bulk variance is
``c = |B|_F^2 / N`` and the per-neuron spike ``x_i = <w1_i, u>`` (``theta = 1``, ``xi = x``).
With a constant second layer every neuron moves by the same shift, so the common shift
``mean(x)`` is used and the bulk keeps the per-neuron rest (one eigendecomposition serves
every alpha; the per-neuron form costs O(n_kappa N^3) per alpha). The initial features are the
case ``theta = 0`` with ``W0`` itself and ``u = beta``. float64.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from .srf_neurons import srf_error_neurons

__all__ = ["NETWORK_METHODS", "decompose_spike", "network_theory_curve"]

NETWORK_METHODS = ("rf_post", "rf_init")


def decompose_spike(W, u, beta, *, common_shift: bool) -> dict:
    """Split the rows of ``W`` along the unit vector ``u``: the arguments of the sRF theory.

    Parameters
    ----------
    W : ndarray of shape (N, d)
    u, beta : ndarray of shape (d,)
        Unit spike direction and unit teacher direction.
    common_shift : bool
        Use one shift ``mean(W u)`` for every neuron (the rest stays in the bulk) instead of the
        per-neuron ``W u``.

    Returns
    -------
    dict with ``c``, ``theta`` (1: the amplitudes sit in ``xi``), ``gamma``, ``W0`` (the bulk
    divided by ``sqrt(c)``, shape (N, d)), ``xi`` (N,), ``u`` and ``beta_perp`` (d,).
    """
    W, u, beta = (np.asarray(a, dtype=np.float64) for a in (W, u, beta))
    if W.ndim != 2 or u.shape != (W.shape[1],) or beta.shape != u.shape:
        raise ValueError(f"W, u, beta: expected shapes (N, d), (d,), (d,), got {W.shape}, "
                         f"{u.shape}, {beta.shape}")
    u = u / np.linalg.norm(u)
    if beta @ u < 0:
        u = -u
    gamma = float(min(beta @ u, 1.0))
    perp = beta - gamma * u
    norm = np.linalg.norm(perp)
    # beta along u: any unit vector orthogonal to u will do (it carries no teacher mass)
    perp = perp / norm if norm > 1e-12 else _orthogonal_unit(u)
    proj = W @ u
    xi = np.full_like(proj, proj.mean()) if common_shift else proj
    bulk = W - np.outer(xi, u)
    c = float(np.sum(bulk**2) / W.shape[0])
    return {"c": c, "theta": 1.0, "gamma": gamma, "W0": bulk / math.sqrt(c), "xi": xi, "u": u,
            "beta_perp": perp}


def _orthogonal_unit(u):
    e = np.zeros_like(u)
    e[np.argmin(np.abs(u))] = 1.0
    e -= (e @ u) * u
    return e / np.linalg.norm(e)


def network_theory_curve(*, W0, W1, beta, h_hat, student, teacher, tau, second_layer, alphas,
                         ridge, ridge_convention="mean", methods=NETWORK_METHODS,
                         n_kappa=16) -> pd.DataFrame:
    """sRF theory of ridge on the post-step (``rf_post``) and initial (``rf_init``) features.

    Parameters
    ----------
    W0, W1 : ndarray of shape (N, d)
        The simulated network's first layer before and after the step.
    beta, h_hat : ndarray of shape (d,)
        Teacher direction and the spike direction of ``W1``.
    student, teacher : str
    tau : float
        Label-noise sd.
    second_layer : {'gaussian', 'rademacher', 'constant'}
        ``constant``: common shift (fast path); otherwise the per-neuron spike.
    alphas : sequence of float
        ``n / d``; the theory is evaluated at ``n = round(alpha d)``, the simulation's sizes.
    ridge : float
        ``lambda`` in ``ridge_convention`` ({'mean', 'sum'}, as in
        :func:`onestep.curves.learning_curve`).
    methods : sequence of {'rf_post', 'rf_init'}, optional
    n_kappa : int, optional
        Gauss-Hermite nodes of the spike projection.

    Returns
    -------
    pandas.DataFrame with columns alpha, n_train, method, theory_mse, c, theta_drawn, gamma
    (``theta_drawn``: mean squared spike amplitude ``mean(xi^2)``).
    """
    if ridge_convention not in ("mean", "sum"):
        raise ValueError(f"ridge_convention={ridge_convention!r}: expected 'mean' or 'sum'")
    bad = [m for m in methods if m not in NETWORK_METHODS]
    if bad or not methods:
        raise ValueError(f"methods={list(methods)!r}: expected names among {NETWORK_METHODS}")
    d = W1.shape[1]
    sizes = np.array([max(1, round(a * d)) for a in alphas])
    ridges = ridge * sizes if ridge_convention == "mean" else np.full(sizes.size, float(ridge))
    beta = np.asarray(beta, dtype=np.float64)
    parts = {"rf_post": decompose_spike(W1, h_hat, beta, common_shift=second_layer == "constant")}
    c0 = float(np.sum(np.asarray(W0, dtype=np.float64) ** 2) / W0.shape[0])
    parts["rf_init"] = {"c": c0, "theta": 0.0, "gamma": 1.0, "W0": W0 / math.sqrt(c0),
                        "xi": np.zeros(W0.shape[0]), "u": beta, "beta_perp": _orthogonal_unit(beta)}
    rows = []
    for method in methods:
        p = parts[method]
        errors = srf_error_neurons(alpha=sizes / d, ridge=ridges, student=student,
                                   teacher=teacher, tau=tau, n_kappa=n_kappa, **p)
        theta_drawn = float(p["theta"] * np.mean(p["xi"] ** 2))
        rows += [{"alpha": float(a), "n_train": int(n), "method": method, "theory_mse": float(e),
                  "c": p["c"], "theta_drawn": theta_drawn, "gamma": p["gamma"]}
                 for a, n, e in zip(alphas, sizes, errors, strict=True)]
    return pd.DataFrame(rows)
