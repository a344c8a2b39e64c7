"""Activation functions shared by the student, the teacher and the kernels.

Each activation is available as a NumPy function, a Torch function (for autograd) and a NumPy
derivative (for the closed-form gradient). Names accepted by :func:`get_activation`:

``relu``, ``tanh``, ``erf``, ``linear``, ``he2``, ``he3`` and ``hermite(c0,c1,...)``, the
normalised Hermite sum ``sum_k c_k He_k(z) / sqrt(k!)`` (so that ``c_k`` are the coefficients of
the target in the orthonormal Hermite basis and ``E[s(G)^2] = sum_k c_k^2``).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Callable

import numpy as np
import scipy.special as sp

__all__ = ["Activation", "get_activation", "as_activation", "activation_parity", "ACTIVATION_NAMES",
           "hermite_e"]

ACTIVATION_NAMES = ("relu", "tanh", "erf", "linear", "he2", "he3", "hermite(c0,c1,...)")

_HERMITE_SUM = re.compile(r"^hermite\(\s*([-+0-9.eE,\s]+)\)$")


def _torch():
    # Imported on first use: the Snakefile and the kernel stages never need torch.
    import torch

    return torch


def hermite_e(k: int, z):
    """Probabilists' Hermite polynomial He_k evaluated at ``z`` (NumPy or Torch), by recurrence."""
    prev, cur = 1.0 + 0.0 * z, z
    if k == 0:
        return prev
    for j in range(1, k):
        prev, cur = cur, z * cur - j * prev
    return cur


@dataclass(frozen=True)
class Activation:
    """An activation with the three views the pipeline needs.

    Attributes
    ----------
    name : str
        Canonical name, recorded in every output.
    numpy : callable
        ``z -> s(z)`` on ndarrays.
    torch : callable
        ``z -> s(z)`` on tensors (differentiable).
    derivative : callable
        ``z -> s'(z)`` on ndarrays (for ReLU the step function, s'(0) = 0).
    kinks : tuple of float
        Points where ``s`` is not smooth; Gaussian quadrature is split there.
    hermite_coefficients : tuple of float or None
        For polynomial activations, exact orthonormal Hermite coefficients ``c_k``.
    """

    name: str
    numpy: Callable = field(repr=False)
    torch: Callable = field(repr=False)
    derivative: Callable = field(repr=False)
    kinks: tuple = ()
    hermite_coefficients: tuple | None = None


def _hermite_sum(coefficients: tuple[float, ...], name: str) -> Activation:
    norms = [c / math.sqrt(math.factorial(k)) for k, c in enumerate(coefficients)]

    def value(z):
        return sum(w * hermite_e(k, z) for k, w in enumerate(norms))

    def derivative(z):
        # He_k' = k He_{k-1}
        return sum(k * w * hermite_e(k - 1, z) for k, w in enumerate(norms) if k > 0) + 0.0 * z

    return Activation(name, value, value, derivative, (), tuple(coefficients))


def _builtin(name: str) -> Activation | None:
    table = {
        "relu": Activation(
            "relu",
            lambda z: np.maximum(z, 0.0),
            lambda z: _torch().relu(z),
            lambda z: (np.asarray(z) > 0).astype(float),
            kinks=(0.0,),
        ),
        "tanh": Activation(
            "tanh", np.tanh, lambda z: _torch().tanh(z), lambda z: 1.0 / np.cosh(z) ** 2
        ),
        "erf": Activation(
            "erf",
            sp.erf,
            lambda z: _torch().special.erf(z),
            lambda z: 2.0 / math.sqrt(math.pi) * np.exp(-np.square(z)),
        ),
        "linear": _hermite_sum((0.0, 1.0), "linear"),
        "he2": _hermite_sum((0.0, 0.0, 1.0), "he2"),
        "he3": _hermite_sum((0.0, 0.0, 0.0, 1.0), "he3"),
    }
    return table.get(name)


def get_activation(name: str, *, key: str = "activation") -> Activation:
    """Look up an activation by name.

    Parameters
    ----------
    name : str
        One of :data:`ACTIVATION_NAMES`.
    key : str, optional
        Config key the name came from, used in the error message.

    Returns
    -------
    Activation

    Raises
    ------
    ValueError
        If the name is unknown; the message names ``key`` and the value.
    """
    if not isinstance(name, str):
        raise ValueError(f"{key}={name!r}: expected a string, one of {ACTIVATION_NAMES}")
    canonical = name.strip().lower()
    found = _builtin(canonical)
    if found is not None:
        return found
    match = _HERMITE_SUM.match(canonical)
    if match:
        try:
            coefficients = tuple(float(c) for c in match.group(1).split(",") if c.strip())
        except ValueError:
            coefficients = ()
        if coefficients and any(c != 0 for c in coefficients):
            label = "hermite(" + ",".join(f"{c:g}" for c in coefficients) + ")"
            return _hermite_sum(coefficients, label)
    raise ValueError(f"{key}={name!r}: unknown activation; expected one of {ACTIVATION_NAMES}")


def as_activation(activation, *, key: str = "activation") -> Activation:
    """An :class:`Activation` as given, or looked up by name (errors name ``key``)."""
    if isinstance(activation, Activation):
        return activation
    return get_activation(activation, key=key)


def activation_parity(activation) -> int:
    """``-1`` odd, ``+1`` even, ``0`` neither (checked on a grid to 1e-12 relative)."""
    act = as_activation(activation)
    z = np.linspace(0.05, 8.0, 160)
    plus, minus = act.numpy(z), act.numpy(-z)
    tol = 1e-12 * (np.max(np.abs(plus)) + 1e-300)
    if np.max(np.abs(plus + minus)) <= tol:
        return -1
    return 1 if np.max(np.abs(plus - minus)) <= tol else 0
