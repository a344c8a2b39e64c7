"""The spiked covariance ``Sigma = (c/d) I + theta u u^T`` of the post-step weights, as one value.

Validation lives here and only here (:func:`check_spike`): ``c`` finite and positive, ``theta``
finite and ``>= -c/d`` (``Sigma`` positive semi-definite), ``u`` a unit vector of length ``d`` (to
1e-8), and ``u`` may be omitted only when ``theta = 0`` (the isotropic ``k0``).

One clipping rule for estimates (:meth:`SpikedCovariance.from_estimate`): a negative
``theta_hat`` is sampling noise around a spike of order ``c/d`` or smaller, so the covariance used
downstream has ``theta = max(theta_hat, 0)``; the raw estimate stays in the spike tables.

The input-space view (docs/THEORY.md section 3): with ``A = sqrt(d Sigma) = sqrt(c)
(I - u u^T) + sqrt(c + d theta) u u^T``, ``<w, x>`` for ``w ~ N(0, Sigma)`` has the law of
``<g, A x> / sqrt(d)`` for ``g ~ N(0, I)``, so ``k1(x, x') = k0(A x, A x')``
(:meth:`SpikedCovariance.input_transform`). float64 throughout.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

__all__ = ["SpikedCovariance", "check_spike", "check_rows", "unit_vector"]


def check_spike(c, theta, *, d=None, nonnegative: bool = False,
                names=("c", "theta")) -> tuple[float, float]:
    """Validate ``(c, theta)`` and return them as floats (errors use ``names``).

    ``nonnegative`` requires ``theta >= 0`` (the symmetry-reduced spectra); otherwise
    ``theta >= -c/d`` when ``d`` is given (``Sigma`` positive semi-definite).
    """
    if d is not None and (isinstance(d, bool) or int(d) != d or d < 2):
        raise ValueError(f"d={d!r}: expected an integer >= 2")
    if not (np.isfinite(c) and c > 0):
        raise ValueError(f"{names[0]}={c!r}: must be finite and > 0")
    floor = 0.0 if nonnegative else (-c / d if d is not None else -math.inf)
    if not (np.isfinite(theta) and theta >= floor):
        raise ValueError(f"{names[1]}={theta!r}: must be finite and >= {floor!r}"
                         + ("" if nonnegative else " (-c/d: Sigma PSD)"))
    return float(c), float(theta)


def check_rows(X, name: str, d: int | None = None) -> np.ndarray:
    """``X`` as a finite, non-empty float64 array of shape (n_rows, d)."""
    X = np.asarray(X, dtype=np.float64)
    if X.ndim != 2 or X.shape[0] == 0 or (d is not None and X.shape[1] != d):
        want = "(n_rows, d)" if d is None else f"(n_rows, {d})"
        raise ValueError(f"{name}: expected a non-empty array of shape {want}, got {X.shape}")
    if not np.all(np.isfinite(X)):
        raise ValueError(f"{name}: contains non-finite values")
    return X


@dataclass(frozen=True)
class SpikedCovariance:
    """``Sigma = (c/d) I + theta u u^T`` (``d`` is the length of the inputs it acts on).

    Parameters
    ----------
    c : float
        Bulk scale, > 0.
    theta : float, optional
        Spike strength, ``>= -c/d``.
    direction : array_like of shape (d,) or None, optional
        Unit spike direction ``u``; None only when ``theta == 0``.
    """

    c: float = 1.0
    theta: float = 0.0
    direction: np.ndarray | None = field(default=None, repr=False)

    def __post_init__(self):
        d = None if self.direction is None else np.shape(self.direction)[0]
        c, theta = check_spike(self.c, self.theta, d=d)
        object.__setattr__(self, "c", c)
        object.__setattr__(self, "theta", theta)
        if self.direction is None:
            if theta != 0:
                raise ValueError(f"direction=None: a unit direction is required when "
                                 f"theta={theta!r}")
            return
        u = np.asarray(self.direction, dtype=np.float64)
        norm = float(np.linalg.norm(u))
        if u.ndim != 1 or not abs(norm - 1.0) <= 1e-8:
            raise ValueError(f"direction: must be a unit vector (to 1e-8), got shape {u.shape} "
                             f"and norm {norm!r}")
        object.__setattr__(self, "direction", u / norm)

    @classmethod
    def from_estimate(cls, c_hat, theta_hat, direction) -> SpikedCovariance:
        """From a run's estimates; a negative ``theta_hat`` (noise) is clipped to 0."""
        c_hat, theta_hat = check_spike(c_hat, theta_hat, names=("c_hat", "theta_hat"))
        return cls(c_hat, max(theta_hat, 0.0), unit_vector(direction, "direction"))

    def kernel_params(self) -> dict:
        """``c``, ``theta`` and ``direction`` as keywords of the Gram functions."""
        return {"c": self.c, "theta": self.theta, "direction": self.direction}

    def row_moments(self, Z) -> tuple[np.ndarray, np.ndarray]:
        """``(z^T Sigma z, <u, z>)`` for each row of ``Z`` (m, d): two arrays of shape (m,)."""
        Z = np.asarray(Z, dtype=np.float64)
        self._check_dim(Z.shape[1])
        kappa = Z @ self.direction if self.direction is not None else np.zeros(Z.shape[0])
        return (self.c / Z.shape[1]) * np.einsum("ij,ij->i", Z, Z) + self.theta * kappa**2, kappa

    def moments(self, X, Y=None):
        """Moments of ``(<w,x>, <w,y>)``, ``w ~ N(0, Sigma)``, in O(m m' d) without forming Sigma.

        Parameters
        ----------
        X : array_like of shape (m, d)
        Y : array_like of shape (m', d) or None
            None means ``Y = X``.

        Returns
        -------
        q_x : ndarray of shape (m,), ``x^T Sigma x``
        q_y : ndarray of shape (m',)
        P : ndarray of shape (m, m'), ``X Sigma Y^T``
        """
        X = check_rows(X, "X")
        Y = X if Y is None else check_rows(Y, "Y", X.shape[1])
        (q_x, k_x), (q_y, k_y) = self.row_moments(X), self.row_moments(Y)
        return q_x, q_y, (self.c / X.shape[1]) * (X @ Y.T) + self.theta * np.outer(k_x, k_y)

    def input_transform(self, X) -> np.ndarray:
        """``X A^T`` with ``A = sqrt(d Sigma)``: ``k1(x, x') = k0(A x, A x')``, shape (m, d)."""
        X = check_rows(X, "X")
        d = X.shape[1]
        self._check_dim(d)
        out = math.sqrt(self.c) * X
        if self.direction is not None:
            u = self.direction
            out += (math.sqrt(self.c + d * self.theta) - math.sqrt(self.c)) * np.outer(X @ u, u)
        return out

    def matrix(self, d: int) -> np.ndarray:
        """Dense ``Sigma`` of shape (d, d) (for checks; the code never needs it)."""
        self._check_dim(d)
        out = (self.c / d) * np.eye(d)
        if self.direction is not None:
            out += self.theta * np.outer(self.direction, self.direction)
        return out

    def _check_dim(self, d: int) -> None:
        if self.direction is not None and self.direction.shape[0] != d:
            raise ValueError(f"direction: has length {self.direction.shape[0]}, inputs have d={d}")
        if self.theta < -self.c / d:
            raise ValueError(f"theta={self.theta!r}: must be >= -c/d = {-self.c / d!r} (PSD)")


def unit_vector(v, name: str) -> np.ndarray:
    """``v / |v|`` for a finite non-zero 1-d ``v``; errors name ``name``."""
    v = np.asarray(v, dtype=np.float64)
    norm = float(np.linalg.norm(v))
    if v.ndim != 1 or not (np.isfinite(norm) and norm > 0):
        raise ValueError(f"{name}: expected a non-zero finite vector, got shape {v.shape}")
    return v / norm
