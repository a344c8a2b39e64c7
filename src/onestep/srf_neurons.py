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
                      tau=0.0, n_kappa=16, damping=0.0, tol=1e-10, max_iter=5000,
                      solver="auto"):
    """Finite-d matrix form for a per-neuron spike ``w_i = sqrt(c) w0_i + sqrt(theta) xi_i u``.

    Covers any second-layer law (``xi_i = sqrt(N) a_i``; Gaussian: the spiked covariance), with the
    drawn directions. Conditional on ``kappa`` the row covariance is ``C(kappa) = D1 Omega D1 +
    D2^2`` (``D_k = diag(mu_k(sqrt(theta) xi_i kappa))``, ``Omega = c W0 P W0^T``): ``V(kappa)``
    is iterated on a Gauss-Hermite grid, the mean part is one N x N solve and the error one
    ``n_kappa`` x ``n_kappa`` solve (docs/srf.md section 3b). Cost O(n_kappa N^3) per alpha; sum
    ridge. When every ``xi_i`` is equal (``theta xi = 0`` included) the ``D_k`` are multiples of
    the identity and everything is diagonal in the eigenbasis of ``Omega``: one O(N^3)
    eigendecomposition serves every alpha (``solver='eigen'``, same formulas).

    Parameters
    ----------
    alpha : array_like of shape (n_alpha,)
    ridge : float or array_like of shape (n_alpha,)
        Sum-convention ridge, one per alpha or shared (``mean`` convention: ``alpha d lambda``).
    c, theta, gamma, student, teacher, tau : as in :func:`srf_error` (``sum`` convention)
    W0 : ndarray of shape (N, d)
    xi : ndarray of shape (N,)
        Spike amplitude of each neuron (ones: the common shift of :func:`srf_error`).
    u, beta_perp : ndarray of shape (d,)
        Unit spike direction and unit teacher direction orthogonal to it.
    solver : {'auto', 'dense', 'eigen'}, optional
        ``auto``: ``eigen`` when the ``xi_i`` are all equal (or ``theta = 0``), else ``dense``.

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
    alphas = np.atleast_1d(np.asarray(alpha, dtype=np.float64))
    ridges = np.broadcast_to(np.asarray(ridge, dtype=np.float64), alphas.shape)
    for al, rg in zip(alphas, ridges, strict=True):  # raise naming the bad argument
        check_number("alpha", al, strict=True)
        check_number("ridge", rg)
    c = check_number("c", c, strict=True)
    theta = check_number("theta", theta)
    gamma, tau = check_number("gamma", gamma, high=1.0), check_number("tau", tau)
    uniform = theta == 0.0 or np.ptp(xi) == 0.0
    if solver not in ("auto", "dense", "eigen") or (solver == "eigen" and not uniform):
        raise ValueError(f"solver={solver!r}: expected 'auto', 'dense', or 'eigen' (equal xi only)")
    A = math.sqrt(c) * W0
    a, b = A @ u, A @ bp
    Om = (A - np.outer(a, u)) @ (A - np.outer(a, u)).T
    z, w = hermite_gauss(n_kappa)
    mu = conditional_coefficients(student, c=c, shifts=math.sqrt(theta) * np.outer(z, xi).ravel())
    mu0, mu1, mu2 = (m.reshape(n_kappa, N) for m in mu)
    h, h1, h2 = teacher_conditional_moments(as_activation(teacher, key="teacher"), gamma, z, 64)
    M, MB = mu0 + mu1 * a * z[:, None], mu1 * b  # mean vectors, teacher-direction vectors
    teacher_terms = (h, h1, h2 + tau**2)
    if solver == "dense" or not uniform:
        solve = lambda rho, lam: _dense(rho, lam, Om, mu1, mu2, M, MB, w, teacher_terms,  # noqa: E731
                                        (damping, tol, max_iter))
    else:
        omega, Q = np.linalg.eigh(Om)
        omega = np.clip(omega, 0.0, None)  # a Gram matrix: round-off negatives only
        solve = lambda rho, lam: _eigen(rho, lam, omega, mu1[:, 0], mu2[:, 0], M @ Q, MB @ Q,  # noqa: E731
                                        w, teacher_terms, (damping, tol, max_iter))
    out = []
    for al, lam in zip(alphas, ridges, strict=True):
        try:
            out.append(solve(al * d / N, lam))
        except RuntimeError as err:
            raise RuntimeError(f"{err} at alpha={al}, ridge={lam}, c={c}, theta={theta}, "
                               f"gamma={gamma}") from None
    return np.array(out)


def _iterate(update, n_kappa, damping, tol, max_iter):
    """Damped fixed point ``V = update(V)`` from ``V = 1`` with a relative tolerance.

    The damping starts at ``damping`` and moves halfway to 1 whenever the residual grows (an
    undamped step usually converges in ~15 iterations here; the safeguard keeps it stable).
    """
    V, last = np.ones(n_kappa), np.inf
    for _ in range(max_iter):
        new = update(V)
        err = np.max(np.abs(new / V - 1))
        if err > last:
            damping = (1 + damping) / 2
        V, last = damping * V + (1 - damping) * new, err
        if err < tol:
            return V
    raise RuntimeError(f"V(kappa) did not converge in max_iter={max_iter} iterations")


def _dense(rho, ridge, Om, mu1, mu2, M, MB, w, teacher_terms, iteration):
    """Test error at one alpha, general per-neuron ``xi`` (N x N matrices)."""
    N, (h, h1, h2) = Om.shape[0], teacher_terms

    def hessian(V):
        wp = w / (1 + V)
        return ridge * np.eye(N) + rho * (Om * ((mu1.T * wp) @ mu1) + np.diag(wp @ mu2**2))

    def update(V):
        Si = np.linalg.inv(hessian(V))
        return (np.einsum("ki,ij,kj->k", mu1, Om * Si, mu1, optimize=True)
                + mu2**2 @ np.diag(Si)) / N

    V = _iterate(update, w.size, *iteration)
    wp, S = w / (1 + V), hessian(V)
    Si = np.linalg.inv(S)
    wt = np.linalg.solve(S + rho * (M.T * wp) @ M, rho * (M.T @ (wp * h) + MB.T @ (wp * h1)))
    fbar, psi = M @ wt, MB @ wt
    q_det = np.einsum("ki,ij,kj->k", mu1 * wt, Om, mu1 * wt, optimize=True) + mu2**2 @ wt**2
    B = np.stack([(mu1[k][:, None] * Om * mu1[k]) @ Si + (mu2[k] ** 2)[:, None] * Si
                  for k in range(w.size)])  # C_k S^-1
    T = np.einsum("kij,lji->kl", B, B, optimize=True) / N
    base = h2 - 2 * h * fbar + fbar**2 - 2 * psi * h1 + q_det
    E = np.linalg.solve(np.eye(w.size) - T * (rho * w / (1 + V) ** 2), base)
    return float(w @ E)


def _eigen(rho, ridge, omega, m1, m2, Mq, MBq, w, teacher_terms, iteration):
    """:func:`_dense` when ``D_k = m_k I``: diagonal in the eigenbasis of Omega (``Mq = M Q``)."""
    N, (h, h1, h2) = omega.size, teacher_terms

    def spectrum(V):  # eigenvalues of the Hessian S
        wp = w / (1 + V)
        return ridge + rho * (omega * (wp @ m1**2) + wp @ m2**2)

    def update(V):
        s = spectrum(V)
        return (m1**2 * np.sum(omega / s) + m2**2 * np.sum(1 / s)) / N

    V = _iterate(update, w.size, *iteration)
    wp, s = w / (1 + V), spectrum(V)
    # (diag(s) + rho Mq^T diag(wp) Mq)^-1 r by Woodbury: one n_kappa x n_kappa solve
    r = rho * (Mq.T @ (wp * h) + MBq.T @ (wp * h1))
    small = np.diag(1 / (rho * wp)) + (Mq / s) @ Mq.T
    wt = r / s - (Mq.T @ np.linalg.solve(small, Mq @ (r / s))) / s
    fbar, psi = Mq @ wt, MBq @ wt
    q_det = m1**2 * (omega @ wt**2) + m2**2 * (wt @ wt)
    C = np.outer(m1**2, omega) + (m2**2)[:, None]  # eigenvalues of C_k
    T = (C / s) @ (C / s).T / N
    base = h2 - 2 * h * fbar + fbar**2 - 2 * psi * h1 + q_det
    E = np.linalg.solve(np.eye(w.size) - T * (rho * w / (1 + V) ** 2), base)
    return float(w @ E)
