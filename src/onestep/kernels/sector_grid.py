"""The discretised sector problem of :mod:`onestep.kernels.sectors`: quadrature rules and the
sector kernels ``K_l(kappa, r; kappa', r')`` on the grid (two independent methods, ``pair`` and
``features``; derivations in that module's docstring and docs/THEORY.md section 4). float64.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from ..activations import Activation, as_activation
from ..covariance import check_spike
from ..quadrature import chi_rule, gegenbauer_polynomials, hermite_gauss, sphere_cosine_rule
from .pairs import CLOSED_FORMS, pair_kernel

__all__ = ["SectorGrid", "sector_grid", "zonal_average", "sector_kernel_rows"]


@dataclass(frozen=True)
class SectorGrid:
    """The discretisation of one sector problem: the kernel's ``(c, theta)`` on ``R^d``, the
    activation, the method and every quadrature rule (``(nodes, weights)`` pairs; weights of
    probability measures).

    Attributes
    ----------
    activation : Activation
    method : {'pair', 'features'}
    d : int;  c, theta : float
    kappa : (ndarray (n_kappa,), ndarray (n_kappa,)), Gauss-Hermite, N(0, 1)
    r, rho : (ndarray (n_r,), ndarray (n_r,)), Gauss rules for chi_{d-1} (``rho``: features only)
    g : (ndarray (n_g,), ndarray (n_g,)), Gauss-Hermite for the weight-space spike (features)
    t : (ndarray (n_t,), ndarray (n_t,)), the cosine law on S^{d-2}
    legendre : ndarray of shape (max_degree + 1, n_t), ``P_l(t)`` of dimension ``d - 1``
    nodes : tuple of int, ``(n_kappa, n_r, n_t, n_g, n_rho)``
    """

    activation: Activation
    method: str
    d: int
    c: float
    theta: float
    kappa: tuple = field(repr=False)
    r: tuple = field(repr=False)
    rho: tuple = field(repr=False)
    g: tuple = field(repr=False)
    t: tuple = field(repr=False)
    legendre: np.ndarray = field(repr=False)
    nodes: tuple = ()

    @property
    def max_degree(self) -> int:
        return self.legendre.shape[0] - 1


def sector_grid(activation, *, d: int, c: float, theta: float, max_degree: int,
                method: str = "auto", nodes=(40, 24, 32, 64, 16)) -> SectorGrid:
    """Validated :class:`SectorGrid` (``nodes = (n_kappa, n_r, n_t, n_g, n_rho)``)."""
    act = as_activation(activation)
    n_kappa, n_r, n_t, n_g, n_rho = nodes
    if isinstance(d, bool) or int(d) != d or d < 4:
        raise ValueError(f"d={d!r}: expected an integer >= 4")
    c, theta = check_spike(c, theta, d=d, nonnegative=True)
    if n_kappa % 2 or n_kappa < 2:
        raise ValueError(f"n_kappa={n_kappa!r}: expected an even integer >= 2 (+- node pairs)")
    if method == "auto":
        method = "pair" if act.name in CLOSED_FORMS else "features"
    if method not in ("pair", "features"):
        raise ValueError(f"method={method!r}: expected 'auto', 'pair' or 'features'")
    t_rule = sphere_cosine_rule(n_t, dim=d - 1)
    return SectorGrid(act, method, int(d), c, theta, hermite_gauss(n_kappa),
                      chi_rule(n_r, dof=d - 1), chi_rule(n_rho, dof=d - 1), hermite_gauss(n_g),
                      t_rule, gegenbauer_polynomials(t_rule[0], dim=d - 1, max_degree=max_degree),
                      tuple(nodes))


def zonal_average(func, alpha, beta, t_rule, legendre):
    """``E_t[func(alpha + beta t) P_l(t)]``, shape (*broadcast(alpha, beta), L+1)."""
    t, wt = t_rule
    return func(np.asarray(alpha)[..., None] + np.asarray(beta)[..., None] * t) @ (wt * legendre).T


def _grid_features(grid: SectorGrid, features):
    """``(positive, full)``: ``features`` at the grid's kappa >= 0 nodes and at every node
    (kappa-major, like the grid). ``alpha = sqrt(theta + c/d) kappa g`` is odd in kappa and the
    kappa and g rules are symmetric (bitwise), so a node at -kappa has the features of +kappa
    with the g axis reversed: half the activation evaluations."""
    (kap, _), (r, _), (g, _), (rho, _) = grid.kappa, grid.r, grid.g, grid.rho
    half = kap.size // 2
    if not (np.array_equal(kap[::-1], -kap) and np.array_equal(g[::-1], -g)):
        full = features(*(a.ravel() for a in np.meshgrid(kap, r, indexing="ij")))
        return full[:, half * r.size:], full
    positive = features(*(a.ravel() for a in np.meshgrid(kap[half:], r, indexing="ij")))
    shape = (positive.shape[0], half, r.size, g.size, rho.size)
    negative = positive.reshape(shape)[:, ::-1, :, ::-1, :].reshape(positive.shape)
    return positive, np.concatenate([negative, positive], axis=1)


def sector_kernel_rows(grid: SectorGrid, kappa, r, block_size: int = 64) -> np.ndarray:
    """``K_l(a; grid)`` for rows ``a = (kappa, r)`` of shape (n,): (L+1, n, n_kappa * n_r)."""
    act, d, c, theta = grid.activation, grid.d, grid.c, grid.theta
    gk, gr = (a.ravel() for a in np.meshgrid(grid.kappa[0], grid.r[0], indexing="ij"))
    legendre, t_rule = grid.legendre, grid.t
    (g, wg), (rho, wrho) = grid.g, grid.rho

    def features(kap, rr):  # B_l(a; g, rho): (L+1, n, n_g * n_rho)
        alpha = math.sqrt(theta + c / d) * kap[:, None, None] * g[None, :, None]
        beta = math.sqrt(c / d) * rr[:, None, None] * rho[None, None, :]
        rows = [zonal_average(act.numpy, alpha[s:s + 8], beta[s:s + 8], t_rule, legendre)
                for s in range(0, kap.size, 8)]
        return np.moveaxis(np.concatenate(rows), -1, 0).reshape(legendre.shape[0], kap.size, -1)

    if grid.method == "features":
        positive, grid_features = _grid_features(grid, features)
        cols = np.outer(wg, wrho).ravel()[:, None] * grid_features.transpose(0, 2, 1)
        # rows on the kappa >= 0 half of the grid (sector_spectrum's) reuse its features
        first = gk.size - positive.shape[1]
        reuse = np.array_equal(kappa, gk[first:]) and np.array_equal(r, gr[first:])
    q_grid = (c / d) * (gk**2 + gr**2) + theta * gk**2
    out = []
    for s in range(0, kappa.size, block_size):
        kap, rr = kappa[s:s + block_size], r[s:s + block_size]
        if grid.method == "features":
            row_features = positive[:, s:s + block_size] if reuse else features(kap, rr)
            out.append(row_features @ cols)
            continue
        p = ((c / d + theta) * np.outer(kap, gk))[..., None] + (
            (c / d) * np.outer(rr, gr))[..., None] * t_rule[0]
        q = (c / d) * (kap**2 + rr**2) + theta * kap**2
        k = pair_kernel(q[:, None, None], q_grid[None, :, None], p, activation=act)
        out.append(np.moveaxis(k @ (t_rule[1] * legendre).T, -1, 0))  # (L+1, rows, grid)
    return np.concatenate(out, axis=1)
