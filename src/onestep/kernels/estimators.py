"""Finite-sample estimators of kernel eigenvalues and eigenfunctions (docs/THEORY.md section 4).

- :func:`gram_top_eigenpairs`: top eigenpairs of ``K/m`` on ``m`` samples
  (:func:`onestep.linalg.top_eigenpairs`).
- :func:`rayleigh_quotient`: U-statistic Rayleigh quotient of a candidate eigenfunction, without
  the diagonal bias, with an optional control variate and a delete-one jackknife standard error.
- :func:`candidate_functions`, :func:`eigenvector_overlaps`: unit candidates (constant, radial R,
  kappa, He2(kappa), ...) and their cosines with Gram eigenvectors.
- :func:`outlier_statistics`: where a Gram eigenvalue separates from the Marchenko-Pastur bulk
  (BBP condition ``s < 1``) and its predicted shift. ``K/m`` has the non-zero spectrum of a sample
  covariance of the features with population eigenvalues ``lambda_j`` (multiplicity ``M_j``). A
  multiplicity-1 eigenvalue separates when ``s = (1/m) sum_{j != k} M_j lambda_j^2 /
  (lambda_k - lambda_j)^2 < 1``; its sample eigenvalue is then ``lambda_k (1 + shift)``, ``shift =
  (1/m) sum_j M_j lambda_j / (lambda_k - lambda_j)``, and its eigenvector's squared cosine with the
  eigenfunction ``~ (1 - s)/(1 + shift)`` (Bai-Yao 2012, Paul 2007).
float64 throughout.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..linalg import top_eigenpairs
from .sectors import SectorSpectrum

__all__ = ["RayleighEstimate", "gram_top_eigenpairs", "candidate_functions",
           "eigenvector_overlaps", "rayleigh_quotient", "outlier_statistics"]


def gram_top_eigenpairs(K, *, n_eigs: int, method: str = "auto") -> tuple[np.ndarray, np.ndarray]:
    """Top eigenpairs of ``K / m`` (``K`` symmetric, shape (m, m)), descending
    (:func:`onestep.linalg.top_eigenpairs`; ``method`` as there).

    Returns
    -------
    eigenvalues : ndarray of shape (n_eigs,)
    eigenvectors : ndarray of shape (m, n_eigs)
        Unit-norm columns.
    """
    K = np.asarray(K, dtype=np.float64)
    if K.ndim != 2 or K.shape[0] != K.shape[1]:
        raise ValueError(f"K: expected a square matrix, got shape {K.shape}")
    m = K.shape[0]
    if isinstance(n_eigs, bool) or not isinstance(n_eigs, int | np.integer) \
            or not 1 <= n_eigs <= m:
        raise ValueError(f"n_eigs={n_eigs!r}: expected 1 <= n_eigs <= m = {m}")
    return top_eigenpairs(K / m, int(n_eigs), method=method)


def _orthonormal_extra(fixed: np.ndarray, n_extra: int, rng) -> np.ndarray:
    """``n_extra`` random unit vectors orthogonal to the columns of ``fixed`` and each other."""
    q, _ = np.linalg.qr(np.column_stack([fixed, rng.standard_normal((fixed.shape[0], n_extra))]))
    return q[:, fixed.shape[1]:].T


def candidate_functions(X, *, direction, beta, rng: np.random.Generator) -> dict:
    """Unit-variance (under ``x ~ N(0, I)``) candidate eigenfunctions evaluated on ``X``.

    Parameters
    ----------
    X : ndarray of shape (m, d)
    direction : array_like of shape (d,)
        Spike direction ``u`` (normalised here).
    beta : array_like of shape (d,)
        Teacher direction (normalised here).
    rng : numpy.random.Generator
        Draws the orthogonal directions ``e1, e2`` (orthogonal to ``u``, ``beta`` and each other).

    Returns
    -------
    dict of str -> ndarray of shape (m,)
        ``constant``; ``radial`` R; ``kappa``; ``beta`` ``<beta, x>``; ``orthogonal_linear``
        ``<e1, x>``; ``he2_kappa`` ``(kappa^2 - 1)/sqrt 2``; ``orthogonal_quadratic``
        ``(<e1,x>^2 - <e2,x>^2)/2`` (a harmonic, orthogonal to constant and R);
        ``kappa_orthogonal`` ``kappa <e1, x>``. Not mutually orthogonal: ``E[R He2(kappa)/sqrt 2]
        = d^{-1/2}`` and ``<kappa, beta> = gamma``.
    """
    X = np.asarray(X, dtype=np.float64)
    m, d = X.shape if X.ndim == 2 else (0, 0)
    if X.ndim != 2 or d < 4:
        raise ValueError(f"X: expected shape (m, d) with d >= 4, got {X.shape}")
    vecs = []
    for name, v in (("direction", direction), ("beta", beta)):
        v = np.asarray(v, dtype=np.float64)
        if v.shape != (d,) or not np.linalg.norm(v) > 0:
            raise ValueError(f"{name}: expected a non-zero vector of shape ({d},)")
        vecs.append(v / np.linalg.norm(v))
    u, b = vecs
    e1, e2 = _orthonormal_extra(np.column_stack([u, b]), 2, rng)
    kappa, z1, z2 = X @ u, X @ e1, X @ e2
    return {
        "constant": np.ones(m),
        "radial": (np.einsum("ij,ij->i", X, X) - d) / math.sqrt(2.0 * d),
        "kappa": kappa,
        "beta": X @ b,
        "orthogonal_linear": z1,
        "he2_kappa": (kappa**2 - 1.0) / math.sqrt(2.0),
        "orthogonal_quadratic": 0.5 * (z1**2 - z2**2),
        "kappa_orthogonal": kappa * z1,
    }


def eigenvector_overlaps(eigvecs, candidates: dict) -> dict:
    """Absolute cosines ``|<v_k, f>| / (|v_k| |f|)`` (uncentred), name -> ndarray (n_eigs,)."""
    V = np.asarray(eigvecs, dtype=np.float64)
    V = V / np.linalg.norm(V, axis=0)
    out = {}
    for name, f in candidates.items():
        f = np.asarray(f, dtype=np.float64)
        if f.shape != (V.shape[0],):
            raise ValueError(f"candidates[{name!r}]: shape {f.shape}, expected ({V.shape[0]},)")
        out[name] = np.abs(f @ V) / np.linalg.norm(f)
    return out


@dataclass(frozen=True)
class RayleighEstimate:
    """U-statistic Rayleigh quotient with its delete-one jackknife standard error."""

    value: float
    stderr: float
    estimator: str


def rayleigh_quotient(K, f, *, population_norm: float | None = None) -> RayleighEstimate:
    """Estimate ``<f, k f> / <f, f>`` from a Gram matrix without the diagonal bias.

    ``U = sum_{i != j} f_i K_ij f_j / (m (m - 1))`` is unbiased for ``E[f(x) k(x, x') f(x')]``;
    ``V = mean(f^2)``. Default: ``U / V``. With ``population_norm = E[f^2]`` known (1 for the
    unit-variance candidates): ``U E[f^2] / V^2``, a control variate; for an exact eigenfunction
    the linear (Hoeffding) part of U is ``2 lambda (f^2 - E f^2)``, which it cancels, so the error
    drops from ``~ lambda sqrt(Var f^2 / m)`` to ``O(1/m)``.

    The standard error is the delete-one jackknife (exact leave-one-out recomputation, O(m^2)),
    which also captures the degenerate second-order part of the U-statistic.

    Parameters
    ----------
    K : ndarray of shape (m, m)
        Symmetric kernel matrix on i.i.d. samples.
    f : ndarray of shape (m,)
    population_norm : float, optional

    Returns
    -------
    RayleighEstimate
    """
    K, f = np.asarray(K, dtype=np.float64), np.asarray(f, dtype=np.float64)
    m = f.shape[0]
    if K.shape != (m, m) or m < 3:
        raise ValueError(f"K: shape {K.shape} does not match f of shape {f.shape} (m >= 3)")
    if population_norm is not None and not population_norm > 0:
        raise ValueError(f"population_norm={population_norm!r}: expected a positive value")
    row = f * (K @ f) - f**2 * np.diag(K)  # sum_{j != i} f_i K_ij f_j
    total, sq = row.sum(), f**2

    def estimate(u_stat, v_stat):
        if population_norm is None:
            return u_stat / v_stat
        return u_stat * population_norm / v_stat**2

    value = estimate(total / (m * (m - 1)), sq.mean())
    loo = estimate((total - 2.0 * row) / ((m - 1) * (m - 2)), (sq.sum() - sq) / (m - 1))
    stderr = math.sqrt((m - 1) / m * np.sum((loo - loo.mean()) ** 2))
    name = "U/V" if population_norm is None else "U*norm/V^2"
    return RayleighEstimate(float(value), float(stderr), f"{name}, delete-one jackknife")


def outlier_statistics(spectrum: SectorSpectrum, *, n_samples: int) -> dict:
    """``(sector, index) -> (s, shift)`` of every listed eigenspace (see module docstring).

    ``s < 1`` is the separation (BBP) condition of a multiplicity-1 eigenvalue in ``K/m``;
    ``shift`` the predicted relative displacement of its Gram eigenvalue. For a multiplicity
    ``M > 1`` the eigenspace's own ``M - 1`` copies are left out of both sums.
    """
    if not (isinstance(n_samples, int | np.integer) and n_samples >= 1):
        raise ValueError(f"n_samples={n_samples!r}: expected a positive integer")
    keys = [(deg, i) for deg, values in spectrum.eigenvalues.items() for i in range(values.size)]
    lam = np.array([spectrum.eigenvalues[deg][i] for deg, i in keys])
    mult = np.array([spectrum.multiplicity[deg] for deg, _ in keys], dtype=np.float64)
    top_high = spectrum.eigenvalues[max(spectrum.eigenvalues)][0]
    tail = max(spectrum.tail_trace(), 0.0)
    if top_high > 0 and tail > 0:  # unlisted trace as one block at a bounding eigenvalue
        lam, mult = np.append(lam, top_high), np.append(mult, tail / top_high)
    out = {}
    with np.errstate(divide="ignore", invalid="ignore"):
        for k, key in enumerate(keys):
            other = np.arange(lam.size) != k
            gap = lam[k] - lam[other]
            s = np.sum(mult[other] * lam[other] ** 2 / gap**2) / n_samples
            shift = np.sum(mult[other] * lam[other] / gap) / n_samples
            out[key] = (float(s) if np.all(gap != 0) else math.inf, float(shift))
    return out
