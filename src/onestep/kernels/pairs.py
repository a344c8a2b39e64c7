"""The bivariate Gaussian expectation behind every kernel: ``pair_kernel(q, q', p) = E[s(U) s(V)]``
for a centred Gaussian pair (U, V) with ``Var U = q``, ``Var V = q'``, ``Cov = p``
(docs/THEORY.md section 3).
float64 throughout; accuracies are relative to sqrt(q q')-scaled values, measured against the
erf/relu closed forms. Methods:

- ``closed``: arc-cosine (relu) and arcsine (erf) closed forms;
- ``quadrature``: 2-D Gauss-Legendre against the normal density on [-10, 10]
  (:func:`onestep.quadrature.normal_pieces`), each axis cut where
  s's argument crosses a kink (0 for smooth s, the "soft kink" of tanh/erf), nodes crowded
  quadratically towards the cut. 48 nodes per piece: <= 1e-10 for q <= 60 (7e-9 at q = 250),
  relu <= 5e-11; 64 nodes: <= 1e-11 up to q = 250. Pairs with |rho| = 1 use a 1-D rule.
  Not a tensor Gauss-Hermite rule: exact to ~1e-10 only for q ~ 1, it gives 3e-3 for erf at
  q = 25 with 64 nodes/axis (tanh(sqrt(q) z) has poles pi / (2 sqrt q) off the real axis), while
  along a spike q ~ c + theta kappa^2 reaches 20-50; and it is algebraic at the relu kink.
- ``mehler``: ``sum_{k < K} rho^k mu_k(sqrt q) mu_k(sqrt q') / k!``, ``rho = p / sqrt(q q')``,
  mu_k once per distinct scale. The tail is <= |rho|^K: fast for |rho| <= 1/2 (60 terms: ~1e-14)
  but slow as |rho| -> 1: at rho = 1 the relu tail decays only like K^{-3/2} (3e-5 at K = 120),
  tanh/erf at q ~ 50 reach only ~1e-3; and along the spike rho -> 1 once theta kappa kappa' >> c.
  A cross-check, not the production path.
"""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np

from ..activations import Activation, as_activation
from ..hermite import hermite_coefficients
from ..quadrature import normal_pieces

__all__ = ["CLOSED_FORMS", "pair_kernel", "quadrature_pair", "safe_divide"]

CLOSED_FORMS = ("relu", "erf")

_PAIR_CHUNK = 4096  # pairs per quadrature chunk (bounds memory)


def safe_divide(num, den):
    """``num / den`` where ``den > 0``, else 0 (broadcast, float64)."""
    num, den = np.broadcast_arrays(np.asarray(num, dtype=float), np.asarray(den, dtype=float))
    return np.divide(num, den, out=np.zeros(num.shape), where=den > 0)


def _relu_pair(q, q_prime, p):
    # arc-cosine kernel; in place on one buffer (this is the inner loop of the sector rows)
    norm = np.sqrt(q * q_prime)
    cos = safe_divide(p, norm)
    np.clip(cos, -1.0, 1.0, out=cos)
    out = np.arccos(cos, out=np.empty_like(cos))
    np.subtract(math.pi, out, out=out)
    out *= cos
    np.multiply(cos, cos, out=cos)  # sin(arccos c) = sqrt(1 - c^2)
    np.subtract(1.0, cos, out=cos)
    np.sqrt(cos, out=cos)
    out += cos
    out *= norm
    out /= 2.0 * math.pi
    return out


def _erf_pair(q, q_prime, p):
    return (2.0 / math.pi) * np.arcsin(2.0 * p / np.sqrt((1.0 + 2.0 * q) * (1.0 + 2.0 * q_prime)))


def quadrature_pair(act: Activation, q, q_prime, p, n_nodes: int):
    """``E[s(U) s(V)]`` by 2-D clustered Gauss-Legendre (see module docstring), float64."""
    # U = sqrt(q) z1, V = sqrt(q') (rho z1 + comp z2); each axis cut where an argument hits a kink.
    kinks = np.array(act.kinks or (0.0,), dtype=float)
    shape = np.broadcast(q, q_prime, p).shape
    q, q_prime, p = (np.broadcast_to(a, shape).ravel() for a in (q, q_prime, p))
    sq, sqp = np.sqrt(q)[:, None], np.sqrt(q_prime)[:, None]
    rho = np.clip(safe_divide(p[:, None], sq * sqp), -1.0, 1.0)
    comp = np.sqrt(1.0 - rho**2)
    out = np.empty(q.size)
    # comp <= 1e-6 (the diagonal): V = sqrt(q') rho z1 up to O(comp^2); 1-D rule, 2n per piece.
    line = comp[:, 0] <= 1e-6
    if np.any(line):
        a, b = sq[line], sqp[line] * rho[line]
        cuts = np.sort(np.concatenate([safe_divide(kinks, a), safe_divide(kinks, b)], axis=1))
        z, w = normal_pieces(cuts, 2 * n_nodes, cluster=True)
        out[line] = np.sum(w * act.numpy(a * z) * act.numpy(b * z), axis=1)
    todo = np.flatnonzero(~line)
    for start in range(0, todo.size, _PAIR_CHUNK):
        idx = todo[start : start + _PAIR_CHUNK]
        a, b, r, cp = sq[idx], sqp[idx], rho[idx], comp[idx]
        z1, w1 = normal_pieces(safe_divide(kinks, a), n_nodes, cluster=True)
        f1 = w1 * act.numpy(a * z1)
        total = np.zeros(idx.size)
        for j in range(z1.shape[1]):
            mean = r * z1[:, j : j + 1]
            cut = safe_divide(safe_divide(kinks, b) - mean, cp)
            z2, w2 = normal_pieces(cut, n_nodes, cluster=True)
            total += f1[:, j] * np.sum(w2 * act.numpy(b * (mean + cp * z2)), axis=1)
        out[idx] = total
    return out.reshape(shape)


def _scaled_hermite(act: Activation, n_terms: int, scales) -> np.ndarray:
    """``mu_k(scale) / sqrt(k!)``, k < n_terms: shape (n_scales, n_terms); scale 0 allowed."""
    out = np.zeros((scales.size, n_terms))
    out[:, 0] = act.numpy(np.zeros(1))[0]  # s(0 * G) = s(0)
    positive = scales > 0
    if np.any(positive):
        # Gauss-Hermite (hermite.py's rule for smooth s) has error 4e-5 at scale 5, 7e-4 at 7
        # (erf, 200 nodes); Gauss-Legendre cut at the soft kink 0: ~1e-14 up to scale 10, k 120.
        split = replace(act, kinks=act.kinks or (0.0,))
        out[positive] = hermite_coefficients(split, n_terms - 1, scale=scales[positive])
    return out * np.exp(-0.5 * np.array([math.lgamma(k + 1.0) for k in range(n_terms)]))


def _mehler_pair(act: Activation, q, q_prime, p, n_terms: int):
    # Coefficients per distinct scale; pairs only index them (no per-pair table).
    scales, inverse = np.unique(np.sqrt(np.concatenate([q.ravel(), q_prime.ravel()])),
                                return_inverse=True)
    coef = _scaled_hermite(act, n_terms, scales)
    left, right = inverse[: q.size].reshape(q.shape), inverse[q.size :].reshape(q_prime.shape)
    rho = np.clip(safe_divide(p, np.sqrt(q * q_prime)), -1.0, 1.0)
    total = np.broadcast_to(coef[left, -1] * coef[right, -1], rho.shape).copy()
    term = np.empty_like(total)
    for k in range(n_terms - 2, -1, -1):  # Horner in rho, in place (same operations, same bits)
        total *= rho
        np.multiply(coef[left, k], coef[right, k], out=term)
        total += term
    return total


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
        Accuracy of each: see the module docstring.
    n_nodes : int, optional
        Quadrature: Gauss-Legendre nodes per piece and axis (two pieces per axis for one kink;
        formerly Gauss-Hermite nodes per axis).
    n_terms : int, optional
        Mehler: terms ``k = 0..n_terms-1`` (1 to 120); the tail is <= |rho|^n_terms relative.

    Returns
    -------
    ndarray of the broadcast shape, float64.
    """
    act = as_activation(activation)
    q, q_prime, p = (np.asarray(a, dtype=np.float64) for a in (q, q_prime, p))
    if method not in ("auto", "closed", "quadrature", "mehler"):
        raise ValueError(f"method={method!r}: expected 'auto', 'closed', 'quadrature' or 'mehler'")
    for name, value in (("q", q), ("q_prime", q_prime)):
        if not (np.all(np.isfinite(value)) and np.all(value >= 0)):
            raise ValueError(f"{name}: variances must be finite and >= 0 (min {np.min(value)!r})")
    if not np.all(np.abs(p) <= np.sqrt(q * q_prime) * (1.0 + 1e-9)):
        raise ValueError("p: covariances must be finite with |p| <= sqrt(q q')")
    closed = {"relu": _relu_pair, "erf": _erf_pair}.get(act.name)
    if method == "closed" and closed is None:
        raise ValueError(f"activation={act.name!r}: no closed form; closed forms: {CLOSED_FORMS}")
    if method == "mehler":
        if not 1 <= n_terms <= 120:
            raise ValueError(f"n_terms={n_terms!r}: expected 1 <= n_terms <= 120")
        return _mehler_pair(act, q, q_prime, p, int(n_terms))
    if closed is not None and method != "quadrature":
        return closed(q, q_prime, p)
    if not n_nodes >= 2:
        raise ValueError(f"n_nodes={n_nodes!r}: expected >= 2")
    return quadrature_pair(act, q, q_prime, p, int(n_nodes))
