"""Finite-sample spectral tools and closed-form spectral predictions for k1 (THEORY.md section 4).

Notation: ``x ~ N(0, I_d)``, ``Sigma = (c/d) I + theta u u^T``, ``kappa = <u, x>``,
``R = (|x|^2 - d) / sqrt(2d)``, ``m(t) = E_z s(sqrt(c) z + t)``.

ReLU linear modes (exact, any d). The arc-cosine kernel is ``sqrt(q q') a(rho)`` with
``a(rho) = 1/(2 pi) + rho/4 + (even powers of rho)``, so the part of k1 odd under ``x' -> -x'`` is
exactly ``p / 4 = x^T Sigma x' / 4``. Odd functions therefore see the operator ``f -> Sigma x / 4``
(``E[x x^T] = I``): eigenvalues ``(c/d + theta)/4`` on ``kappa`` and ``c/(4d)`` on the ``d - 1``
orthogonal linear functions, and 0 on every other odd function. (THEORY.md states this via the
k = 1 Mehler term; it is exact, not leading order.)

ReLU top mode (leading order in theta). The k = 0 term ``sqrt(q q') / (2 pi)`` is rank one with
eigenvalue ``E[q]/(2 pi) = (c + theta)/(2 pi)`` and eigenfunction ``sqrt(q)``. The k = 2 term
``p^2 / (4 pi sqrt(q q'))`` adds ``E[p^2] / (4 pi E[q]) = tr(Sigma^2) / (4 pi (c + theta))``,
``tr(Sigma^2) = c^2/d + 2 c theta/d + theta^2``, to the Rayleigh quotient of ``sqrt(q)``: this does
*not* vanish as d grows (THEORY.md's "leading order" is leading order in theta, not in 1/d): ~3% at
theta = 0.3, ~13% at theta = 1 (c = 1). ``eigenvalue_k2`` includes it. Use
:func:`large_step_spectrum` for a prediction that is exact in theta as d -> infinity.

General activation, large step (derivation; refines THEORY.md's last bullet). With ``w = sqrt(c/d)
z + sqrt(theta) xi u``: ``<w, x> = sqrt(theta_d) kappa g + sqrt(c/d) <z_perp, x_perp>``,
``theta_d = theta + c/d``, ``g ~ N(0,1)`` shared by x and x'. The second part is Gaussian with
variance ``c |x_perp|^2/d ~ c_d = c (d-1)/d`` and covariance ``(c/d) <x_perp, x'_perp> =
O(d^{-1/2})``. Expanding in that covariance (Mehler), with ``m_d(t) = E_z s(sqrt(c_d) z + t)`` and
``M_j(kappa, kappa') = E_g[m_d^(j)(sqrt(theta_d) g kappa) m_d^(j)(sqrt(theta_d) g kappa')]``:

    k1 ~ M_0(kappa, kappa') + (c/d) <x_perp, x'_perp> M_1(kappa, kappa') + ...

- ``M_0`` acts on functions of kappa. Expanding ``m_d(sqrt(theta_d) kappa g)`` in ``He_k(g)`` gives
  the conditional Hermite coefficients ``beta_k(kappa)`` and ``M_0 = sum_k beta_k beta_k' / k!``
  (odd k: odd in kappa). Top even eigenvalue: the top mode; top odd: the boosted "linear" mode
  (eigenfunction near, not equal to, kappa for saturating s). To first order in theta it is
  ``theta_d m_d'(0)^2`` (THEORY.md's naive ``mu1^2 (c/d + theta)``); for tanh/erf
  ``E_g m_d'(sqrt(theta_d) kappa g) < m_d'(0)`` pulls it well below (~30% at theta = 0.3).
- ``(c/d) M_1`` acts on ``<e, x> h(kappa)``: even h (near constant) is the orthogonal linear mode,
  odd h (near kappa) the bilinear mode ``kappa <e, x>``. ReLU: ``m_d' = Phi(t/sqrt(c_d))``, exactly
  c/(4d).

Corrections are ``O(1/d)`` relative (the ``|x|^2/d`` fluctuation enters at second order); for
ReLU both linear predictions are exact. Checked against the sector quadrature in the tests.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.linalg import eigh

from .activations import Activation, get_activation
from .sectors import chi_rule

__all__ = [
    "RayleighEstimate", "ReluTopMode", "LargeStepSpectrum", "gram_top_eigenpairs",
    "candidate_functions", "eigenvector_overlaps", "rayleigh_quotient",
    "relu_linear_eigenvalues", "relu_top_mode", "large_step_spectrum",
]


def gram_top_eigenpairs(K, *, n_eigs: int) -> tuple[np.ndarray, np.ndarray]:
    """Top eigenpairs of ``K / m`` (``K`` symmetric, shape (m, m)), descending.

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
    if not 1 <= n_eigs <= m:
        raise ValueError(f"n_eigs={n_eigs!r}: expected 1 <= n_eigs <= m = {m}")
    values, vectors = eigh(K / m, subset_by_index=[m - n_eigs, m - 1])
    return values[::-1], vectors[:, ::-1]


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


def relu_linear_eigenvalues(*, c: float, theta: float, d: int) -> tuple[float, float]:
    """Exact ReLU linear eigenvalues ``((c/d + theta)/4, c/(4d))``: boosted and orthogonal."""
    _check_spike(c, theta, d)
    return (c / d + theta) / 4.0, c / (4.0 * d)


@dataclass(frozen=True)
class ReluTopMode:
    """ReLU top mode: ``E[q]/(2 pi)``, with the k = 2 Mehler term, overlaps of ``sqrt(q)``."""

    eigenvalue: float
    eigenvalue_k2: float
    overlap_constant: float
    overlap_radial: float
    overlap_he2: float


def _check_spike(c, theta, d):
    if not (c > 0 and theta >= 0):
        raise ValueError(f"c={c!r}, theta={theta!r}: expected c > 0 and theta >= 0")
    if int(d) != d or d < 2:
        raise ValueError(f"d={d!r}: expected an integer >= 2")


def relu_top_mode(*, c: float, theta: float, d: int, n_nodes: int = 64) -> ReluTopMode:
    """Rank-one (k = 0 Mehler term) prediction for the ReLU top mode, see module docstring.

    Overlaps ``E[sqrt(q) f] / sqrt(E q)`` with ``f`` = 1, R and ``He2(kappa)/sqrt 2``, by 2-D
    quadrature over ``(kappa, |x_perp|)`` (Gauss-Hermite x Gauss rule for ``chi_{d-1}``).
    """
    _check_spike(c, theta, d)
    kappa, wk = np.polynomial.hermite_e.hermegauss(n_nodes)
    r, wr = chi_rule(n_nodes, dof=int(d) - 1)
    k2, r2 = kappa[:, None] ** 2, r[None, :] ** 2
    w = np.outer(wk / wk.sum(), wr)
    phi = np.sqrt((c / d) * (k2 + r2) + theta * k2) / math.sqrt(c + theta)
    overlaps = [np.sum(w * phi * f) for f in (1.0, (k2 + r2 - d) / math.sqrt(2.0 * d),
                                              (k2 - 1.0) / math.sqrt(2.0))]
    trace_sq = c**2 / d + 2.0 * c * theta / d + theta**2
    return ReluTopMode((c + theta) / (2.0 * math.pi),
                       (c + theta) / (2.0 * math.pi) + trace_sq / (4.0 * math.pi * (c + theta)),
                       *(float(o) for o in overlaps))


@dataclass(frozen=True)
class LargeStepSpectrum:
    """Large-step (``theta = O(1)``) predictions from ``m(t) = E_z s(sqrt(c) z + t)``.

    Attributes
    ----------
    top, overlap_constant, overlap_he2 : float
        Top even eigenvalue of the kappa-operator, its eigenfunction's overlaps with 1 and
        ``He2(kappa)/sqrt 2`` (sign: constant overlap positive; NaN when there is no even mode,
        e.g. for odd activations).
    boosted_linear, overlap_kappa : float
        Top odd eigenvalue of the kappa-operator and ``|<eigenfunction, kappa>|``.
    naive_linear : float
        ``(theta + c/d) m'(0)^2``, the first order in theta.
    orthogonal_linear, orthogonal_bilinear : float
        ``(c/d) x`` top even / odd eigenvalue of ``E_g[m'(.) m'(.)]``: modes ``<e, x> h(kappa)``.
    """

    top: float
    overlap_constant: float
    overlap_he2: float
    boosted_linear: float
    overlap_kappa: float
    naive_linear: float
    orthogonal_linear: float
    orthogonal_bilinear: float


def _smoothed(act: Activation, var: float, t, n_nodes: int):
    """``m(t) = E s(sqrt(var) z + t)`` and ``m'(t) = E[s(sqrt(var) z + t) z] / sqrt(var)``."""
    t, sd = np.asarray(t, dtype=np.float64)[..., None], math.sqrt(var)
    if not act.kinks:
        z, w = np.polynomial.hermite_e.hermegauss(n_nodes)
        z, w = np.broadcast_to(z, t.shape[:-1] + z.shape), w / w.sum()
    elif len(act.kinks) == 1:  # Gauss-Legendre on [-12, z*] and [z*, 12], z* = kink in z
        x, wx = np.polynomial.legendre.leggauss(n_nodes)
        cut = np.clip((act.kinks[0] - t) / sd, -12.0, 12.0)
        pieces = [(np.full_like(cut, -12.0), cut), (cut, np.full_like(cut, 12.0))]
        z = np.concatenate([lo + 0.5 * (hi - lo) * (x + 1.0) for lo, hi in pieces], -1)
        w = np.concatenate([0.5 * (hi - lo) * wx for lo, hi in pieces], -1)
        w = w * np.exp(-0.5 * z**2) / math.sqrt(2.0 * math.pi)
    else:
        raise NotImplementedError("activations with more than one kink")
    values = act.numpy(sd * z + t) * w
    return values.sum(-1), (values * z).sum(-1) / sd


def _parity_eigs(kernel_factor: np.ndarray, wk: np.ndarray, wg: np.ndarray):
    """Top even and odd eigenpairs of ``E_g[F(kappa, g) F(kappa', g)]`` on a symmetric grid."""
    half = wk.size // 2
    out = []
    for sign in (1.0, -1.0):
        part = (kernel_factor[half:] + sign * kernel_factor[half - 1::-1]) / math.sqrt(2.0)
        mat = np.sqrt(wk[half:])[:, None] * part * np.sqrt(wg)[None, :]
        left, sing, _ = np.linalg.svd(mat, full_matrices=False)
        out.append((sing[0] ** 2, left[:, 0] / np.sqrt(2.0 * wk[half:])))
    return out


def large_step_spectrum(*, activation, c: float, theta: float, d: int, n_kappa: int = 96,
                        n_g: int = 96, n_z: int = 96) -> LargeStepSpectrum:
    """Large-step spectral predictions for any activation (derivation in the module docstring).

    Parameters
    ----------
    activation : str or Activation
    c, theta : float
    d : int
        Enters through ``theta_d = theta + c/d``, ``c_d = c (d - 1)/d`` and the ``c/d`` factor.
    n_kappa, n_g, n_z : int, optional
        Gauss-Hermite nodes in kappa (even), g and z (Gauss-Legendre per piece for ReLU).

    Returns
    -------
    LargeStepSpectrum
    """
    _check_spike(c, theta, d)
    if n_kappa % 2:
        raise ValueError(f"n_kappa={n_kappa!r}: expected an even number")
    act = activation if isinstance(activation, Activation) else get_activation(activation)
    theta_d, c_d = theta + c / d, c * (d - 1) / d
    kappa, wk = np.polynomial.hermite_e.hermegauss(n_kappa)
    g, wg = np.polynomial.hermite_e.hermegauss(n_g)
    wk, wg = wk / wk.sum(), wg / wg.sum()
    m, m1 = _smoothed(act, c_d, math.sqrt(theta_d) * np.outer(kappa, g), n_z)
    (top, g_top), (boost, g_boost) = _parity_eigs(m, wk, wg)
    (orth, _), (bilinear, _) = _parity_eigs(m1, wk, wg)
    pos, wpos = kappa[wk.size // 2:], 2.0 * wk[wk.size // 2:]
    # odd s (tanh, erf): no even modes, the top eigenvector is noise -> overlaps undefined
    sign = np.sign(np.sum(wpos * g_top)) if top > 1e-12 * boost else np.nan
    slope0 = float(_smoothed(act, c_d, 0.0, n_z)[1])
    return LargeStepSpectrum(
        float(top), float(sign * np.sum(wpos * g_top)),
        float(sign * np.sum(wpos * g_top * (pos**2 - 1.0)) / math.sqrt(2.0)),
        float(boost), float(abs(np.sum(wpos * g_boost * pos))), theta_d * slope0**2,
        float(c / d * orth), float(c / d * bilinear))
