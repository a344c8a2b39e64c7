"""Two-layer student, single-index teacher and one large gradient step (docs/THEORY.md section 1).

Student ``f(x) = N^{-1/2} sum_i a_i s(<w_i, x>)``, loss ``L(W) = (1/2n) sum_j (f(x_j) - y_j)^2``,
one step on the first layer with ``a`` fixed::

    W1 = W0 - eta sqrt(N) grad_W L(W0),   eta = eta_t sqrt(N)   (so W1 = W0 - eta_t N grad).

All arrays are float64. The gradient is the full gradient, residual ``f - y`` included; only the
*labels* are centred by ``center_labels``, not the residual. Hence for a second layer with nonzero
mean (``second_layer='constant'``) and ``mu_0(s) != 0`` (ReLU) the residual keeps an O(1) mean
``-mean(sqrt(N) a) mu_0``, which the reconstructed theory neglects: it shrinks every row by
``1 - eta_t mu_0 E[s'']`` and adds a second spike along ``mean(x)`` (see ``onestep.spike``).
"""

from __future__ import annotations

import math
import numbers

import numpy as np
import torch

from .activations import get_activation
from .streams import rng_for

__all__ = [
    "INPUT_LAWS",
    "WEIGHT_LAWS",
    "SECOND_LAYER_LAWS",
    "resolve_device",
    "sample_inputs",
    "init_first_layer",
    "init_second_layer",
    "teacher_direction",
    "teacher_labels",
    "one_step",
    "closed_form_gradient",
    "simulate_point",
]

INPUT_LAWS = ("gaussian", "sphere")
WEIGHT_LAWS = ("gaussian", "sphere")
SECOND_LAYER_LAWS = ("gaussian", "rademacher", "constant")


def _check_choice(value, choices, key):
    if value not in choices:
        raise ValueError(f"{key}={value!r}: expected one of {choices}")


def _check_count(value, key, minimum=1):
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < minimum:
        raise ValueError(f"{key}={value!r}: expected an integer >= {minimum}")
    return int(value)


def _check_real(value, key, *, positive):
    ok = isinstance(value, numbers.Real) and not isinstance(value, bool) and math.isfinite(value)
    if not ok or value < 0 or (positive and value == 0):
        bound = "> 0" if positive else ">= 0"
        raise ValueError(f"{key}={value!r}: expected a finite number {bound}")
    return float(value)


def resolve_device(device: str) -> torch.device:
    """Map ``'cpu' | 'cuda' | 'cuda:<k>' | 'auto'`` to a :class:`torch.device`.

    ``'auto'`` is CUDA when available, else CPU. ``'cuda'`` without CUDA raises ``ValueError``.
    """
    if not isinstance(device, str):
        raise ValueError(f"device={device!r}: expected 'cpu', 'cuda' or 'auto'")
    name = device.strip().lower()
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name == "cpu":
        return torch.device("cpu")
    if name == "cuda" or name.startswith("cuda:"):
        if not torch.cuda.is_available():
            raise ValueError(f"device={device!r}: CUDA is not available (use 'cpu' or 'auto')")
        return torch.device(name)
    raise ValueError(f"device={device!r}: expected 'cpu', 'cuda' or 'auto'")


def sample_inputs(n: int, d: int, *, law: str, rng: np.random.Generator) -> np.ndarray:
    """Inputs, shape (n, d): ``'gaussian'`` N(0, I_d) or ``'sphere'`` uniform, radius sqrt(d)."""
    _check_choice(law, INPUT_LAWS, "input_law")
    X = rng.standard_normal((n, d))
    if law == "sphere":
        X *= math.sqrt(d) / np.linalg.norm(X, axis=1, keepdims=True)
    return X


def init_first_layer(N: int, d: int, *, law: str, rng: np.random.Generator) -> np.ndarray:
    """First layer W0, shape (N, d): ``'gaussian'`` rows N(0, I/d) or ``'sphere'`` unit rows."""
    _check_choice(law, WEIGHT_LAWS, "weight_init")
    W = rng.standard_normal((N, d))
    if law == "sphere":
        return W / np.linalg.norm(W, axis=1, keepdims=True)
    return W / math.sqrt(d)


def init_second_layer(N: int, *, law: str, rng: np.random.Generator) -> np.ndarray:
    """Second layer a, shape (N,): N(0, 1/N), +-1/sqrt(N) or the constant 1/sqrt(N)."""
    _check_choice(law, SECOND_LAYER_LAWS, "second_layer")
    if law == "gaussian":
        return rng.standard_normal(N) / math.sqrt(N)
    if law == "rademacher":
        return rng.choice(np.array([-1.0, 1.0]), size=N) / math.sqrt(N)
    return np.full(N, 1.0 / math.sqrt(N))


def teacher_direction(d: int, *, rng: np.random.Generator) -> np.ndarray:
    """Uniformly random unit vector beta, shape (d,)."""
    beta = rng.standard_normal(d)
    return beta / np.linalg.norm(beta)


def teacher_labels(X, beta, *, teacher: str, tau: float, rng: np.random.Generator) -> np.ndarray:
    """Labels ``y = s*(X beta) + tau eps``, shape (n,); eps is drawn even if tau = 0."""
    act = get_activation(teacher, key="teacher")
    tau = _check_real(tau, "tau", positive=False)
    noise = rng.standard_normal(X.shape[0])
    return act.numpy(np.asarray(X, dtype=float) @ np.asarray(beta, dtype=float)) + tau * noise


def _used_labels(y, center_labels):
    y = np.asarray(y, dtype=float)
    return y - y.mean() if center_labels else y.copy()


def closed_form_gradient(W0, a, X, y, *, student: str) -> np.ndarray:
    """Gradient of L at W0 in NumPy (float64), shape (N, d).

    ``grad_i = (1/n) sum_j (f(x_j) - y_j) N^{-1/2} a_i s'(<w_i, x_j>) x_j``, vectorised over
    neurons; ``y`` is used as given (centre it beforehand if wanted).
    """
    act = get_activation(student, key="student")
    W0, a, X, y = (np.asarray(v, dtype=float) for v in (W0, a, X, y))
    N, n = W0.shape[0], X.shape[0]
    Z = X @ W0.T  # (n, N) pre-activations
    residual = act.numpy(Z) @ a / math.sqrt(N) - y  # (n,)
    G = (act.derivative(Z) * residual[:, None]).T @ X / n  # (N, d)
    return G * (a[:, None] / math.sqrt(N))


def one_step(W0, a, X, y, *, student: str, eta_t: float, center_labels: bool = True,
             device: str = "cpu") -> dict:
    """One gradient step on the first layer, gradient by Torch autograd in float64.

    Parameters
    ----------
    W0 : ndarray (N, d)
    a : ndarray (N,)
    X : ndarray (n, d)
    y : ndarray (n,)
        Raw labels; centred before use when ``center_labels``.
    student : str
    eta_t : float
        Rescaled step size; ``W1 = W0 - eta_t N grad``.
    center_labels : bool, optional
    device : str, optional
        See :func:`resolve_device`. Results are returned as CPU NumPy arrays.

    Returns
    -------
    dict
        ``W1`` (N, d), ``grad`` (N, d), ``h`` (d,) ``= X^T y_used / n``, ``labels_used`` (n,),
        ``loss0`` (float, L(W0) with the used labels).
    """
    act = get_activation(student, key="student")
    eta_t = _check_real(eta_t, "eta_t", positive=False)
    dev = resolve_device(device)
    W0 = np.asarray(W0, dtype=float)
    X = np.asarray(X, dtype=float)
    labels = _used_labels(y, center_labels)
    N, n = W0.shape[0], X.shape[0]
    W = torch.tensor(W0, dtype=torch.float64, device=dev, requires_grad=True)
    a_t, X_t, y_t = (torch.as_tensor(np.asarray(v, dtype=float), dtype=torch.float64, device=dev)
                     for v in (a, X, labels))
    f = act.torch(X_t @ W.T) @ a_t / math.sqrt(N)
    loss = 0.5 * torch.mean((f - y_t) ** 2)
    (grad_t,) = torch.autograd.grad(loss, W)
    grad = grad_t.detach().cpu().numpy()
    return {
        "W1": W0 - eta_t * N * grad,
        "grad": grad,
        "h": X.T @ labels / n,
        "labels_used": labels,
        "loss0": float(loss.detach().cpu()),
    }


def simulate_point(*, d: int, phi: float, psi: float, eta_t: float, student: str, teacher: str,
                   tau: float, second_layer: str, weight_init: str, input_law: str,
                   center_labels: bool, seed: int, device: str = "cpu",
                   return_data: bool = False) -> dict:
    """Draw one instance and take the step; ``N = round(phi d)``, ``n = round(psi d)``.

    Five independent streams of :mod:`onestep.streams` (``beta``, ``first_layer``,
    ``second_layer``, ``step_inputs``, ``label_noise``); so for one seed the draw does not depend
    on ``eta_t``,
    ``student``, ``tau``, ``center_labels`` or ``device`` (and W0 does not depend on psi, nor X on
    phi, etc.).

    Returns
    -------
    dict
        ``W0, W1`` (N, d), ``a`` (N,), ``beta`` (d,), ``h_hat`` (d,) unit vector along
        ``X^T y_used / n``, ``h_norm`` = ``|X^T y_used / n|``, ``loss0``, ``N``, ``n``; with
        ``return_data`` also ``X`` (n, d) and ``y`` (n,) (raw labels).
    """
    d = _check_count(d, "d", minimum=2)
    phi = _check_real(phi, "phi", positive=True)
    psi = _check_real(psi, "psi", positive=True)
    eta_t = _check_real(eta_t, "eta_t", positive=False)
    tau = _check_real(tau, "tau", positive=False)
    _check_choice(second_layer, SECOND_LAYER_LAWS, "second_layer")
    _check_choice(weight_init, WEIGHT_LAWS, "weight_init")
    _check_choice(input_law, INPUT_LAWS, "input_law")
    get_activation(student, key="student")
    get_activation(teacher, key="teacher")
    if not isinstance(center_labels, (bool, np.bool_)):
        raise ValueError(f"center_labels={center_labels!r}: expected a bool")
    seed = _check_count(seed, "seed", minimum=0)
    resolve_device(device)
    N, n = round(phi * d), round(psi * d)
    if N < 1:
        raise ValueError(f"phi={phi!r}: width N = round(phi d) = {N} < 1")
    if n < 2:
        raise ValueError(f"psi={psi!r}: sample size n = round(psi d) = {n} < 2")

    rng_beta, rng_w, rng_a, rng_x, rng_noise = (
        rng_for(seed, name)
        for name in ("beta", "first_layer", "second_layer", "step_inputs", "label_noise"))
    beta = teacher_direction(d, rng=rng_beta)
    W0 = init_first_layer(N, d, law=weight_init, rng=rng_w)
    a = init_second_layer(N, law=second_layer, rng=rng_a)
    X = sample_inputs(n, d, law=input_law, rng=rng_x)
    y = teacher_labels(X, beta, teacher=teacher, tau=tau, rng=rng_noise)
    step = one_step(W0, a, X, y, student=student, eta_t=eta_t, center_labels=center_labels,
                    device=device)
    h_norm = float(np.linalg.norm(step["h"]))
    # Relative, not exact: a constant teacher leaves |h| ~ 1e-17 of round-off, whose direction
    # is noise. Any signal or label noise gives |h| ~ rms(y) sqrt(d / n) or more.
    label_scale = math.sqrt(float(np.mean(np.square(y))) / n)
    if not h_norm > 1e-8 * label_scale:
        raise ValueError(f"teacher={teacher!r}: labels give |h| = |X^T y / n| = {h_norm:.3g}, "
                         f"negligible against the label scale rms(y)/sqrt(n) = {label_scale:.3g}; "
                         "no spike direction (a constant teacher?)")
    out = {
        "W0": W0, "W1": step["W1"], "a": a, "beta": beta, "h_hat": step["h"] / h_norm,
        "h_norm": h_norm, "loss0": step["loss0"], "N": N, "n": n,
    }
    if return_data:
        out.update(X=X, y=y)
    return out
