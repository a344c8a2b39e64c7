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

from .eigenlearning import eigenlearning_risk
from .kernels.sectors import sector_spectrum, target_sector_power

__all__ = ["KERNEL_METHODS", "kernel_theory_curve"]

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
