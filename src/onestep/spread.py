"""Per-draw fluctuation of the spike estimators around the population theory (THEORY.md 2.5).

One draw of ``(beta, W0, a, X, y)`` moves ``theta_hat``, ``c_hat`` and ``gamma_hat`` away from the
population values of :func:`onestep.theory.predict_spike` by O(d^-1/2); the claims
(:mod:`onestep.claims`) state their tolerances as a few standard errors of this law. Kept apart
from :mod:`onestep.spike` so that the simulation jobs do not depend on it.
"""

from __future__ import annotations

import math

from .activations import get_activation
from .hermite import gaussian_expectation
from .theory import predict_spike

__all__ = ["population_spread", "spread_of_row"]


# relative variance Var(u^2) of u = sqrt(N) a, per second-layer law
_U2_VARIANCE = {"gaussian": 2.0, "rademacher": 0.0, "constant": 0.0}
_U4_MOMENT = {"gaussian": 3.0, "rademacher": 1.0, "constant": 1.0}


def population_spread(*, d: int, student: str, teacher: str, phi: float, psi: float,
                      eta_t: float, tau: float = 0.0, second_layer: str = "gaussian",
                      weight_init: str = "gaussian", center_labels: bool = True) -> dict:
    """Per-draw standard deviations of ``theta_hat / theta - 1`` and of ``gamma_hat``.

    Delta method (docs/THEORY.md section 2.5) with ``N = phi d``, ``n = psi d`` and the labels as
    used in the step, ``y = s*(z) - [mu*_0] + tau eps``:

    * ``mean(u^2)``: relative variance ``Var(u^2) / N`` (2/N Gaussian u, 0 Rademacher/constant);
    * ``|h|^2 = m^2 + H`` with ``m = mean(y z)``, ``H = (sum y^2 / n^2) chi^2_{d-1}``:
      ``Var m = Var(yz)/n``, ``Var H / H^2 = Var(y^2)/(n E[y^2]^2) + 2/d``,
      ``Cov(m, H) = (E[y^3 z] - mu*_1 E[y^2]) / (psi n)``;
    * the cross term ``2 sqrt(theta) mean(u_i <w_i, h_hat>)``, ``<w_i, h_hat>`` of variance
      ``(1 + E[u^4](c - 1))/d``: relative variance ``4 (1 + E[u^4](c-1)) / (theta N d)``;
    * the bulk ``mean(<w_i, h_hat>^2)``: relative variance ``2 (c/d)^2 / (N theta^2)``;
    * ``c_hat``: ``mean(u^2)`` and the label second moment act on ``c - 1``, the trace of W0
      fluctuates by ``2/(N d)`` (Gaussian rows; 0 for unit rows) and its cross term with the
      update by ``4 (c-1)/(N d)``:
      ``Var(c_hat/c) = [(c-1)^2 (Var(u^2)/N + Var(y^2)/(n E[y^2]^2)) + (2 + 4(c-1))/(N d)]/c^2``.

    ``gamma = m / |h|`` gets the same ``m``, ``H`` fluctuations. The mean of ``|h|^2`` exceeds
    the theory's by ``(E[y^2 z^2] - mu*_1^2 - E[y^2] - [centred] E[y^2]/psi) / n`` (the diagonal
    j = k terms of ``|X^T y|^2 / n^2``; centring removes ``|mean(y) mean(x)|^2``), which is
    ``bias_theta`` relative to ``|h|^2``. Leading order in 1/d; the residual mean of
    :func:`onestep.spike.plugin_spike` (constant a with mu_0(s) != 0) is not included, as in
    :func:`onestep.theory.predict_spike`. Gaussian inputs and weights (a sphere law changes only
    higher orders, except the trace of W0 in ``c_hat``).

    Parameters
    ----------
    d : int
    student, teacher : str
    phi, psi : float
        ``N / d`` and ``n / d``.
    eta_t, tau : float
    second_layer : {'gaussian', 'rademacher', 'constant'}
    weight_init : {'gaussian', 'sphere'}
    center_labels : bool

    Returns
    -------
    dict of float
        ``sd_theta`` and ``sd_c`` (relative), ``sd_gamma`` (absolute), the relative variances
        of theta_hat by source: ``var_u2``, ``var_h2``, ``var_cross``, ``var_bulk``, and
        ``bias_theta``, the relative O(1/n) bias of ``E|h|^2`` (hence of theta_hat).
    """
    if weight_init not in ("gaussian", "sphere"):
        raise ValueError(f"weight_init={weight_init!r}: expected 'gaussian' or 'sphere'")
    if second_layer not in _U2_VARIANCE:
        raise ValueError(f"second_layer={second_layer!r}: expected one of {tuple(_U2_VARIANCE)}")
    if not d >= 2 or not phi > 0 or not psi > 0:
        raise ValueError(f"d={d!r}, phi={phi!r}, psi={psi!r}: expected d >= 2, phi, psi > 0")
    pred = predict_spike(student=student, teacher=teacher, eta_t=eta_t, psi=psi, tau=tau,
                         center_labels=center_labels)
    act = get_activation(teacher, key="teacher")
    shift = pred.teacher_mu0 if center_labels else 0.0

    def moment(power_y, power_z):
        return gaussian_expectation(lambda z: (act.numpy(z) - shift) ** power_y * z**power_z,
                                    kinks=act.kinks)

    g1z, g2, g2z2, g3z, g4 = (moment(1, 1), moment(2, 0), moment(2, 2), moment(3, 1),
                              moment(4, 0))
    t2 = tau**2
    mu, y2 = g1z, g2 + t2
    var_yz = g2z2 + t2 - mu**2
    var_y2 = g4 + 6 * t2 * g2 + 3 * t2**2 - y2**2
    cov_yz_y2 = g3z + 3 * t2 * g1z - mu * y2
    n, N = psi * d, phi * d
    var_m, H = var_yz / n, y2 / psi
    var_H = H**2 * (var_y2 / (n * y2**2) + 2.0 / d)
    cov_mH = cov_yz_y2 / (psi * n)
    h2 = mu**2 + H
    parts = {
        "var_u2": _U2_VARIANCE[second_layer] / N,
        "var_h2": (4 * mu**2 * var_m + var_H + 4 * mu * cov_mH) / h2**2,
        "var_cross": 4 * (1 + _U4_MOMENT[second_layer] * (pred.c - 1)) / (pred.theta * N * d)
        if pred.theta > 0 else math.inf,
        "var_bulk": 2 * (pred.c / d) ** 2 / (N * pred.theta**2) if pred.theta > 0 else math.inf,
    }
    dm, dH = H / h2**1.5, -mu / (2 * h2**1.5)
    sd_gamma = math.sqrt(max(dm**2 * var_m + dH**2 * var_H + 2 * dm * dH * cov_mH, 0.0))
    excess = pred.c - 1
    var_c = (excess**2 * (_U2_VARIANCE[second_layer] / N + var_y2 / (n * y2**2))
             + (2 * (weight_init == "gaussian") + 4 * excess) / (N * d)) / pred.c**2
    bias = (g2z2 + t2 - mu**2 - y2 - (y2 / psi if center_labels else 0.0)) / (n * h2)
    return {"sd_theta": math.sqrt(sum(parts.values())), "sd_c": math.sqrt(var_c),
            "sd_gamma": sd_gamma, "bias_theta": bias, **parts}


_MODEL_KEYS = ("student", "teacher", "phi", "psi", "eta_t", "tau", "second_layer",
               "weight_init", "center_labels")


def spread_of_row(row) -> dict:
    """:func:`population_spread` at the point of one row of a spike table (its ``d`` and model
    columns: student, teacher, phi, psi, eta_t, tau, second_layer, weight_init, center_labels)."""
    return population_spread(d=int(row["d"]), **{
        key: (bool(row[key]) if key == "center_labels" else
              str(row[key]) if isinstance(row[key], str) else float(row[key]))
        for key in _MODEL_KEYS})
