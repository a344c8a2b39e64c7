"""Predicted KRR learning curves from the exact population spectrum (docs/THEORY.md section 5).

The kernel's spectrum in sectors l = 0, 1, 2 comes from
:func:`onestep.kernels.sectors.sector_spectrum`;
the target ``s*(<beta, x>)`` with ``|<beta, u>| = gamma`` is decomposed on those eigenspaces by
:func:`onestep.kernels.sectors.target_sector_power`. The eigenlearning equations
(:mod:`onestep.eigenlearning`) then give the test MSE, with the unlisted part of the target treated
as noise and the unlisted trace (sectors l >= 3, O(d^-3) eigenvalues with O(d^3) multiplicity) as
an extra ridge. Assumptions: Gaussian universality of the kernel features and n, d large; they fail
where a few isolated eigenfunctions (the spike's modes) are learned from very few samples, so the
prediction is least reliable at small alpha.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .activations import get_activation
from .eigenlearning import eigenlearning_risk
from .hermite import hermite_coefficients
from .kernels.sectors import sector_spectrum, target_sector_power
from .ridge import population_linear_mse

__all__ = ["KERNEL_METHODS", "kernel_theory_curve", "linear_ridge_theory"]

KERNEL_METHODS = ("krr_k1", "krr_k0", "krr_beta")


def kernel_theory_curve(*, student, teacher, d, c, theta, gamma, tau, alphas, ridge,
                        ridge_convention="mean", quadrature=None, methods=KERNEL_METHODS
                        ) -> pd.DataFrame:
    """Eigenlearning test MSE of KRR with k1, k0 and the beta-spiked kernel against alpha.

    Parameters
    ----------
    student, teacher : str
        Activation of the kernel and of the target.
    d : int
    c, theta, gamma : float
        Spiked covariance ``(c/d) I + theta u u^T`` and the target alignment ``|<beta, u>|``.
    tau : float
        Label-noise standard deviation.
    alphas : array_like of shape (n_alpha,)
        ``n_train / d``.
    ridge : float
    ridge_convention : {'mean', 'sum'}, optional
        As in :func:`onestep.curves.learning_curve`.
    quadrature : dict, optional
        ``n_kappa``, ``n_r``, ``n_t`` for :func:`onestep.kernels.sectors.sector_spectrum`.
    methods : sequence of str, optional
        The kernels to predict, a subset of :data:`KERNEL_METHODS` (default: all three); names
        of other methods (e.g. ``learning.methods`` in full) are ignored, and none gives an empty
        table with the same columns.

    Returns
    -------
    pandas.DataFrame with columns method, alpha, n_train, test_mse, kappa.
    """
    n_train = np.asarray(alphas, dtype=np.float64) * d
    lam = np.full_like(n_train, ridge) if ridge_convention == "mean" else ridge / n_train
    spikes = {"krr_k1": (c, theta, gamma), "krr_k0": (1.0, 0.0, 1.0),
              "krr_beta": (c, theta, 1.0)}
    frames = [pd.DataFrame(columns=["method", "alpha", "n_train", "test_mse", "kappa"])]
    for method, (c_k, theta_k, gamma_k) in spikes.items():
        if method not in methods:
            continue
        spectrum = sector_spectrum(activation=student, d=d, c=c_k, theta=theta_k,
                                   **(quadrature or {}))
        target = target_sector_power(result=spectrum, teacher=teacher, gamma=gamma_k)
        degrees = sorted(spectrum.eigenvalues)
        result = eigenlearning_risk(
            eigenvalues=np.concatenate([spectrum.eigenvalues[k] for k in degrees]),
            multiplicities=np.concatenate([np.full(spectrum.eigenvalues[k].size,
                                                   spectrum.multiplicity[k]) for k in degrees]),
            target_power=np.concatenate([target.power[k] for k in degrees]),
            n_train=n_train, ridge=lam, noise_var=tau**2,
            residual_power=max(target.residual, 0.0), tail_trace=max(spectrum.tail_trace(), 0.0),
        )
        frames.append(pd.DataFrame({"method": method, "alpha": np.asarray(alphas, dtype=float),
                                    "n_train": n_train, "test_mse": result.test_mse,
                                    "kappa": result.kappa}))
    if len(frames) == 1:
        return frames[0].astype({"method": str, "alpha": float, "n_train": float,
                                 "test_mse": float, "kappa": float})
    return pd.concat(frames[1:], ignore_index=True)


def linear_ridge_theory(*, teacher, tau, d, alphas, ridge, ridge_convention="mean",
                        fit_intercept=True) -> pd.DataFrame:
    """Test MSE of ridge on the raw inputs (method ``linear``), Gaussian design, n, d -> infinity.

    The labels are ``mu*_0 + mu*_1 <beta, x> + e`` with ``e`` uncorrelated with ``x`` and of
    variance ``sigma^2`` (the population linear error). With ``g = d / n`` and the
    Marchenko-Pastur Stieltjes transform ``m = m(-lambda)`` of ``X^T X / n``,

        test MSE = sigma^2 + lambda^2 mu*_1^2 m' + sigma^2 g (m - lambda m')

    (bias and variance, docs/THEORY.md section 5.7); the fitted intercept adds the leading
    ``1/n`` factor ``(1 + 1/n)``. float64.

    Parameters
    ----------
    teacher : str
    tau : float
    d : int
    alphas : array_like of shape (n_alpha,)
        ``n_train / d``; evaluated at ``n = alpha d``.
    ridge : float
        ``lambda > 0`` in ``ridge_convention`` ({'mean', 'sum'}).
    fit_intercept : bool, optional

    Returns
    -------
    pandas.DataFrame with columns method ('linear'), alpha, n_train, test_mse.
    """
    if not ridge > 0 or ridge_convention not in ("mean", "sum"):
        raise ValueError(f"ridge={ridge!r}, ridge_convention={ridge_convention!r}: expected "
                         "ridge > 0 and 'mean' or 'sum'")
    act = get_activation(teacher, key="teacher")
    mu1 = hermite_coefficients(act, 1)[1]
    noise = population_linear_mse(teacher=teacher, tau=tau, fit_intercept=True)
    n = np.asarray(alphas, dtype=np.float64) * d
    lam = np.full_like(n, ridge) if ridge_convention == "mean" else ridge / n
    g = d / n
    b = 1 - g + lam
    root = np.sqrt(b**2 + 4 * g * lam)
    # positive root of g lam m^2 + b m - 1 = 0, in the form without cancellation for either sign
    m = np.where(b >= 0, 2 / (b + root), (root - b) / (2 * g * lam))
    dm = (g * m**2 + m) / (2 * g * lam * m + b)  # m'(z) at z = -lambda
    mse = noise + lam**2 * mu1**2 * dm + noise * g * (m - lam * dm)
    if fit_intercept:
        mse = mse * (1 + 1 / n)
    return pd.DataFrame({"method": "linear", "alpha": np.asarray(alphas, dtype=float),
                         "n_train": n, "test_mse": mse})
