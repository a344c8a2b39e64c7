"""Gaussian-weight kernels k(x, x') = E_{w ~ N(0, Sigma)}[s(<w,x>) s(<w,x'>)] (THEORY.md section 3).

``Sigma = (c/d) I + theta u u^T`` (``theta = 0, c = 1``: the isotropic ``k0``). Everything is float64.

Pair level, ``pair_kernel(q, q', p)`` = E[s(U) s(V)] for a centred Gaussian pair, three methods:

- ``closed``: arc-cosine (relu) and arcsine (erf) closed forms.
- ``quadrature``: 2-D Gauss-Legendre against the normal density on [-10, 10], each axis split at
  the (soft) kink of s seen in that variable (0 for smooth s). A tensor Gauss-Hermite rule is
  exact to ~1e-10 only for q ~ 1: for tanh/erf at q = 25 its error is ~1e-2 with 64 nodes/axis
  (poles of tanh(sqrt(q) z) at distance pi/(2 sqrt q) from the real axis), and it converges only
  algebraically at the relu kink. The split rule with ``n_nodes = 48`` per piece matches the erf
  closed form to < 1e-14 for q <= 4 and ~1e-8 at q = 50, and relu to ~1e-15.
- ``mehler``: ``sum_{k <= K} rho^k / k! mu_k(sqrt q) mu_k(sqrt q')``, mu_k once per distinct scale.
  Geometric in |rho| but slow as |rho| -> 1 (at rho = 1 the tail is ~K^{-3/2} for relu,
  ~exp(-pi sqrt(2K) / (2 sqrt q)) for tanh), and along the spike rho = p / sqrt(q q') -> 1 for
  large theta kappa kappa'. A cross-check, not the production path.

Gram level, the default for activations without a closed form is ``series``: writing
``<w,x> = sqrt(c/d) <g,x> + sqrt(theta) xi <u,x>`` and conditioning on xi ~ N(0,1), Mehler's
formula in the *isotropic* correlation rho0 = <x,x'>/(|x||x'|) (~ d^{-1/2} for generic inputs) gives
``k(x,x') = sum_k rho0^k E_xi[M_k(x,xi) M_k(x',xi)] / k!``,  ``M_k(x,xi) = E_G[s(sqrt(theta) <u,x>
xi + sqrt(c/d)|x| G) He_k(G)]``; per k the xi average is one BLAS product. Terms are bounded by
|rho0|^k sqrt(k(x,x) k(x',x')) (Cauchy-Schwarz), so K is chosen per block for a 1e-12 relative
tail; pairs with |rho0| > 0.5 (the diagonal, near-duplicates) go to the quadrature. tanh, 2000 x 2000
at d = 200: ~1-2 s, ~1e-12 relative to the erf closed form (tests/test_kernels.py). Not in
THEORY.md: the spike-conditioned series itself, and the finding that the tensor Gauss-Hermite rule
suggested for quadrature is inaccurate at the q ~ 1 + theta kappa^2 reached along the spike.
"""

from __future__ import annotations

import math
from dataclasses import replace
from functools import lru_cache

import numpy as np

from .activations import Activation, get_activation
from .hermite import hermite_coefficients

__all__ = [
    "CLOSED_FORMS",
    "pair_kernel",
    "spiked_covariance_moments",
    "input_transform",
    "gaussian_kernel_gram",
    "random_features_gram",
    "relative_frobenius_gap",
]

CLOSED_FORMS = ("relu", "erf")

_TAIL = 10.0  # Gaussian mass beyond 10 sd is ~1e-23
_PAIR_CHUNK = 4096  # pairs per quadrature chunk (bounds memory)
_RHO_MAX = 0.5  # series path: larger |rho0| goes to quadrature
_SERIES_TOL = 1e-12  # series path: relative truncation error
_G_PANEL, _G_NODES = 0.5, 10  # series: composite Gauss-Legendre in G (400 nodes on [-10, 10])
_XI_NODES = 12  # series: Gauss-Legendre nodes per geometric panel in xi


def _activation(activation) -> Activation:
    return activation if isinstance(activation, Activation) else get_activation(activation)


def _relu_pair(q, q_prime, p):
    norm = np.sqrt(q * q_prime)
    cos = np.clip(p / np.where(norm > 0, norm, 1.0), -1.0, 1.0)
    angle = np.arccos(cos)
    return norm * (np.sin(angle) + (math.pi - angle) * cos) / (2.0 * math.pi)


def _erf_pair(q, q_prime, p):
    return (2.0 / math.pi) * np.arcsin(2.0 * p / np.sqrt((1.0 + 2.0 * q) * (1.0 + 2.0 * q_prime)))


@lru_cache(maxsize=16)
def _leggauss(n_nodes: int):
    return np.polynomial.legendre.leggauss(n_nodes)


def _legendre_pieces(splits, n_nodes: int):
    """Rule for E[f(G)] on [-TAIL, TAIL] cut at ``splits`` (..., s), sorted: (..., (s+1) n)."""
    base_x, base_w = _leggauss(n_nodes)
    splits = np.clip(splits, -_TAIL, _TAIL)
    ends = np.full(splits.shape[:-1] + (1,), _TAIL)
    edges = np.concatenate([-ends, splits, ends], axis=-1)
    lo, half = edges[..., :-1, None], 0.5 * np.diff(edges, axis=-1)[..., None]
    nodes = lo + half * (base_x + 1.0)
    weights = half * base_w * np.exp(-0.5 * nodes**2) / math.sqrt(2.0 * math.pi)
    return nodes.reshape(splits.shape[:-1] + (-1,)), weights.reshape(splits.shape[:-1] + (-1,))


def _quadrature_pair(act: Activation, q, q_prime, p, n_nodes: int):
    # U = sqrt(q) z1, V = sqrt(q') (rho z1 + comp z2); each axis split where s's argument hits a kink.
    kinks = np.array(act.kinks if act.kinks else (0.0,), dtype=float)
    shape = np.broadcast(q, q_prime, p).shape
    flat = [np.broadcast_to(a, shape).ravel() for a in (q, q_prime, p)]
    out = np.empty(int(np.prod(shape)))
    for start in range(0, out.size, _PAIR_CHUNK):
        qq, qp, pp = (a[start : start + _PAIR_CHUNK, None] for a in flat)
        sq, sqp = np.sqrt(qq), np.sqrt(qp)
        rho = np.clip(_safe_divide(pp, sq * sqp), -1.0, 1.0)
        comp = np.sqrt(1.0 - rho**2)
        z1, w1 = _legendre_pieces(_safe_divide(kinks, sq), n_nodes)
        f1 = w1 * act.numpy(sq * z1)
        total = np.zeros(qq.shape[0])
        for j in range(z1.shape[1]):
            mean = rho * z1[:, j : j + 1]
            z2, w2 = _legendre_pieces(_safe_divide(kinks / sqp - mean, comp), n_nodes)
            total += f1[:, j] * np.sum(w2 * act.numpy(sqp * (mean + comp * z2)), axis=-1)
        out[start : start + _PAIR_CHUNK] = total
    return out.reshape(shape)


def _safe_divide(num, den):
    num, den = np.broadcast_arrays(np.asarray(num, dtype=float), np.asarray(den, dtype=float))
    return np.divide(num, den, out=np.zeros(num.shape), where=den > 0)


def _scaled_hermite(act: Activation, n_terms: int, scales) -> np.ndarray:
    """``mu_k(scale) / sqrt(k!)``, k < n_terms, shape (n_scales, n_terms); scale 0 allowed."""
    out = np.zeros((scales.size, n_terms))
    out[:, 0] = act.numpy(np.zeros(1))[0]  # s(0 * G) = s(0)
    positive = scales > 0
    if np.any(positive):
        # Gauss-Hermite loses accuracy for scale >~ 3 (tanh(scale z) has poles near the real
        # axis); Gauss-Legendre split at the (soft) kink 0 is exact to ~1e-14 up to scale 10.
        split = replace(act, kinks=act.kinks or (0.0,))
        out[positive] = hermite_coefficients(split, n_terms - 1, scale=scales[positive])
    log_fact = np.array([math.lgamma(k + 1.0) for k in range(n_terms)])
    return out * np.exp(-0.5 * log_fact)


def _mehler_pair(act: Activation, q, q_prime, p, n_terms: int):
    q, q_prime, p = np.broadcast_arrays(q, q_prime, p)
    scales, inverse = np.unique(np.sqrt(np.concatenate([q.ravel(), q_prime.ravel()])),
                                return_inverse=True)
    coef = _scaled_hermite(act, n_terms, scales)[inverse]  # (2 n_pairs, K)
    left, right = coef[: q.size], coef[q.size :]
    rho = np.clip(_safe_divide(p, np.sqrt(q * q_prime)), -1.0, 1.0).ravel()
    total = left[:, -1] * right[:, -1]
    for k in range(n_terms - 2, -1, -1):  # Horner in rho
        total = left[:, k] * right[:, k] + rho * total
    return total.reshape(q.shape)


def pair_kernel(q, q_prime, p, *, activation, method: str = "auto", n_nodes: int = 48,
                n_terms: int = 60):
    """``E[s(U) s(V)]`` for ``(U, V)`` centred Gaussian with ``Var U = q``, ``Var V = q'``,
    ``Cov(U, V) = p``.

    Parameters
    ----------
    q, q_prime, p : array_like
        Broadcastable arrays; ``q, q' >= 0`` and ``|p| <= sqrt(q q')``.
    activation : str or Activation
    method : {'auto', 'closed', 'quadrature', 'mehler'}, optional
        ``auto`` uses the closed form for relu (arc-cosine) and erf (arcsine), else quadrature.
        See the module docstring for the accuracy of each.
    n_nodes : int, optional
        Quadrature: Gauss-Legendre nodes per piece and axis (two pieces per axis for one kink).
    n_terms : int, optional
        Mehler: number of terms ``k = 0..n_terms-1`` (at most 120); the tail is ~|rho|^n_terms.

    Returns
    -------
    ndarray of the broadcast shape, float64.
    """
    act = _activation(activation)
    q, q_prime, p = (np.asarray(a, dtype=np.float64) for a in (q, q_prime, p))
    if method not in ("auto", "closed", "quadrature", "mehler"):
        raise ValueError(f"method={method!r}: expected 'auto', 'closed', 'quadrature' or 'mehler'")
    for name, value in (("q", q), ("q_prime", q_prime)):
        if not np.all(np.isfinite(value)) or np.any(value < 0):
            raise ValueError(f"{name}: variances must be finite and >= 0, min {np.min(value)!r}")
    if np.any(np.abs(p) > np.sqrt(q * q_prime) * (1 + 1e-9) + 1e-300):
        raise ValueError("p: covariance violates |p| <= sqrt(q q')")
    closed = {"relu": _relu_pair, "erf": _erf_pair}.get(act.name)
    if method == "closed" and closed is None:
        raise ValueError(f"activation={act.name!r}: no closed form; closed forms: {CLOSED_FORMS}")
    if method == "mehler":
        if not 1 <= int(n_terms) <= 120:
            raise ValueError(f"n_terms={n_terms!r}: expected 1 <= n_terms <= 120")
        return _mehler_pair(act, q, q_prime, p, int(n_terms))
    if closed is not None and method != "quadrature":
        return closed(q, q_prime, p)
    if int(n_nodes) < 2:
        raise ValueError(f"n_nodes={n_nodes!r}: expected >= 2")
    return _quadrature_pair(act, q, q_prime, p, int(n_nodes))


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
    if not (np.isfinite(theta) and theta >= 0):
        raise ValueError(f"theta={theta!r}: must be finite and >= 0")
    if direction is None:
        if theta != 0:
            raise ValueError(f"direction=None: a unit direction is required when theta={theta!r}")
        return None
    u = np.asarray(direction, dtype=np.float64)
    if u.shape != (d,):
        raise ValueError(f"direction: expected shape ({d},), got {u.shape}")
    norm = float(np.linalg.norm(u))
    if not abs(norm - 1.0) <= 1e-8:
        raise ValueError(f"direction: must have unit norm, got |direction| = {norm!r}")
    return u / norm


def _row_moments(Z, c, theta, u):
    """``(z^T Sigma z, <u, z>)`` per row of Z."""
    kappa = Z @ u if u is not None else np.zeros(Z.shape[0])
    return (c / Z.shape[1]) * np.einsum("ij,ij->i", Z, Z) + theta * kappa**2, kappa


def _moments(X, Y, c, theta, u):
    (q_x, k_x), (q_y, k_y) = _row_moments(X, c, theta, u), _row_moments(Y, c, theta, u)
    return q_x, q_y, (c / X.shape[1]) * (X @ Y.T) + theta * np.outer(k_x, k_y)


def spiked_covariance_moments(X, Y=None, *, c, theta, direction):
    """Second moments of ``<w,x>, <w,y>`` for ``w ~ N(0, Sigma)``, ``Sigma = (c/d) I + theta u u^T``.

    Computed in O(m m' d) without forming Sigma; float64.

    Parameters
    ----------
    X : array_like of shape (m, d)
    Y : array_like of shape (m', d) or None
        None means ``Y = X``.
    c : float
        Bulk scale, > 0.
    theta : float
        Spike strength, >= 0.
    direction : array_like of shape (d,) or None
        Unit spike direction ``u`` (checked to 1e-8); may be None only when ``theta == 0``.

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
    return _moments(X, Y, c, theta, _check_spike(c, theta, direction, X.shape[1]))


def input_transform(X, *, c, theta, direction):
    """Input-space view of the spike: ``X A^T`` with ``A = sqrt(d Sigma)``.

    ``A = sqrt(c) (I - u u^T) + sqrt(c + d theta) u u^T``, so that ``k1(x, x') = k0(A x, A x')``
    with ``k0`` the isotropic kernel (``c = 1, theta = 0``).

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


def _is_symmetric_in_sign(act: Activation) -> bool:
    # Odd or even s: E_xi[M_k(x, xi) M_k(x', xi)] is even in xi, so xi >= 0 suffices.
    z = np.linspace(0.1, 6.0, 60)
    plus, minus = act.numpy(z), act.numpy(-z)
    scale = np.max(np.abs(plus)) + 1e-300
    return bool(np.max(np.abs(plus - minus)) <= 1e-14 * scale
                or np.max(np.abs(plus + minus)) <= 1e-14 * scale)


def _series_terms(r: float) -> int:
    """Terms k < K with r^K <= tol: the tail is <= r^K sqrt(k(x,x) k(x',x'))."""
    if r <= 0:
        return 1
    return max(1, math.ceil(math.log(_SERIES_TOL) / math.log(r)))


def _series_tables(act, Z, c, theta, u, xi, n_terms: int):
    """``M_k(z, xi) / sqrt(k!)`` for each row of Z, shape (n_terms, m, n_xi)."""
    # Composite rule in G: resolves tanh(a + sigma G) wherever its soft kink -a/sigma falls
    # (Gauss-Hermite needs > 250 nodes for 1e-8 at sigma = 2); ~1e-12 up to sigma = 3.
    g, wg = _legendre_pieces(np.arange(-_TAIL + _G_PANEL, _TAIL, _G_PANEL), _G_NODES)
    basis = np.empty((n_terms, g.size))  # orthonormal He_k / sqrt(k!) by recurrence
    basis[0] = 1.0
    if n_terms > 1:
        basis[1] = g
    for k in range(1, n_terms - 1):
        basis[k + 1] = (g * basis[k] - math.sqrt(k) * basis[k - 1]) / math.sqrt(k + 1)
    basis *= wg
    sigma = np.sqrt((c / Z.shape[1]) * np.einsum("ij,ij->i", Z, Z))
    shift = math.sqrt(theta) * (Z @ u) if u is not None else np.zeros(Z.shape[0])
    out = np.empty((n_terms, Z.shape[0], xi.size))
    chunk = max(1, 2**21 // (xi.size * g.size))
    for s in range(0, Z.shape[0], chunk):
        e = min(Z.shape[0], s + chunk)
        args = shift[s:e, None, None] * xi[:, None] + sigma[s:e, None, None] * g
        vals = act.numpy(args).reshape(-1, g.size) @ basis.T  # (b * n_xi, n_terms)
        out[:, s:e] = vals.T.reshape(n_terms, e - s, xi.size)
    return out


def _xi_rule(act: Activation, theta: float, u, kappa_max: float):
    """Nodes and weights for E over the spike coordinate xi ~ N(0, 1)."""
    if u is None or theta == 0:
        return np.zeros(1), np.ones(1)
    # s's argument sqrt(theta) kappa xi + ... turns over at xi ~ 1 / (sqrt(theta) kappa) for
    # every row: Gauss-Legendre on panels graded geometrically towards 0 resolves all scales.
    levels = max(1, math.ceil(math.log2(max(_TAIL * math.sqrt(theta) * kappa_max, 2.0))))
    edges = _TAIL * 2.0 ** -np.arange(levels, 0, -1)
    xi, w = _legendre_pieces(np.concatenate([-edges[::-1], [0.0], edges]), _XI_NODES)
    if _is_symmetric_in_sign(act):
        keep = xi > 0
        return xi[keep], 2.0 * w[keep]
    return xi, w


def _series_block(act, tables_x, tables_y, omega, Xb, Yb, moments, n_nodes):
    """Spike-conditioned Mehler series for one block; far pairs by quadrature."""
    q_x, q_y, (k_x, k_y), c, theta = moments
    inner = Xb @ Yb.T
    rho0 = _safe_divide(inner, np.outer(np.linalg.norm(Xb, axis=1), np.linalg.norm(Yb, axis=1)))
    far = np.abs(rho0) > _RHO_MAX
    near = np.abs(rho0[~far])
    n_terms = _series_terms(float(near.max()) if near.size else 0.0)
    out = (tables_x[n_terms - 1] * omega) @ tables_y[n_terms - 1].T
    for k in range(n_terms - 2, -1, -1):  # Horner in rho0
        out *= rho0
        out += (tables_x[k] * omega) @ tables_y[k].T
    if np.any(far):
        i, j = np.nonzero(far)
        p = (c / Xb.shape[1]) * inner[i, j] + theta * k_x[i] * k_y[j]
        out[i, j] = _quadrature_pair(act, q_x[i], q_y[j], p, n_nodes)
    return out


def gaussian_kernel_gram(X, Y=None, *, activation, c=1.0, theta=0.0, direction=None,
                         block_size: int = 2048, method: str = "auto", n_nodes: int = 48,
                         n_terms: int = 60):
    """Gram matrix of ``k(x, x') = E_{w ~ N(0, Sigma)}[s(<w,x>) s(<w,x'>)]``, float64.

    ``Sigma = (c/d) I + theta u u^T``; ``c = 1, theta = 0`` is the isotropic kernel ``k0``.

    Parameters
    ----------
    X : array_like of shape (m, d)
    Y : array_like of shape (m', d) or None
        None: ``Y = X`` and the result is exactly symmetric (upper blocks mirrored).
    activation : str or Activation
    c, theta, direction
        As in :func:`spiked_covariance_moments`.
    block_size : int, optional
        Rows of X per block; memory is O(block_size * m' * (1 + n_xi)).
    method : {'auto', 'closed', 'series', 'quadrature', 'mehler'}, optional
        ``auto``: ``closed`` for relu/erf, else ``series`` (spike-conditioned Mehler series,
        ~1e-12 relative for smooth s; pairs with |rho0| > 0.5 by quadrature; see the module
        docstring). ``quadrature`` / ``mehler``: :func:`pair_kernel` on every pair (slow, checks).
        ``series`` uses Gauss-Hermite in the bulk coordinate, so it is for smooth activations.
    n_nodes : int, optional
        Quadrature nodes per piece (``quadrature`` and the far pairs of ``series``).
    n_terms : int, optional
        Terms of the ``mehler`` method.

    Returns
    -------
    ndarray of shape (m, m')
    """
    act = _activation(activation)
    X = _check_rows(X, "X")
    same = Y is None
    Y = X if same else _check_rows(Y, "Y", X.shape[1])
    u = _check_spike(c, theta, direction, X.shape[1])
    if method not in ("auto", "closed", "series", "quadrature", "mehler"):
        raise ValueError(f"method={method!r}: expected 'auto', 'closed', 'series', "
                         "'quadrature' or 'mehler'")
    if method == "closed" and act.name not in CLOSED_FORMS:
        raise ValueError(f"activation={act.name!r}: no closed form; closed forms: {CLOSED_FORMS}")
    if not (isinstance(block_size, int | np.integer) and block_size >= 1):
        raise ValueError(f"block_size={block_size!r}: expected a positive integer")
    if method == "auto":
        method = "closed" if act.name in CLOSED_FORMS else "series"
    (q_x, k_x), (q_y, k_y) = _row_moments(X, c, theta, u), _row_moments(Y, c, theta, u)
    if method == "series":
        kappa_max = max(np.max(np.abs(k_x)), np.max(np.abs(k_y)))
        xi, omega = _xi_rule(act, theta, u, kappa_max)
        n_max = _series_terms(_RHO_MAX)
        tables_y = _series_tables(act, Y, c, theta, u, xi, n_max)
        tables_x = tables_y if same else _series_tables(act, X, c, theta, u, xi, n_max)
    out = np.empty((X.shape[0], Y.shape[0]))
    for start in range(0, X.shape[0], block_size):
        rows = slice(start, min(X.shape[0], start + block_size))
        cols = slice(start, None) if same else slice(None)
        if method == "series":
            moments = (q_x[rows], q_y[cols], (k_x[rows], k_y[cols]), c, theta)
            block = _series_block(act, tables_x[:, rows], tables_y[:, cols], omega,
                                  X[rows], Y[cols], moments, n_nodes)
        else:
            p = (c / X.shape[1]) * (X[rows] @ Y[cols].T) + theta * np.outer(k_x[rows], k_y[cols])
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
        None: ``Y = X``, and the result is exactly symmetric.
    activation : str or Activation
    block_size : int, optional
        Neurons per block; memory is O((m + m') * block_size).

    Returns
    -------
    ndarray of shape (m, m')
    """
    act = _activation(activation)
    W = _check_rows(W, "W")
    X = _check_rows(X, "X", W.shape[1])
    same = Y is None
    Y = X if same else _check_rows(Y, "Y", W.shape[1])
    if not (isinstance(block_size, int | np.integer) and block_size >= 1):
        raise ValueError(f"block_size={block_size!r}: expected a positive integer")
    out = np.zeros((X.shape[0], Y.shape[0]))
    for start in range(0, W.shape[0], block_size):
        Wb = W[start : start + block_size]
        feat_x = act.numpy(X @ Wb.T)
        out += feat_x @ (feat_x if same else act.numpy(Y @ Wb.T)).T
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
        raise ValueError(f"K: shape {K.shape} differs from K_ref shape {K_ref.shape}")
    norm = float(np.linalg.norm(K_ref))
    if not (np.isfinite(norm) and norm > 0):
        raise ValueError(f"K_ref: Frobenius norm must be finite and > 0, got {norm!r}")
    return float(np.linalg.norm(K - K_ref)) / norm
