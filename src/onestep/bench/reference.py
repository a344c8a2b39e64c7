"""A plain-NumPy reference of the Cui et al. protocol, written from docs/cui2024.md section 2.

Independent of the pipeline on purpose: it imports nothing from :mod:`onestep`, draws its own data,
uses ``np.tanh`` and its derivative by hand, the gradient formula quoted from their notebook and
their readout ``np.linalg.inv(F^T F + lamb I) @ F^T @ y`` with ``F = tanh(Z W1^T) / sqrt(p)`` (the
``sum`` ridge convention), a fresh training *and* test set for every alpha, ``n = int(alpha d)``.
Teacher ``y = tanh(x_1)`` (their ``theta_star = e_1``), x ~ N(0, I_d), W0 rows uniform on the unit
sphere, ``a = 1/sqrt(p)``, ``W1 = W0 + eta sqrt(p) G^T`` with ``eta = eta_tilde sqrt(p)``.
float64 throughout.
"""

from __future__ import annotations

import numpy as np

__all__ = ["reference_step", "reference_readout", "reference_protocol"]


def _fprime(z):
    return 1.0 - np.tanh(z) ** 2


def reference_step(*, d: int, p: int, n0: int, eta_tilde: float, rng) -> np.ndarray:
    """Post-step first layer W1, shape (p, d), of their notebook's single large step."""
    W0 = rng.standard_normal((p, d)) / np.sqrt(d)
    W0 = (W0.T / np.linalg.norm(W0, axis=1)).T
    a0 = np.ones(p) / np.sqrt(p)
    Z = rng.standard_normal((n0, d))
    Y = np.tanh(Z[:, 0])
    pre = Z @ W0.T
    f = np.tanh(pre) @ a0 / np.sqrt(p)
    G = 1 / n0 * Z.T @ (1 / np.sqrt(p) * np.outer(Y - f, a0) * _fprime(pre))  # (d, p)
    eta = eta_tilde * np.sqrt(p)
    return W0 + eta * np.sqrt(p) * G.T


def reference_readout(W1, Z, Y, Ztest, Ytest, *, lamb: float) -> float:
    """Test MSE of their ridge readout on post-step features, for given data."""
    p = W1.shape[0]
    X = np.tanh(Z @ W1.T) / np.sqrt(p)
    w = np.linalg.inv(X.T @ X + lamb * np.identity(p)) @ X.T @ Y
    yhat = np.tanh(Ztest @ W1.T) / np.sqrt(p) @ w
    return float(np.mean((Ytest - yhat) ** 2))


def reference_protocol(*, d: int, p: int, alpha0: float, eta_tilde: float, lamb: float, alphas,
                       n_test: int, seed: int) -> list[float]:
    """One step, then for each alpha fresh data and the ridge readout: test MSE per alpha."""
    rng = np.random.default_rng(seed)
    W1 = reference_step(d=d, p=p, n0=int(alpha0 * d), eta_tilde=eta_tilde, rng=rng)
    errors = []
    for alpha in alphas:
        n = int(alpha * d)
        Z, Ztest = rng.standard_normal((n, d)), rng.standard_normal((n_test, d))
        errors.append(reference_readout(W1, Z, np.tanh(Z[:, 0]), Ztest, np.tanh(Ztest[:, 0]),
                                        lamb=lamb))
    return errors
