"""Deterministic equivalent for a per-neuron spike (any second-layer law), finite d only.

``w_i = sqrt(c) w0_i + sqrt(theta) xi_i u`` with the drawn ``W0`` and ``xi_i = sqrt(N) a_i``;
the common-shift case ``xi = 1`` is :func:`onestep.srf.srf_error`. Derivation: docs/srf.md
section 3b. float64.
"""

from __future__ import annotations

import math

import numpy as np

from .activations import as_activation
from .quadrature import hermite_gauss
from .srf import check_number, conditional_coefficients, teacher_conditional_moments

__all__ = ["srf_error_neurons"]


def srf_error_neurons(*, alpha, ridge, c, theta, gamma, student, teacher, W0, xi, u, beta_perp,
                      tau=0.0, n_kappa=16, damping=0.5, tol=1e-10, max_iter=5000):
    """Finite-d matrix form for a per-neuron spike ``w_i = sqrt(c) w0_i + sqrt(theta) xi_i u``.

    Covers any second-layer law (``xi_i = sqrt(N) a_i``; Gaussian: the spiked covariance), with the
    drawn directions. Conditional on ``kappa`` the row covariance is ``C(kappa) = D1 Omega D1 +
    D2^2`` (``D_k = diag(mu_k(sqrt(theta) xi_i kappa))``, ``Omega = c W0 P W0^T``): ``V(kappa)``
    is iterated on a Gauss-Hermite grid, the mean part is one N x N solve and the error one
    ``n_kappa`` x ``n_kappa`` solve (docs/srf.md section 3b). Cost O(n_kappa N^3); sum ridge.

    Parameters
    ----------
    alpha : array_like of shape (n_alpha,)
    ridge, c, theta, gamma, student, teacher, tau : as in :func:`srf_error` (``sum`` convention)
    W0 : ndarray of shape (N, d)
    xi : ndarray of shape (N,)
        Spike amplitude of each neuron (ones: the common shift of :func:`srf_error`).
    u, beta_perp : ndarray of shape (d,)
        Unit spike direction and unit teacher direction orthogonal to it.

    Returns
    -------
    ndarray of shape (n_alpha,), test errors
    """
    W0 = np.asarray(W0, dtype=np.float64)
    N, d = W0.shape
    xi, u, bp = (np.asarray(v, dtype=np.float64) for v in (xi, u, beta_perp))
    for name, arr, size in (("xi", xi, N), ("u", u, d), ("beta_perp", bp, d)):
        if arr.shape != (size,):
            raise ValueError(f"{name}: expected shape ({size},), got {arr.shape}")
    ridge, c = check_number("ridge", ridge), check_number("c", c, strict=True)
    theta = check_number("theta", theta)
    gamma, tau = check_number("gamma", gamma, high=1.0), check_number("tau", tau)
    A = math.sqrt(c) * W0
    a, b = A @ u, A @ bp
    Om = (A - np.outer(a, u)) @ (A - np.outer(a, u)).T
    z, w = hermite_gauss(n_kappa)
    mu = conditional_coefficients(student, c=c, shifts=math.sqrt(theta) * np.outer(z, xi).ravel())
    mu0, mu1, mu2 = (m.reshape(n_kappa, N) for m in mu)
    h, h1, h2 = teacher_conditional_moments(as_activation(teacher, key="teacher"), gamma, z, 64)
    M, MB = mu0 + mu1 * a * z[:, None], mu1 * b  # mean vectors, teacher-direction vectors
    out = []
    for al in np.atleast_1d(alpha):
        rho = check_number("alpha", al, strict=True) * d / N
        V = np.ones(n_kappa)
        for _ in range(max_iter):
            wp = w / (1 + V)
            Si = np.linalg.inv(ridge * np.eye(N) + rho * (Om * ((mu1.T * wp) @ mu1)
                                                          + np.diag(wp @ mu2**2)))
            new = (np.einsum("ki,ij,kj->k", mu1, Om * Si, mu1, optimize=True)
                   + mu2**2 @ np.diag(Si)) / N
            err, V = np.max(np.abs(new / V - 1)), damping * V + (1 - damping) * new
            if err < tol:
                break
        else:
            raise RuntimeError(f"V(kappa) did not converge in max_iter={max_iter} iterations at "
                               f"alpha={al}, ridge={ridge}, c={c}, theta={theta}, gamma={gamma}")
        wp = w / (1 + V)
        S = ridge * np.eye(N) + rho * (Om * ((mu1.T * wp) @ mu1) + np.diag(wp @ mu2**2))
        Si = np.linalg.inv(S)
        wt = np.linalg.solve(S + rho * (M.T * wp) @ M, rho * (M.T @ (wp * h) + MB.T @ (wp * h1)))
        fbar, psi = M @ wt, MB @ wt
        q_det = np.einsum("ki,ij,kj->k", mu1 * wt, Om, mu1 * wt, optimize=True) + mu2**2 @ wt**2
        B = np.stack([(mu1[k][:, None] * Om * mu1[k]) @ Si + (mu2[k] ** 2)[:, None] * Si
                      for k in range(n_kappa)])  # C_k S^-1
        T = np.einsum("kij,lji->kl", B, B, optimize=True) / N
        base = h2 + tau**2 - 2 * h * fbar + fbar**2 - 2 * psi * h1 + q_det
        E = np.linalg.solve(np.eye(n_kappa) - T * (rho * w / (1 + V) ** 2), base)
        out.append(float(w @ E))
    return np.array(out)
