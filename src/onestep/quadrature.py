"""Every Gauss rule the package uses, in one place (float64 throughout).

Normal rules (``sum(w * f(z)) ~= E[f(G)]``, ``G ~ N(0, 1)``; weights sum to 1 up to the tail):

- :func:`hermite_gauss`: Gauss-Hermite, for smooth integrands. Converges geometrically for entire
  integrands; NumPy's ``hermegauss`` overflows beyond ~350 nodes, so at most 300 are allowed.
- :func:`normal_pieces`: Gauss-Legendre on each piece of ``[-L, L]`` cut at given points, times the
  normal density, optionally with nodes crowded towards the cuts. For kinked integrands (ReLU) or
  nearly kinked ones (``tanh(a z)`` at large ``a``), where Gauss-Hermite is only algebraic.

One tail policy (:func:`normal_tail`): the truncation point is ``L = 10 + 2 sqrt(k)`` for an
integrand carrying Hermite polynomials up to degree ``k``. ``He_k(z)^2 phi(z)`` turns over at
``sqrt(4k + 2) ~ 2 sqrt(k)``, beyond which it decays at least like ``phi``; ten more standard
deviations put the neglected mass below ``1e-22`` of the total (tested up to k = 119).

Other rules: :func:`chi_rule` (``r ~ chi_dof``), :func:`sphere_cosine_rule` (``t = <v, e>`` for
``v`` uniform on a sphere), both by Golub-Welsch with normalised weights (no overflow at large
``dof``); :func:`gegenbauer_polynomials` and :func:`harmonic_dimension` for the harmonics on
spheres.
"""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np
from scipy.linalg import eigh_tridiagonal
from scipy.special import comb

__all__ = [
    "normal_tail",
    "hermite_gauss",
    "normal_pieces",
    "normal_rule",
    "chi_rule",
    "sphere_cosine_rule",
    "gegenbauer_polynomials",
    "harmonic_dimension",
]


def normal_tail(max_degree: int = 0) -> float:
    """Truncation point ``L = 10 + 2 sqrt(max_degree)`` of the normal rules (module docstring)."""
    if max_degree < 0:
        raise ValueError(f"max_degree={max_degree!r}: expected >= 0")
    return 10.0 + 2.0 * math.sqrt(max_degree)


@lru_cache(maxsize=64)
def _hermite_gauss(n_nodes: int) -> tuple[np.ndarray, np.ndarray]:
    nodes, weights = np.polynomial.hermite_e.hermegauss(n_nodes)
    return nodes, weights / weights.sum()


def hermite_gauss(n_nodes: int) -> tuple[np.ndarray, np.ndarray]:
    """Gauss-Hermite rule ``(z, w)`` for ``E[f(G)]``, ``G ~ N(0, 1)``; weights sum to 1.

    Parameters
    ----------
    n_nodes : int
        Between 1 and 300.

    Returns
    -------
    nodes, weights : ndarray of shape (n_nodes,) (read-only cached arrays: copy to modify)
    """
    if not 1 <= n_nodes <= 300:
        raise ValueError(f"n_nodes={n_nodes!r}: must be between 1 and 300")
    return _hermite_gauss(int(n_nodes))


@lru_cache(maxsize=16)
def _leggauss(n_nodes: int) -> tuple[np.ndarray, np.ndarray]:
    return np.polynomial.legendre.leggauss(n_nodes)


def normal_pieces(cuts, n_nodes: int, *, max_degree: int = 0, cluster: bool = False):
    """Gauss-Legendre rule for ``E[f(G)]`` on ``[-L, L]`` cut at ``cuts``, broadcast over rows.

    Parameters
    ----------
    cuts : array_like of shape (..., s)
        Sorted cut points per row (clipped to ``[-L, L]``); ``s = 0`` gives one piece.
    n_nodes : int
        Nodes per piece.
    max_degree : int, optional
        Highest Hermite degree in the integrand; sets ``L`` (:func:`normal_tail`).
    cluster : bool, optional
        Crowd nodes quadratically towards the cuts, where the integrand turns over on a short
        scale (erf at variance 250: ~1e-11 with 64 nodes instead of 2e-8 unclustered).

    Returns
    -------
    nodes, weights : ndarray of shape (..., (s + 1) n_nodes)
        Weights include the normal density.
    """
    tail = normal_tail(max_degree)
    base_x, base_w = _leggauss(int(n_nodes))
    t, dt = 0.5 * (base_x + 1.0), 0.5 * base_w
    cuts = np.clip(np.asarray(cuts, dtype=np.float64), -tail, tail)
    ends = np.full(cuts.shape[:-1] + (1,), tail)
    edges = np.concatenate([-ends, cuts, ends], axis=-1)
    lo, width = edges[..., :-1, None], np.diff(edges, axis=-1)[..., None]
    frac, jac = t, np.ones_like(t)
    if cluster:
        piece = np.arange(cuts.shape[-1] + 1)[:, None]
        left, right = piece > 0, piece < cuts.shape[-1]  # piece ends at a cut
        frac = np.where(left & right, t * t * (3.0 - 2.0 * t),
                        np.where(left, t * t, np.where(right, t * (2.0 - t), t)))
        jac = np.where(left & right, 6.0 * t * (1.0 - t),
                       np.where(left, 2.0 * t, np.where(right, 2.0 * (1.0 - t), 1.0)))
    nodes = lo + width * frac
    weights = width * jac * dt * np.exp(-0.5 * nodes**2) / math.sqrt(2.0 * math.pi)
    return nodes.reshape(cuts.shape[:-1] + (-1,)), weights.reshape(cuts.shape[:-1] + (-1,))


@lru_cache(maxsize=32)
def _normal_rule(kinks: tuple, n_nodes: int, max_degree: int):
    return normal_pieces(np.array(kinks), n_nodes, max_degree=max_degree)


def normal_rule(n_nodes: int = 200, *, kinks: tuple = (), max_degree: int = 0):
    """Rule ``(z, w)`` for ``E[f(G)]``: Gauss-Hermite if ``kinks`` is empty, else Gauss-Legendre
    with ``n_nodes`` per piece of ``[-L, L]`` cut at the kinks (:func:`normal_pieces`).

    Returns
    -------
    nodes, weights : ndarray of shape (n_points,) (cached: copy before modifying)
    """
    if not 2 <= n_nodes <= 300:
        raise ValueError(f"n_nodes={n_nodes!r}: must be between 2 and 300")
    kinks = tuple(sorted(float(k) for k in kinks))
    if not kinks:
        return hermite_gauss(n_nodes)
    return _normal_rule(kinks, int(n_nodes), int(max_degree))


def _golub_welsch(diag, off):
    nodes, vecs = eigh_tridiagonal(diag, off)
    return nodes, vecs[0] ** 2  # weights of the probability measure (sum to 1)


def chi_rule(n_nodes: int, *, dof: int) -> tuple[np.ndarray, np.ndarray]:
    """Gauss rule ``(r, w)`` for ``r ~ chi_dof``: generalised Laguerre in ``s = r^2 / 2``."""
    alpha, k = dof / 2.0 - 1.0, np.arange(n_nodes, dtype=np.float64)
    s, w = _golub_welsch(2.0 * k + alpha + 1.0, np.sqrt(k[1:] * (k[1:] + alpha)))
    return np.sqrt(2.0 * s), w


def sphere_cosine_rule(n_nodes: int, *, dim: int) -> tuple[np.ndarray, np.ndarray]:
    """Gauss rule ``(t, w)`` for ``t = <v, e>``, ``v`` uniform on ``S^{dim-1}``, ``dim >= 3``
    (density proportional to ``(1 - t^2)^{(dim-3)/2}``: Gauss-Jacobi)."""
    a, k = (dim - 3) / 2.0, np.arange(1, n_nodes, dtype=np.float64)
    off = np.sqrt(k * (k + 2 * a) / ((2 * k + 2 * a - 1) * (2 * k + 2 * a + 1)))
    return _golub_welsch(np.zeros(n_nodes), off)


def gegenbauer_polynomials(t, *, dim: int, max_degree: int) -> np.ndarray:
    """Legendre polynomials of dimension ``dim`` (Gegenbauer, ``P_l(1) = 1``), ``l = 0..L``.

    Returns
    -------
    ndarray of shape (L + 1, *t.shape)
    """
    t = np.asarray(t, dtype=np.float64)
    out = [np.ones_like(t), t]
    for n in range(1, max_degree):  # (n + dim - 2) P_{n+1} = (2n + dim - 2) t P_n - n P_{n-1}
        out.append(((2 * n + dim - 2) * t * out[n] - n * out[n - 1]) / (n + dim - 2))
    return np.stack(out[: max_degree + 1])


def harmonic_dimension(degree: int, *, dim: int) -> int:
    """Dimension of the degree-l spherical harmonics on ``S^{dim-1}``."""
    return int(comb(dim + degree - 1, degree, exact=True)
               - comb(dim + degree - 3, degree - 2, exact=True))
