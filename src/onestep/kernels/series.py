"""Conditional Mehler series for Gram matrices of smooth activations (the ``series`` method).

Write ``<w,x> = sqrt(c/d) <g, x_perp> + sqrt(c/d + theta) xi <u,x>`` (g ~ N(0, I), xi ~ N(0, 1),
``x_perp = x - <u,x> u``) and apply Mehler's formula conditionally on xi in the *bulk*
correlation ``rho0 = <x_perp, x'_perp> / (|x_perp| |x'_perp|)``, ~d^{-1/2} for generic inputs::

    k(x, x') = sum_k rho0^k E_xi[M_k(x, xi) M_k(x', xi)] / k!,
    M_k(x, xi) = E_G[s(sqrt(c/d + theta) <u,x> xi + sqrt(c/d) |x_perp| G) He_k(G)].

K is set from max |rho0| over all pairs for a 1e-12 tail; pairs with |rho0| > 1/2 (the diagonal,
near-duplicates) go to the 2-D quadrature. M_k uses composite Gauss-Legendre in G on [-10, 10],
16 nodes per panel of width ``2 min(1, 1.4 / max sigma)`` (sigma = sqrt(c/d) |x_perp|; the poles
of tanh(t + sigma G) sit pi / (2 sigma) off the axis); the rho0^k weights make the mass of the
degree-k Hermite functions beyond 10 sd negligible (< 1e-17). xi uses panels halving towards 0,
where every row turns over, 10 nodes each (8 give 1e-11). Accuracy: erf vs its closed form
<= 1e-13 (theta <= 30, d >= 20), tanh and polynomial s vs quadrature ~1e-14. Kinked s (relu,
~2e-5) should use a closed form.

Speed (:func:`series_factors`, :func:`series_horner`): for each k the xi average is a product of
two (rows, n_xi) tables; the tables of all point sets are compressed together to the rank r_k that
keeps ``rho0_max^k |residual_x| |residual_y| <= 1e-14 |k(x,x) k(x',x')|^{1/2}`` (an a-posteriori
Cauchy-Schwarz bound on the dropped part, exact whatever the basis), typically r_k ~ 5-25 of ~80.
Horner in rho0 then runs tile by tile (tiles stay in cache; one in-place ``dgemm`` per term).
Where the time went before (tanh, n = 2000, d = 200, 2 shared cores): 60% evaluating tanh at
rows x 80 xi x 400 G points (np.tanh ~40-90 ns each), 35% Horner with rank-80 products, < 5%
quadrature of the |rho0| > 1/2 pairs (the diagonal, 1-D rule). Now (same size): tables ~55%
(160 G nodes, tanh through exp, K from the actual max |rho0|: 26 terms, not 40), factors ~15%,
Horner ~10% (ranks 12 -> 0 as k grows), quadrature ~5%.
"""

from __future__ import annotations

import math

import numpy as np
import scipy.linalg.blas as blas

from ..activations import Activation, activation_parity
from ..quadrature import normal_pieces, normal_tail
from .pairs import quadrature_pair

__all__ = ["RHO_MAX", "series_terms", "series_split", "xi_rule", "series_tables", "series_factors",
           "series_horner", "fast_numpy"]

RHO_MAX = 0.5  # pairs with larger |rho0| go to quadrature
_SERIES_TOL = 1e-12  # relative truncation error of the series
_RANK_TOL = 1e-14  # relative error allowed per term by the compression
_G_WIDTH, _G_SIGMA, _G_NODES = 2.0, 1.4, 16  # composite Gauss-Legendre in G
_XI_NODES = 10  # Gauss-Legendre nodes per xi panel
_CHUNK = 2**18  # activation evaluations per chunk (2 MB)
TAIL = normal_tail(0)


def fast_numpy(act: Activation):
    """``act.numpy`` or an equivalent faster float64 formula (tanh via exp: 2-4x, 2e-16 abs)."""
    if act.name != "tanh":
        return act.numpy

    def tanh(z):
        e = np.abs(z)
        e *= -2.0
        np.exp(e, out=e)  # in (0, 1]: no overflow
        num = 1.0 - e
        e += 1.0
        num /= e
        return np.copysign(num, z, out=num)

    return tanh


def series_terms(r: float) -> int:
    """Smallest K with r^K <= tol: the tail beyond K terms is <= r^K sqrt(k(x,x) k(x',x'))."""
    return 1 if r <= 0 else max(1, math.ceil(math.log(_SERIES_TOL) / math.log(r)))


def series_split(Z, u):
    """``(<u, z>, z_perp)`` per row (u None: no spike, z_perp = z)."""
    if u is None:
        return np.zeros(Z.shape[0]), Z
    kappa = Z @ u
    return kappa, Z - np.outer(kappa, u)


def xi_rule(act: Activation, spike: float, kappa_max: float):
    """Nodes and weights in xi ~ N(0, 1) for the series (spike = sqrt(c/d + theta))."""
    if spike * kappa_max == 0:
        return np.zeros(1), np.ones(1)
    # Row z turns over at xi ~ 1 / (spike |kappa_z|): panels halve towards 0 down to that scale.
    levels = max(3, math.ceil(math.log2(TAIL * spike * kappa_max)))
    # ... plus two cuts in the outer panels so that the Gaussian tail is integrated to 1e-16.
    edges = np.union1d(TAIL * 2.0 ** -np.arange(levels, 0, -1), [3.75, 7.0])
    xi, w = normal_pieces(np.concatenate([-edges[::-1], [0.0], edges]), _XI_NODES)
    if activation_parity(act) != 0:  # odd or even s: the xi-integrand is even
        return xi[xi > 0], 2.0 * w[xi > 0]
    return xi, w


def series_tables(act, kappa, perp, bulk, spike, xi, n_terms: int, *, perp_norms=None):
    """``M_k(z, xi) / sqrt(k!)`` per row, shape (n_terms, m, n_xi).

    ``perp`` (m, d) may be None when ``perp_norms`` (|z_perp| per row) is given.
    """
    sigma = bulk * (np.linalg.norm(perp, axis=1) if perp_norms is None else perp_norms)
    width = _G_WIDTH * min(1.0, _G_SIGMA / max(float(np.max(sigma, initial=0.0)), 1e-300))
    panels = math.ceil(2.0 * TAIL / width)
    g, wg = normal_pieces(np.linspace(-TAIL, TAIL, panels + 1)[1:-1], _G_NODES)
    basis = np.empty((n_terms, g.size))  # He_k / sqrt(k!) by the normalised recurrence
    basis[0] = 1.0
    if n_terms > 1:
        basis[1] = g
    for k in range(1, n_terms - 1):
        basis[k + 1] = (g * basis[k] - math.sqrt(k) * basis[k - 1]) / math.sqrt(k + 1)
    basis = (basis * wg).T.copy()  # (n_g, n_terms)
    f = fast_numpy(act)
    out = np.empty((n_terms, kappa.size, xi.size))
    chunk = max(1, _CHUNK // (xi.size * g.size))
    for s in range(0, kappa.size, chunk):
        e = min(kappa.size, s + chunk)
        args = np.multiply.outer(spike * kappa[s:e], xi)[:, :, None] \
            + np.multiply.outer(sigma[s:e], g)[:, None, :]
        vals = f(args).reshape(-1, g.size) @ basis  # (rows * n_xi, n_terms)
        out[:, s:e] = vals.T.reshape(n_terms, e - s, xi.size)
    return out


def series_factors(tables, omega, rho_max: float):
    """Compressed factors of every term: ``[[F_k(set) for k] for set]``, F_k (m_set, r_k).

    ``tables`` is a list (one per point set) of (n_terms, m, n_xi) arrays; the products
    ``F_k(a) F_k(b)^T`` equal ``T_k(a) diag(omega) T_k(b)^T`` up to ``_RANK_TOL`` relative (see
    the module docstring). Terms whose whole contribution is below it get rank 0.
    """
    root = np.sqrt(omega)
    n_terms = tables[0].shape[0]
    # Row scales sqrt(sum_k |t_k|^2) <= sqrt(k(z, z)): a conservative relative yardstick.
    scales = [np.maximum(np.sqrt(np.einsum("kmj,kmj,j->m", t, t, omega)), 1e-300)
              for t in tables]
    out = [[] for _ in tables]
    for k in range(n_terms):
        mats = [t[k] * root for t in tables]
        budget = _RANK_TOL / max(rho_max, 1e-300) ** k
        if omega.size <= 2:  # nothing to compress
            for o, m in zip(out, mats, strict=True):
                o.append(np.ascontiguousarray(m))
            continue
        # Basis from the Gram's eigenvectors: inaccurate below ~1e-8 of the top singular value,
        # which can only raise the rank; the tail bound below is exact for any orthogonal basis.
        _, vecs = np.linalg.eigh(sum(m.T @ m for m in mats))
        vecs = vecs[:, ::-1]
        proj = [m @ vecs for m in mats]  # exact change of basis (vecs orthogonal)
        # tail[i, r] = |row i beyond the first r basis vectors| / scale_i, for r = 0..n_xi.
        tails = []
        for p, s in zip(proj, scales, strict=True):
            sq = np.cumsum((p * p)[:, ::-1], axis=1)[:, ::-1]
            tails.append(np.sqrt(np.concatenate([sq, np.zeros((p.shape[0], 1))], axis=1)).T / s)
        worst = np.max([t.max(axis=1) for t in tails], axis=0)  # (n_xi + 1,), non-increasing
        rank = int(np.argmax(worst * worst <= budget))  # Cauchy-Schwarz, any pair of rows
        for o, p in zip(out, proj, strict=True):
            o.append(np.ascontiguousarray(p[:, :rank]))
    return out


def series_horner(factors_x, factors_y, rho, out):
    """``out = sum_k rho^k F_k(x) F_k(y)^T`` for one tile, in place (out C-contiguous).

    ``factors_x[k]`` is the transposed tile rows ``F_k(x)^T`` (r_k, t) and ``factors_y[k]`` the
    full ``F_k(y)`` (m', r_k), both Fortran-contiguous; ``out.T`` is Fortran-contiguous, so one
    ``dgemm`` per term accumulates into it without temporaries.
    """
    out[...] = 0.0
    target = out.T
    started = False
    for fx, fy in zip(reversed(factors_x), reversed(factors_y), strict=True):
        if started:
            out *= rho
        if fy.shape[1]:
            blas.dgemm(1.0, fy, fx, beta=1.0, c=target, overwrite_c=1)
            started = True
    return out


def quadrature_fix(act, out, rho, inner_perp, rows, cols, consts, n_nodes):
    """Replace the |rho0| > RHO_MAX entries of a tile by the 2-D quadrature (in place).

    ``rows``/``cols`` are ``(kappa, q)`` of the tile; ``consts = (c/d, c/d + theta)``.
    """
    far = np.abs(rho) > RHO_MAX
    if np.any(far):
        i, j = np.nonzero(far)
        p = consts[0] * inner_perp[i, j] + consts[1] * rows[0][i] * cols[0][j]
        out[i, j] = quadrature_pair(act, rows[1][i], cols[1][j], p, n_nodes)
    return out
