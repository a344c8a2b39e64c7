"""Spiked-Gaussian predictions for the post-step weights (docs/THEORY.md section 2).

After one step ``W1 = W0 + eta_t (sqrt(N) a) (mu1 h + b_i)`` the rows are approximately
``N(0, Sigma)`` with ``Sigma = (c/d) I + theta h_hat h_hat^T`` and

    theta = eta_t^2 mu1^2 (mu*_1^2 + E[y^2]/psi)
    c     = 1 + eta_t^2 E[y^2] s_hat / psi
    gamma = |mu*_1| / sqrt(mu*_1^2 + E[y^2]/psi)

where ``E[y^2]`` is the second moment of the labels *as used in the step*: with centred labels
(the default) it is ``Var[s*(G)] + tau^2``, otherwise ``E[s*(G)^2] + tau^2``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd

from .activations import get_activation
from .hermite import derivative_moments, hermite_coefficients, second_moment

__all__ = ["SpikePrediction", "hermite_summary", "predict_spike", "spike_theory_curve"]


@dataclass(frozen=True)
class SpikePrediction:
    """Predicted spiked covariance parameters and the coefficients they come from."""

    theta: float
    c: float
    gamma: float
    h_norm_sq: float
    mu1: float
    s_hat: float
    teacher_mu0: float
    teacher_mu1: float
    label_second_moment: float

    def as_dict(self) -> dict:
        return asdict(self)


def hermite_summary(name: str, *, max_degree: int = 4, key: str = "activation") -> dict:
    """Hermite coefficients ``mu_0..mu_K``, ``E[s']``, ``Var[s']`` and ``E[s^2]`` of ``name``."""
    activation = get_activation(name, key=key)
    mu = hermite_coefficients(activation, max_degree)
    mean_slope, slope_var = derivative_moments(activation)
    out = {f"mu{k}": float(v) for k, v in enumerate(mu)}
    out.update(mean_slope=mean_slope, slope_var=slope_var, second_moment=second_moment(activation))
    return out


def predict_spike(
    *,
    student: str,
    teacher: str,
    eta_t: float,
    psi: float,
    tau: float = 0.0,
    center_labels: bool = True,
) -> SpikePrediction:
    """Predict ``theta, c, gamma`` for one config point.

    Parameters
    ----------
    student, teacher : str
        Activation names (see :func:`onestep.activations.get_activation`).
    eta_t : float
        Rescaled step size (``eta = eta_t sqrt(N)``).
    psi : float
        Samples per dimension used in the step, ``n / d``; must be positive.
    tau : float, optional
        Label-noise standard deviation.
    center_labels : bool, optional
        Whether the step uses ``y - mean(y)``.

    Returns
    -------
    SpikePrediction
    """
    if psi <= 0:
        raise ValueError(f"psi={psi!r}: must be positive")
    student_summary = hermite_summary(student, max_degree=1, key="student")
    teacher_summary = hermite_summary(teacher, max_degree=1, key="teacher")
    mu1 = student_summary["mean_slope"]
    s_hat = student_summary["slope_var"]
    t_mu0, t_mu1 = teacher_summary["mu0"], teacher_summary["mu1"]
    label_moment = teacher_summary["second_moment"] + tau**2 - (t_mu0**2 if center_labels else 0.0)
    h_norm_sq = t_mu1**2 + label_moment / psi
    return SpikePrediction(
        theta=eta_t**2 * mu1**2 * h_norm_sq,
        c=1.0 + eta_t**2 * label_moment * s_hat / psi,
        gamma=abs(t_mu1) / h_norm_sq**0.5,
        h_norm_sq=h_norm_sq,
        mu1=mu1,
        s_hat=s_hat,
        teacher_mu0=t_mu0,
        teacher_mu1=t_mu1,
        label_second_moment=label_moment,
    )


def spike_theory_curve(*, student: str, teacher: str, psi: float, tau: float,
                       center_labels: bool, eta_grid) -> pd.DataFrame:
    """``theta, c, gamma`` of :func:`predict_spike` on a grid of step sizes (for the figures).

    Returns
    -------
    pandas.DataFrame with columns student, eta_t, theta, c, gamma (one row per grid value).
    """
    rows = []
    for eta in np.asarray(eta_grid, dtype=np.float64):
        pred = predict_spike(student=student, teacher=teacher, eta_t=float(eta), psi=psi, tau=tau,
                             center_labels=center_labels)
        rows.append({"student": student, "eta_t": float(eta), "theta": pred.theta, "c": pred.c,
                     "gamma": pred.gamma})
    return pd.DataFrame(rows)
