"""Gaussian-weight kernels k(x, x') = E_{w ~ N(0, Sigma)}[s(<w,x>) s(<w,x'>)] (THEORY.md 3).

``Sigma = (c/d) I + theta u u^T``; ``c = 1, theta = 0`` is the isotropic ``k0``. float64 throughout.
Accuracies below are relative to sqrt(k(x,x) k(x',x')), measured against the erf/relu closed forms.

Pair level: :func:`onestep.pairs.pair_kernel` (closed forms, quadrature, Mehler; re-exported
here).

Gram level (:func:`gaussian_kernel_gram`): ``series``, the default without a closed form (not in
THEORY.md). Write ``<w,x> = sqrt(c/d) <g, x_perp> + sqrt(c/d + theta) xi <u,x>`` (g ~ N(0, I),
xi ~ N(0, 1), ``x_perp = x - <u,x> u``) and apply Mehler's formula conditionally on xi in the
*bulk* correlation rho0 = <x_perp, x'_perp> / (|x_perp| |x'_perp|), ~d^{-1/2} for generic inputs::

    k(x, x') = sum_k rho0^k E_xi[M_k(x, xi) M_k(x', xi)] / k!,
    M_k(x, xi) = E_G[s(sqrt(c/d + theta) <u,x> xi + sqrt(c/d) |x_perp| G) He_k(G)].

For each k the xi average is one BLAS product. K is set per block from max |rho0| for a 1e-12
tail; pairs with |rho0| > 1/2 (the diagonal, near-duplicates) go to the quadrature. M_k uses a
composite Gauss-Legendre rule in G (1e-12 for sqrt(c/d)|x_perp| <= 3, 1e-11 at 4; Gauss-Hermite
needs > 250 nodes for 1e-8 at 2); xi uses panels halving towards 0, where every row turns over.
Measured: erf vs closed form <= 1e-13 (theta <= 30, d >= 20), tanh and polynomial s vs quadrature
~1e-14; tanh 2000 x 2000 at d = 200, theta = 2: 0.9 s on 2 idle cores (2-3.5 s when shared).
Kinked s (relu, ~2e-5) should use the closed form. theta in [-c/d, 0) (Sigma still PSD, e.g. a
noisy estimate of theta = 0) is accepted everywhere.
"""

from __future__ import annotations

import math

import numpy as np

from .activations import Activation
from .pairs import (
    _TAIL,
    CLOSED_FORMS,
    _activation,
    _legendre_pieces,
    _quadrature_pair,
    _safe_divide,
    pair_kernel,
)

__all__ = [
    "CLOSED_FORMS",
    "pair_kernel",
    "spiked_covariance_moments",
    "input_transform",
    "gaussian_kernel_gram",
    "random_features_gram",
    "relative_frobenius_gap",
]

_RHO_MAX = 0.5  # series: pairs with larger |rho0| go to quadrature
_SERIES_TOL = 1e-12  # series: relative truncation error
_G_PANEL, _G_NODES = 0.5, 10  # series: composite Gauss-Legendre in G (400 nodes)
_XI_NODES = 10  # series: Gauss-Legendre nodes per xi panel

def _check_rows(X, name: str, d: int | None = None) -> np.ndarray:
    X = np.asarray(X, dtype=np.float64)
    if X.ndim != 2 or X.shape[0] == 0 or (d is not None and X.shape[1] != d):
        want = "(n_rows, d)" if d is None else f"(n_rows, {d})"
        raise ValueError(f"{name}: expected a non-empty array of shape {want}, got {X.shape}")
    if not np.all(np.isfinite(X)):
        raise ValueError(f"{name}: contains non-finite values")
    return X


def _check_spike(c, theta, direction, d: int) -> np.ndarray | None:
    if not (np.isfinite(c) and c > 0):
        raise ValueError(f"c={c!r}: must be finite and > 0")
    if not (np.isfinite(theta) and theta >= -c / d):
        raise ValueError(f"theta={theta!r}: must be finite and >= -c/d = {-c / d!r} (Sigma PSD)")
    if direction is None:
        if theta != 0:
            raise ValueError(f"direction=None: a unit direction is required when theta={theta!r}")
        return None
    u = np.asarray(direction, dtype=np.float64)
    if u.shape != (d,):
        raise ValueError(f"direction: expected shape ({d},), got {u.shape}")
    norm = float(np.linalg.norm(u))
    if not abs(norm - 1.0) <= 1e-8:
        raise ValueError(f"direction: must have unit norm (to 1e-8), got norm {norm!r}")
    return u / norm


def _row_moments(Z, c, theta, u):
    """``(z^T Sigma z, <u, z>)`` for each row of Z."""
    kappa = Z @ u if u is not None else np.zeros(Z.shape[0])
    return (c / Z.shape[1]) * np.einsum("ij,ij->i", Z, Z) + theta * kappa**2, kappa


def spiked_covariance_moments(X, Y=None, *, c, theta, direction):
    """Moments of ``(<w,x>, <w,y>)``, ``w ~ N(0, Sigma)``, ``Sigma = (c/d) I + theta u u^T``.

    O(m m' d), without forming Sigma; float64.

    Parameters
    ----------
    X : array_like of shape (m, d)
    Y : array_like of shape (m', d) or None
        None means ``Y = X``.
    c : float
        Bulk scale, > 0.
    theta : float
        Spike strength, >= -c/d (Sigma positive semi-definite).
    direction : array_like of shape (d,) or None
        Unit spike direction ``u`` (norm checked to 1e-8); None only when ``theta == 0``.

    Returns
    -------
    q_x : ndarray of shape (m,)
        ``x^T Sigma x``.
    q_y : ndarray of shape (m',)
    P : ndarray of shape (m, m')
        ``X Sigma Y^T``.
    """
    X = _check_rows(X, "X")
    Y = X if Y is None else _check_rows(Y, "Y", X.shape[1])
    u = _check_spike(c, theta, direction, X.shape[1])
    (q_x, k_x), (q_y, k_y) = _row_moments(X, c, theta, u), _row_moments(Y, c, theta, u)
    return q_x, q_y, (c / X.shape[1]) * (X @ Y.T) + theta * np.outer(k_x, k_y)


def input_transform(X, *, c, theta, direction):
    """Input-space view of the spike: ``X A^T`` with ``A = sqrt(d Sigma)``.

    ``A = sqrt(c) (I - u u^T) + sqrt(c + d theta) u u^T``, so ``k1(x, x') = k0(A x, A x')`` with
    ``k0`` the isotropic kernel (``c = 1, theta = 0``).

    Parameters
    ----------
    X : array_like of shape (m, d)
    c, theta, direction
        As in :func:`spiked_covariance_moments`.

    Returns
    -------
    ndarray of shape (m, d), float64.
    """
    X = _check_rows(X, "X")
    d = X.shape[1]
    u = _check_spike(c, theta, direction, d)
    out = math.sqrt(c) * X
    if u is not None:
        out += (math.sqrt(c + d * theta) - math.sqrt(c)) * np.outer(X @ u, u)
    return out


def _sign_symmetric(act: Activation) -> bool:
    # Odd or even s: each xi-integrand M_k(x, xi) M_k(x', xi) is even in xi.
    z = np.linspace(0.1, 6.0, 60)
    plus, minus = act.numpy(z), act.numpy(-z)
    tol = 1e-14 * (np.max(np.abs(plus)) + 1e-300)
    return bool(np.max(np.abs(plus - minus)) <= tol or np.max(np.abs(plus + minus)) <= tol)


def _series_terms(r: float) -> int:
    """Smallest K with r^K <= tol: the tail beyond K terms is <= r^K sqrt(k(x,x) k(x',x'))."""
    return 1 if r <= 0 else max(1, math.ceil(math.log(_SERIES_TOL) / math.log(r)))


def _series_split(Z, u):
    """``(<u, z>, z_perp)`` per row (u None: no spike, z_perp = z)."""
    if u is None:
        return np.zeros(Z.shape[0]), Z
    kappa = Z @ u
    return kappa, Z - np.outer(kappa, u)


def _xi_rule(act: Activation, spike: float, kappa_max: float):
    """Nodes and weights in xi ~ N(0, 1) for the series (spike = sqrt(c/d + theta))."""
    if spike * kappa_max == 0:
        return np.zeros(1), np.ones(1)
    # Row z turns over at xi ~ 1 / (spike |kappa_z|): panels halve towards 0 down to that scale.
    levels = max(3, math.ceil(math.log2(_TAIL * spike * kappa_max)))
    # ... plus two cuts in the outer panels so that the Gaussian tail is integrated to 1e-16.
    edges = np.union1d(_TAIL * 2.0 ** -np.arange(levels, 0, -1), [3.75, 7.0])
    xi, w = _legendre_pieces(np.concatenate([-edges[::-1], [0.0], edges]), _XI_NODES)
    if _sign_symmetric(act):
        return xi[xi > 0], 2.0 * w[xi > 0]
    return xi, w


def _series_tables(act, kappa, perp, bulk, spike, xi, n_terms: int):
    """``M_k(z, xi) / sqrt(k!)`` per row, shape (n_terms, m, n_xi)."""
    # Composite rule in G (panels 0.5 wide): resolves tanh(a + sigma G) wherever -a/sigma falls;
    # Gauss-Hermite needs > 250 nodes for 1e-8 at sigma = 2 with k up to 40.
    g, wg = _legendre_pieces(np.arange(-_TAIL + _G_PANEL, _TAIL, _G_PANEL), _G_NODES)
    basis = np.empty((n_terms, g.size))  # He_k / sqrt(k!) by the normalised recurrence
    basis[0] = 1.0
    if n_terms > 1:
        basis[1] = g
    for k in range(1, n_terms - 1):
        basis[k + 1] = (g * basis[k] - math.sqrt(k) * basis[k - 1]) / math.sqrt(k + 1)
    basis *= wg
    sigma = bulk * np.linalg.norm(perp, axis=1)
    out = np.empty((n_terms, kappa.size, xi.size))
    chunk = max(1, 2**21 // (xi.size * g.size))
    for s in range(0, kappa.size, chunk):
        e = min(kappa.size, s + chunk)
        args = (spike * kappa[s:e, None, None]) * xi[:, None] + sigma[s:e, None, None] * g
        vals = act.numpy(args).reshape(-1, g.size) @ basis.T  # (rows * n_xi, n_terms)
        out[:, s:e] = vals.T.reshape(n_terms, e - s, xi.size)
    return out


def _series_block(act, tables, omega, rows, cols, consts, n_nodes):
    """Conditional Mehler series for one block; pairs with |rho0| > _RHO_MAX by quadrature.

    ``rows``/``cols`` are ``(kappa, perp, q)``; ``consts = (c/d, c/d + theta)``.
    """
    (k_x, perp_x, q_x), (k_y, perp_y, q_y) = rows, cols
    inner = perp_x @ perp_y.T
    rho0 = _safe_divide(inner, np.outer(np.linalg.norm(perp_x, axis=1),
                                        np.linalg.norm(perp_y, axis=1)))
    far = np.abs(rho0) > _RHO_MAX
    near = np.abs(rho0[~far])
    n_terms = _series_terms(float(near.max()) if near.size else 0.0)
    weighted = tables[0][:n_terms] * omega
    out = weighted[-1] @ tables[1][n_terms - 1].T
    term = np.empty_like(out)
    for k in range(n_terms - 2, -1, -1):  # Horner in rho0
        out *= rho0
        out += np.matmul(weighted[k], tables[1][k].T, out=term)
    if np.any(far):
        i, j = np.nonzero(far)
        p = consts[0] * inner[i, j] + consts[1] * k_x[i] * k_y[j]
        out[i, j] = _quadrature_pair(act, q_x[i], q_y[j], p, n_nodes)
    return out


def _check_block_size(block_size) -> int:
    if isinstance(block_size, bool) or not isinstance(block_size, int | np.integer) \
            or block_size < 1:
        raise ValueError(f"block_size={block_size!r}: expected a positive integer")
    return int(block_size)


def gaussian_kernel_gram(X, Y=None, *, activation, c=1.0, theta=0.0, direction=None,
                         block_size: int = 2048, method: str = "auto", n_nodes: int = 64,
                         n_terms: int = 60):
    """Gram matrix of ``k(x, x') = E_{w ~ N(0, Sigma)}[s(<w,x>) s(<w,x'>)]``, float64.

    ``Sigma = (c/d) I + theta u u^T``; the defaults ``c = 1, theta = 0`` give ``k0``.

    Parameters
    ----------
    X : array_like of shape (m, d)
    Y : array_like of shape (m', d) or None
        None: ``Y = X`` and the result is exactly symmetric (upper blocks mirrored).
    activation : str or Activation
    c, theta, direction
        As in :func:`spiked_covariance_moments`.
    block_size : int, optional
        Rows of X per block: O(block_size m') floats at a time, plus for ``series`` tables of
        <= 40 x ~90 floats per row of X and Y (~30 kB per row).
    method : {'auto', 'closed', 'series', 'quadrature', 'mehler'}, optional
        ``auto``: ``closed`` for relu/erf, else ``series`` (conditional Mehler series, ~1e-12
        relative for smooth s; see the module docstring). ``quadrature`` and ``mehler`` apply
        :func:`pair_kernel` to every pair (slow; for checks).
    n_nodes : int, optional
        Quadrature nodes per piece (``quadrature``; the |rho0| > 1/2 pairs of ``series``).
    n_terms : int, optional
        Terms of the ``mehler`` method.

    Returns
    -------
    ndarray of shape (m, m')
    """
    act = _activation(activation)
    X = _check_rows(X, "X")
    m, d = X.shape
    same = Y is None
    Y = X if same else _check_rows(Y, "Y", d)
    u = _check_spike(c, theta, direction, d)
    block_size = _check_block_size(block_size)
    if method not in ("auto", "closed", "series", "quadrature", "mehler"):
        raise ValueError(f"method={method!r}: expected 'auto', 'closed', 'series', "
                         "'quadrature' or 'mehler'")
    if method == "closed" and act.name not in CLOSED_FORMS:
        raise ValueError(f"activation={act.name!r}: no closed form; closed forms: {CLOSED_FORMS}")
    if method == "auto":
        method = "closed" if act.name in CLOSED_FORMS else "series"
    (q_x, k_x), (q_y, k_y) = _row_moments(X, c, theta, u), _row_moments(Y, c, theta, u)
    if method == "series":
        axis = u if theta != 0 else None  # theta = 0: no xi integral at all
        bulk, spike = math.sqrt(c / d), math.sqrt(c / d + theta)
        (k_x, perp_x), (k_y, perp_y) = _series_split(X, axis), _series_split(Y, axis)
        xi, omega = _xi_rule(act, spike, max(np.max(np.abs(k_x)), np.max(np.abs(k_y))))
        n_max = _series_terms(_RHO_MAX)
        tables_y = _series_tables(act, k_y, perp_y, bulk, spike, xi, n_max)
    out = np.empty((m, Y.shape[0]))
    for start in range(0, m, block_size):
        rows = slice(start, min(m, start + block_size))
        cols = slice(start, None) if same else slice(None)
        if method == "series":
            tables_x = tables_y[:, rows] if same else _series_tables(
                act, k_x[rows], perp_x[rows], bulk, spike, xi, n_max)
            block = _series_block(act, (tables_x, tables_y[:, cols]), omega,
                                  (k_x[rows], perp_x[rows], q_x[rows]),
                                  (k_y[cols], perp_y[cols], q_y[cols]),
                                  (c / d, c / d + theta), n_nodes)
        else:
            p = (c / d) * (X[rows] @ Y[cols].T) + theta * np.outer(k_x[rows], k_y[cols])
            block = pair_kernel(q_x[rows, None], q_y[None, cols], p, activation=act,
                                method=method, n_nodes=n_nodes, n_terms=n_terms)
        if same:  # exact symmetry: symmetrise the diagonal block, mirror the rest
            size = rows.stop - rows.start
            block[:, :size] = 0.5 * (block[:, :size] + block[:, :size].T)
            out[rows, cols] = block
            out[cols, rows] = block.T
        else:
            out[rows] = block
    return out


def random_features_gram(W, X, Y=None, *, activation, block_size: int = 2048):
    """Empirical random-features kernel ``(1/N) s(X W^T) s(Y W^T)^T``, float64.

    Parameters
    ----------
    W : array_like of shape (N, d)
        First-layer weights, one neuron per row.
    X : array_like of shape (m, d)
    Y : array_like of shape (m', d) or None
        None: ``Y = X`` and the result is exactly symmetric.
    activation : str or Activation
    block_size : int, optional
        Neurons per block; features take O((m + m') block_size) floats.

    Returns
    -------
    ndarray of shape (m, m')
    """
    act = _activation(activation)
    W = _check_rows(W, "W")
    X = _check_rows(X, "X", W.shape[1])
    same = Y is None
    Y = X if same else _check_rows(Y, "Y", W.shape[1])
    block_size = _check_block_size(block_size)
    out = np.zeros((X.shape[0], Y.shape[0]))
    for start in range(0, W.shape[0], block_size):
        block = W[start : start + block_size]
        feat_x = act.numpy(X @ block.T)
        out += feat_x @ (feat_x if same else act.numpy(Y @ block.T)).T
    out /= W.shape[0]
    return 0.5 * (out + out.T) if same else out


def relative_frobenius_gap(K, K_ref) -> float:
    """``||K - K_ref||_F / ||K_ref||_F``.

    Parameters
    ----------
    K, K_ref : array_like of the same shape

    Returns
    -------
    float
    """
    K, K_ref = np.asarray(K, dtype=np.float64), np.asarray(K_ref, dtype=np.float64)
    if K.shape != K_ref.shape:
        raise ValueError(f"K: shape {K.shape} differs from K_ref's {K_ref.shape}")
    norm = float(np.linalg.norm(K_ref))
    if not (np.isfinite(norm) and norm > 0):
        raise ValueError(f"K_ref: Frobenius norm must be finite and > 0, got {norm!r}")
    return float(np.linalg.norm(K - K_ref)) / norm
