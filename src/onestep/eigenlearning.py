"""Kernel ridge test error from a population spectrum ("eigenlearning", docs/THEORY.md section 5).

The omniscient risk estimate of Jacot et al. 2020 (arXiv:2006.05800), Canatar et al. 2021
(arXiv:2006.13198) and Simon et al. 2021 ("eigenlearning", arXiv:2110.03922). The kernel's
population eigenvalues ``lambda_i`` (w.r.t. the input law) come with multiplicities ``m_i``; the
target has power ``v_i^2`` on eigenspace ``i`` (summed over its ``m_i`` eigenfunctions). Kernel
ridge uses ``f = k(x, X) (K + n lambda I)^{-1} y`` as in :func:`onestep.ridge.kernel_ridge`, so
the ridge enters as ``delta = n * ridge``. With ``T`` the tail trace, the effective
regularisation ``kappa > 0`` solves

    n = sum_i m_i L_i + (n ridge + T) / kappa,        L_i = lambda_i / (lambda_i + kappa)

and, with ``r`` the residual (unlearnable) target power and ``sigma^2`` the label-noise variance,

    E0       = n / (n - sum_i m_i L_i^2) = n / ((n ridge + T)/kappa + sum_i m_i L_i (1 - L_i))
    test_mse = E0 * (sum_i (1 - L_i)^2 v_i^2 + r + sigma^2)      (against noisy test labels)
    excess   = test_mse - sigma^2                               (against the noiseless target)

(the second form of E0 uses the kappa equation and avoids cancellation near interpolation).

Tail trace. Eigenvalues far below ``kappa`` that are not listed (e.g. the high-degree sectors of an
inner-product kernel) contribute ``sum_tail lambda_j / (lambda_j + kappa) ~ T / kappa`` to the
kappa equation, ``T = sum_tail lambda_j``, and negligible ``L_j^2`` to E0. Equivalently, on the
Gram matrix the tail part is ``~ T I_n`` (diagonal ``k_tail(x, x)``, off-diagonal entries of order
``T / sqrt(n_tail)``), so it acts as an extra ridge ``n ridge -> n ridge + T``. Target power on the
tail is not learned (``L_j ~ 0``): pass it as ``residual_power``; it then behaves like label noise.

Approximations and validity. The derivation replaces the eigenfunction features by Gaussian
variables with matching covariance (Gaussian universality) and keeps leading order in ``1/n``:
valid when ``n`` and the number of modes with ``L_i`` not close to 0 or 1 are large; relative
errors are ``O(1/n)`` on average (individual draws also fluctuate by ``O(1/sqrt(n))``). It can
fail for strongly non-Gaussian eigenfunctions at small multiplicity (e.g. a single isolated
spike-aligned mode learned from few samples), for ``n`` comparable to the dimension of a
degenerate sector of a non-linear kernel (the sector is then only partly resolved and its
eigenfunctions are far from Gaussian), when the tail is not small compared to ``kappa``, and in the
ridgeless limit near ``n = sum_i m_i`` where ``E0`` diverges and fluctuations dominate. With zero
ridge and zero tail and ``sum_i m_i < n`` the solution is ``kappa = 0``, ``L_i = 1`` and
``E0 = n / (n - sum_i m_i)``; at ``sum_i m_i = n`` the result is ``inf``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import brentq

__all__ = ["EigenlearningResult", "eigenlearning_risk", "solve_kappa"]


@dataclass(frozen=True)
class EigenlearningResult:
    """Eigenlearning prediction on a grid of ``(n_train, ridge)`` values (broadcast shape ``S``).

    Attributes
    ----------
    n_train, ridge : ndarray of shape S
    kappa : ndarray of shape S
        Effective regularisation.
    e0 : ndarray of shape S
        Overfitting coefficient ``n / (n - sum m L^2)``.
    test_mse : ndarray of shape S
        Error against noisy test labels.
    excess_mse : ndarray of shape S
        Error against the noiseless target, ``test_mse - noise_var``.
    learnabilities : ndarray of shape S + (n_eig,)
        ``L_i = lambda_i / (lambda_i + kappa)``.
    """

    n_train: np.ndarray
    ridge: np.ndarray
    kappa: np.ndarray
    e0: np.ndarray
    test_mse: np.ndarray
    excess_mse: np.ndarray
    learnabilities: np.ndarray

    def as_dict(self) -> dict:
        return dict(self.__dict__)


def _nonneg(value, name: str) -> float:
    value = float(value)
    if not np.isfinite(value) or value < 0:
        raise ValueError(f"{name}={value!r}: expected a finite value >= 0")
    return value


def _spectrum(eigenvalues, multiplicities, target_power):
    lam = np.atleast_1d(np.asarray(eigenvalues, dtype=np.float64))
    if lam.ndim != 1 or lam.size == 0 or not np.all(np.isfinite(lam)) or np.any(lam < 0):
        raise ValueError(f"eigenvalues={eigenvalues!r}: expected a non-empty 1-D array >= 0")
    out = [lam]
    for name, value in (("multiplicities", multiplicities), ("target_power", target_power)):
        arr = np.atleast_1d(np.asarray(value, dtype=np.float64))
        if arr.shape != lam.shape:
            raise ValueError(f"{name}: shape {arr.shape} does not match eigenvalues {lam.shape}")
        if not np.all(np.isfinite(arr)) or np.any(arr < 0):
            raise ValueError(f"{name}={value!r}: expected finite values >= 0")
        out.append(arr)
    return out


def solve_kappa(eigenvalues, multiplicities, *, n_train: float, delta: float) -> float:
    """Root ``kappa >= 0`` of ``sum_i m_i lambda_i / (lambda_i + kappa) + delta / kappa = n``.

    ``delta = n ridge + tail_trace``. The left side decreases strictly in ``kappa``. Bracket:
    ``sum_i m_i lambda_i/(lambda_i + kappa)`` lies between 0 and ``tr / kappa`` (``tr = sum m
    lambda``), so the root lies in ``[delta / n, (tr + delta) / n]``. If ``delta = 0`` the root
    exists iff ``M = sum m_i > n`` (else ``kappa = 0``); every term is at least ``m_i lambda_min /
    (lambda_min + kappa)``, so ``kappa_lo = lambda_min (M - n) / (2 n)`` gives a positive side.

    Parameters
    ----------
    eigenvalues, multiplicities : ndarray of shape (n_eig,)
        Validated (non-negative); entries with zero eigenvalue or multiplicity are ignored.
    n_train, delta : float
        ``n > 0`` and ``delta >= 0``.

    Returns
    -------
    float
    """
    active = (eigenvalues > 0) & (multiplicities > 0)
    lam, mult = eigenvalues[active], multiplicities[active]
    n = float(n_train)

    def excess(kappa: float) -> float:
        return float(np.sum(mult * lam / (lam + kappa))) + delta / kappa - n

    hi = (float(np.sum(mult * lam)) + delta) / n
    if delta > 0:
        lo = delta / n
    else:
        total = float(np.sum(mult))
        if total <= n:
            return 0.0
        lo = float(lam.min()) * (total - n) / (2.0 * n)
    if hi <= lo:  # no listed modes: kappa = delta / n exactly
        return lo
    return brentq(excess, lo, hi, xtol=1e-300, rtol=4 * np.finfo(np.float64).eps, maxiter=500)


def eigenlearning_risk(
    *,
    eigenvalues,
    multiplicities,
    target_power,
    n_train,
    ridge,
    noise_var: float = 0.0,
    residual_power: float = 0.0,
    tail_trace: float = 0.0,
) -> EigenlearningResult:
    """Predicted kernel ridge test error from a population spectrum (see module docstring).

    Parameters
    ----------
    eigenvalues : array_like of shape (n_eig,)
        Distinct population eigenvalues ``lambda_i >= 0`` of the kernel operator.
    multiplicities : array_like of shape (n_eig,)
        ``m_i >= 0`` (may be huge, e.g. ``d^2 / 2``; need not be integers).
    target_power : array_like of shape (n_eig,)
        ``v_i^2``: squared norm of the target's projection on eigenspace ``i``.
    n_train : array_like of shape S1
        Training-set sizes ``n > 0``.
    ridge : array_like of shape S2
        ``lambda >= 0`` in the ``K + n lambda I`` convention; broadcast with ``n_train``.
    noise_var : float, optional
        Label-noise variance ``sigma^2`` (on training and test labels).
    residual_power : float, optional
        Target power outside the listed eigenspaces (not learned; acts like noise).
    tail_trace : float, optional
        Sum of the unlisted eigenvalues; acts as the extra ridge ``n ridge -> n ridge + T``.

    Returns
    -------
    EigenlearningResult
        Arrays of shape ``S = broadcast(S1, S2)``; learnabilities of shape ``S + (n_eig,)``.
    """
    lam, mult, power = _spectrum(eigenvalues, multiplicities, target_power)
    noise = _nonneg(noise_var, "noise_var")
    resid = _nonneg(residual_power, "residual_power")
    tail = _nonneg(tail_trace, "tail_trace")
    n_arr = np.asarray(n_train, dtype=np.float64)
    ridge_arr = np.asarray(ridge, dtype=np.float64)
    if not np.all(np.isfinite(n_arr)) or np.any(n_arr <= 0):
        raise ValueError(f"n_train={n_train!r}: expected finite values > 0")
    if not np.all(np.isfinite(ridge_arr)) or np.any(ridge_arr < 0):
        raise ValueError(f"ridge={ridge!r}: expected finite values >= 0")
    n_arr, ridge_arr = np.broadcast_arrays(n_arr, ridge_arr)
    shape = n_arr.shape

    kappa, e0 = np.empty(shape), np.empty(shape)
    bias = np.empty(shape)
    learn = np.empty(shape + lam.shape)
    for idx in np.ndindex(shape):
        n, delta = float(n_arr[idx]), float(n_arr[idx] * ridge_arr[idx]) + tail
        k = solve_kappa(lam, mult, n_train=n, delta=delta)
        if k > 0:
            L = lam / (lam + k)
            one_minus = k / (lam + k)  # 1 - L without cancellation
            dof_gap = delta / k + float(np.sum(mult * L * one_minus))  # = n - sum m L^2
        else:  # ridgeless, under-parameterised: every listed mode is interpolated exactly
            L = (lam > 0).astype(np.float64)
            one_minus = 1.0 - L
            dof_gap = n - float(np.sum(mult * L))
        kappa[idx], learn[idx] = k, L
        e0[idx] = n / dof_gap if dof_gap > 0 else np.inf
        bias[idx] = float(np.sum(one_minus**2 * power))
    numer = bias + resid + noise
    # At the interpolation threshold (E0 = inf) a target with no error left stays at zero error.
    test = np.multiply(e0, numer, out=np.zeros(shape), where=numer > 0)
    return EigenlearningResult(
        n_train=n_arr.copy(),
        ridge=ridge_arr.copy(),
        kappa=kappa,
        e0=e0,
        test_mse=test,
        excess_mse=test - noise,
        learnabilities=learn,
    )
