"""Closed-form and large-step spectral predictions for k1 (docs/THEORY.md section 4).

Notation: ``x ~ N(0, I_d)``, ``Sigma = (c/d) I + theta u u^T``, ``kappa = <u, x>``,
``R = (|x|^2 - d) / sqrt(2d)``, ``m(t) = E_z s(sqrt(c) z + t)``.

ReLU linear modes (exact, any d). The arc-cosine kernel is ``sqrt(q q') a(rho)`` with
``a(rho) = 1/(2 pi) + rho/4 + (even powers of rho)``, so the part of k1 odd under ``x' -> -x'`` is
exactly ``p / 4 = x^T Sigma x' / 4``. Odd functions therefore see the operator ``f -> Sigma x / 4``
(``E[x x^T] = I``): eigenvalues ``(c/d + theta)/4`` on ``kappa`` and ``c/(4d)`` on the ``d - 1``
orthogonal linear functions, and 0 on every other odd function. (The reconstructed theory states
this via the k = 1 Mehler term; it is exact, not leading order.)

ReLU top mode (leading order in theta). The k = 0 term ``sqrt(q q') / (2 pi)`` is rank one with
eigenvalue ``E[q]/(2 pi) = (c + theta)/(2 pi)`` and eigenfunction ``sqrt(q)``. The k = 2 term
``p^2 / (4 pi sqrt(q q'))`` adds ``E[p^2] / (4 pi E[q]) = tr(Sigma^2) / (4 pi (c + theta))``,
``tr(Sigma^2) = c^2/d + 2 c theta/d + theta^2``, to the Rayleigh quotient of ``sqrt(q)``: this
does *not* vanish as d grows (the reconstruction's "leading order" is leading order in theta, not
in 1/d): ~3% at theta = 0.3, ~13% at theta = 1 (c = 1). ``eigenvalue_k2`` includes it. Use
:func:`large_step_spectrum` for a prediction that is exact in theta as d -> infinity.

General activation, large step (derivation; refines the reconstruction's last bullet). With
``w = sqrt(c/d) z + sqrt(theta) xi u``:
``<w, x> = sqrt(theta_d) kappa g + sqrt(c/d) <z_perp, x_perp>``, ``theta_d = theta + c/d``,
``g ~ N(0,1)`` shared by x and x'. The second part is Gaussian with variance ``c |x_perp|^2/d ~ c_d
= c (d-1)/d`` and covariance ``(c/d) <x_perp, x'_perp> =
O(d^{-1/2})``. Expanding in that covariance (Mehler), with ``m_d(t) = E_z s(sqrt(c_d) z + t)`` and
``M_j(kappa, kappa') = E_g[m_d^(j)(sqrt(theta_d) g kappa) m_d^(j)(sqrt(theta_d) g kappa')]``:

    k1 ~ M_0(kappa, kappa') + (c/d) <x_perp, x'_perp> M_1(kappa, kappa') + ...

- ``M_0`` acts on functions of kappa. Expanding ``m_d(sqrt(theta_d) kappa g)`` in ``He_k(g)`` gives
  the conditional Hermite coefficients ``beta_k(kappa)`` and ``M_0 = sum_k beta_k beta_k' / k!``
  (odd k: odd in kappa). Top even eigenvalue: the top mode; top odd: the boosted "linear" mode
  (eigenfunction near, not equal to, kappa for saturating s). To first order in theta it is
  ``theta_d m_d'(0)^2`` (the reconstruction's naive ``mu1^2 (c/d + theta)``); for tanh/erf
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
import pandas as pd

from ..activations import Activation, activation_parity, as_activation
from ..covariance import check_spike
from ..quadrature import chi_rule, hermite_gauss, normal_pieces
from ..theory import predict_spike

__all__ = [
    "THEORY_PRIORITY", "ReluTopMode", "LargeStepSpectrum", "relu_linear_eigenvalues",
    "relu_top_mode", "large_step_spectrum", "theory_rows", "theory_curves",
]

THEORY_PRIORITY = ("exact", "large_step", "k2", "leading")  # reference theory, best first


def relu_linear_eigenvalues(*, c: float, theta: float, d: int) -> tuple[float, float]:
    """Exact ReLU linear eigenvalues ``((c/d + theta)/4, c/(4d))``: boosted and orthogonal."""
    c, theta = check_spike(c, theta, d=d, nonnegative=True)
    return (c / d + theta) / 4.0, c / (4.0 * d)


@dataclass(frozen=True)
class ReluTopMode:
    """ReLU top mode: ``E[q]/(2 pi)``, with the k = 2 Mehler term, overlaps of ``sqrt(q)``."""

    eigenvalue: float
    eigenvalue_k2: float
    overlap_constant: float
    overlap_radial: float
    overlap_he2: float


def relu_top_mode(*, c: float, theta: float, d: int, n_nodes: int = 64) -> ReluTopMode:
    """Rank-one (k = 0 Mehler term) prediction for the ReLU top mode, see module docstring.

    Overlaps ``E[sqrt(q) f] / sqrt(E q)`` with ``f`` = 1, R and ``He2(kappa)/sqrt 2``, by 2-D
    quadrature over ``(kappa, |x_perp|)`` (Gauss-Hermite x Gauss rule for ``chi_{d-1}``).
    """
    c, theta = check_spike(c, theta, d=d, nonnegative=True)
    kappa, wk = hermite_gauss(n_nodes)
    r, wr = chi_rule(n_nodes, dof=int(d) - 1)
    k2, r2 = kappa[:, None] ** 2, r[None, :] ** 2
    w = np.outer(wk, wr)
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
        z, w = hermite_gauss(n_nodes)
        z = np.broadcast_to(z, t.shape[:-1] + z.shape)
    elif len(act.kinks) == 1:  # Gauss-Legendre cut at the kink in z, (kink - t) / sd
        z, w = normal_pieces((act.kinks[0] - t) / sd, n_nodes)
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
    c, theta = check_spike(c, theta, d=d, nonnegative=True)
    if n_kappa % 2:
        raise ValueError(f"n_kappa={n_kappa!r}: expected an even number")
    act = as_activation(activation)
    theta_d, c_d = theta + c / d, c * (d - 1) / d
    (kappa, wk), (g, wg) = hermite_gauss(n_kappa), hermite_gauss(n_g)
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


def theory_rows(student, *, c: float, theta: float, d: int) -> list[dict]:
    """Closed-form predictions ``{mode, quantity, variant, value}`` at ``(c/d) I + theta u u^T``.

    Variants: ``exact`` (relu linear modes), ``leading`` (relu rank-one top mode and its overlaps;
    first order in theta for the boosted mode), ``k2`` (relu top mode with the k = 2 Mehler term),
    ``large_step`` (any activation, exact in theta as d -> infinity). Absent modes: no row.
    """
    act = as_activation(student, key="student")
    parity, rows = activation_parity(act), []

    def add(mode, quantity, variant, value):
        rows.append(dict(mode=mode, quantity=quantity, variant=variant, value=float(value)))

    big = large_step_spectrum(activation=act, c=c, theta=theta, d=d)
    if parity != 1:  # odd x-parity modes exist
        add("boosted_linear", "eigenvalue", "large_step", big.boosted_linear)
        add("boosted_linear", "eigenvalue", "leading", big.naive_linear)
        add("orthogonal_linear", "eigenvalue", "large_step", big.orthogonal_linear)
    if parity != -1:  # even x-parity modes exist
        add("top_even", "eigenvalue", "large_step", big.top)
        add("top_even", "overlap_constant", "large_step", abs(big.overlap_constant))
        add("top_even", "overlap_he2_kappa", "large_step", abs(big.overlap_he2))
    if act.name == "relu":
        boosted, orthogonal = relu_linear_eigenvalues(c=c, theta=theta, d=d)
        add("boosted_linear", "eigenvalue", "exact", boosted)
        add("orthogonal_linear", "eigenvalue", "exact", orthogonal)
        top = relu_top_mode(c=c, theta=theta, d=d)
        add("top_even", "eigenvalue", "leading", top.eigenvalue)
        add("top_even", "eigenvalue", "k2", top.eigenvalue_k2)
        for name, value in (("constant", top.overlap_constant), ("radial", top.overlap_radial),
                            ("he2_kappa", top.overlap_he2)):
            add("top_even", f"overlap_{name}", "leading", abs(value))
    return rows


def theory_curves(*, student, teacher, psi, tau, center_labels, d, eta_grid) -> pd.DataFrame:
    """Theory rows of k1 at Sigma = predict_spike(eta_t) for every eta_t of ``eta_grid``."""
    frames = []
    for eta in np.asarray(eta_grid, dtype=np.float64):
        pred = predict_spike(student=student, teacher=teacher, eta_t=float(eta), psi=psi, tau=tau,
                             center_labels=center_labels)
        rows = pd.DataFrame(theory_rows(student, c=pred.c, theta=pred.theta, d=d))
        frames.append(rows.assign(eta_t=float(eta), c=pred.c, theta=pred.theta))
    return pd.concat(frames, ignore_index=True).assign(student=student)
