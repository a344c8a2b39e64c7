"""Gaussian expectations and Hermite coefficients by quadrature (float64 throughout).

Rules come from :mod:`onestep.quadrature`: Gauss-Hermite for smooth integrands (for tanh, whose
poles sit at +-i pi/2, the error is ~1e-12 at 200 nodes); Gauss-Legendre cut at the kinks for
kinked ones (ReLU). :func:`hermite_coefficients` always cuts at 0: ``s(scale z)`` of a saturating
``s`` at large scale is nearly kinked there, where Gauss-Hermite loses 4-7 digits. Both rules are
exact to ~1e-13 on the closed forms tested in ``tests/test_hermite.py``.
"""

from __future__ import annotations

import numpy as np

from .activations import Activation, hermite_e
from .quadrature import normal_rule

__all__ = [
    "gaussian_expectation",
    "hermite_coefficients",
    "derivative_moments",
    "second_moment",
]


def gaussian_expectation(func, *, kinks: tuple = (), n_nodes: int = 200) -> float:
    """``E[func(G)]`` for ``G ~ N(0, 1)`` by quadrature; ``func`` must be vectorised."""
    nodes, weights = normal_rule(n_nodes, kinks=kinks)
    return float(np.dot(weights, func(nodes)))


def hermite_coefficients(
    activation: Activation, max_degree: int, *, scale=1.0, n_nodes: int = 200
) -> np.ndarray:
    """Hermite coefficients ``mu_k(scale) = E[s(scale * G) He_k(G)]``, ``k = 0..max_degree``.

    Parameters
    ----------
    activation : Activation
    max_degree : int
    scale : float or array_like of shape (n_scales,), optional
        Standard deviation(s) of the pre-activation; must be positive.
    n_nodes : int, optional

    Returns
    -------
    ndarray of shape (max_degree + 1,) or (n_scales, max_degree + 1)
        Probabilists' convention: ``s(z) = sum_k mu_k He_k(z) / k!``.
    """
    scales = np.atleast_1d(np.asarray(scale, dtype=float))
    if np.any(scales <= 0):
        raise ValueError(f"scale={scale!r}: must be positive")
    # Always split at 0: s(scale z) of a smooth saturating s (tanh at scale 5) is nearly kinked
    # there and Gauss-Hermite loses 4-7 digits; the split rule stays at ~1e-14 up to scale 10.
    # Kinks of s(scale*z) sit at kink/scale; ReLU's only kink is 0, which is scale invariant.
    if any(k != 0.0 for k in activation.kinks):
        raise NotImplementedError("kinks away from 0 need a per-scale quadrature rule")
    nodes, weights = normal_rule(n_nodes, kinks=(0.0,), max_degree=max_degree)
    values = activation.numpy(np.outer(scales, nodes))  # (n_scales, n_points)
    basis = np.stack([hermite_e(k, nodes) for k in range(max_degree + 1)])  # (K, n_points)
    coefficients = (values * weights) @ basis.T
    return coefficients[0] if np.ndim(scale) == 0 else coefficients


def derivative_moments(activation: Activation, *, n_nodes: int = 200) -> tuple[float, float]:
    """``(E[s'(G)], Var[s'(G)])``: the spike coefficient mu1 and the bulk coefficient s_hat."""
    kinks = activation.kinks
    mean = gaussian_expectation(activation.derivative, kinks=kinks, n_nodes=n_nodes)
    square = gaussian_expectation(
        lambda z: activation.derivative(z) ** 2, kinks=kinks, n_nodes=n_nodes
    )
    return mean, square - mean**2


def second_moment(activation: Activation, *, n_nodes: int = 200) -> float:
    """``E[s(G)^2]``."""
    return gaussian_expectation(
        lambda z: activation.numpy(z) ** 2, kinks=activation.kinks, n_nodes=n_nodes
    )
