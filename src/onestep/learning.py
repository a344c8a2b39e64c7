"""Ridge / kernel ridge solvers and linear baselines for the learning curves (THEORY.md section 5).

Ridge convention, used by every solver here and by :mod:`onestep.eigenlearning`: with ``n``
training samples and ridge ``lambda >= 0``,

    ridge on features   w = argmin_w (1/n) ||F w - y||^2 + lambda ||w||^2
                          = (F^T F + n lambda I_p)^{-1} F^T y = F^T (F F^T + n lambda I_n)^{-1} y
    kernel ridge        f(x) = k(x, X) (K + n lambda I_n)^{-1} y

so ridge on features ``F`` and kernel ridge with the Gram ``K = F F^T`` (and ``K_test_train =
F_test F^T``) give identical predictions for the same ``lambda``. ``lambda = 0`` is the ridgeless
limit: the least-squares solution of minimum norm (pseudo-inverse, eigenvalues below
``max(n, p) * eps * max_eigenvalue`` treated as zero).

Each solver does one symmetric eigendecomposition and reuses it for every ridge; numerics are
float64 throughout (inputs are converted). No intercept is fitted unless stated.
"""

from __future__ import annotations

import numpy as np

from .activations import get_activation
from .hermite import hermite_coefficients, second_moment

__all__ = [
    "best_linear_mse",
    "kernel_ridge",
    "population_linear_mse",
    "ridge_features",
    "test_mse",
]


def _check_ridges(ridges) -> np.ndarray:
    lam = np.atleast_1d(np.asarray(ridges, dtype=np.float64))
    if lam.ndim != 1 or lam.size == 0 or not np.all(np.isfinite(lam)) or np.any(lam < 0):
        raise ValueError(f"ridges={ridges!r}: expected a non-empty 1-D array of finite values >= 0")
    return lam


def _matrix(value, name: str, *, rows: int | None = None, cols: int | None = None) -> np.ndarray:
    arr = np.asarray(value, dtype=np.float64)
    if arr.ndim != 2:
        raise ValueError(f"{name}: expected a 2-D array, got shape {arr.shape}")
    if rows is not None and arr.shape[0] != rows:
        raise ValueError(f"{name}: expected {rows} rows, got shape {arr.shape}")
    if cols is not None and arr.shape[1] != cols:
        raise ValueError(f"{name}: expected {cols} columns, got shape {arr.shape}")
    return arr


def _vector(value, name: str, *, length: int) -> np.ndarray:
    arr = np.asarray(value, dtype=np.float64)
    if arr.shape != (length,):
        raise ValueError(f"{name}: expected shape ({length},), got {arr.shape}")
    return arr


def _spectral_filter(evals: np.ndarray, shifts: np.ndarray, size: int) -> np.ndarray:
    """``1 / (e + shift)`` of shape (n_ridges, n_eig); pseudo-inverse where ``shift == 0``."""
    evals = np.clip(evals, 0.0, None)  # PSD up to rounding
    cutoff = size * np.finfo(np.float64).eps * max(float(evals.max(initial=0.0)), 1e-300)
    denom = evals[None, :] + shifts[:, None]
    keep = denom > cutoff
    return np.where(keep, 1.0 / np.where(keep, denom, 1.0), 0.0)


def _dual_predict(K_train, y_train, K_test_train, lam) -> np.ndarray:
    n = K_train.shape[0]
    evals, vecs = np.linalg.eigh(0.5 * (K_train + K_train.T))
    coef = _spectral_filter(evals, n * lam, n) * (vecs.T @ y_train)  # (n_ridges, n)
    return coef @ (K_test_train @ vecs).T  # (n_ridges, n_test)


def kernel_ridge(K_train, y_train, K_test_train, *, ridges) -> np.ndarray:
    """Kernel ridge predictions ``f = K_test_train (K_train + n lambda I)^{-1} y`` for each ridge.

    Parameters
    ----------
    K_train : array_like of shape (n, n)
        Symmetric PSD Gram matrix ``k(x_i, x_j)`` (symmetrised; rounding negatives clipped to 0).
    y_train : array_like of shape (n,)
    K_test_train : array_like of shape (n_test, n)
        ``k(x_test_a, x_i)``.
    ridges : array_like of shape (n_ridges,)
        ``lambda >= 0`` in the ``K + n lambda I`` convention; 0 means the min-norm interpolant.

    Returns
    -------
    ndarray of shape (n_ridges, n_test), float64
    """
    K = _matrix(K_train, "K_train")
    n = K.shape[0]
    if K.shape != (n, n):
        raise ValueError(f"K_train: expected a square matrix, got shape {K.shape}")
    y = _vector(y_train, "y_train", length=n)
    Kt = _matrix(K_test_train, "K_test_train", cols=n)
    return _dual_predict(K, y, Kt, _check_ridges(ridges))


def ridge_features(F_train, y_train, F_test, *, ridges, method: str = "auto") -> np.ndarray:
    """Ridge regression on fixed features, one eigendecomposition for all ridges.

    Solves ``w = argmin (1/n) ||F w - y||^2 + lambda ||w||^2 = (F^T F + n lambda I)^{-1} F^T y``
    and returns ``F_test w``; identical to :func:`kernel_ridge` with ``K = F F^T``.

    Parameters
    ----------
    F_train : array_like of shape (n, p)
    y_train : array_like of shape (n,)
    F_test : array_like of shape (n_test, p)
    ridges : array_like of shape (n_ridges,)
        ``lambda >= 0``; 0 gives the minimum-norm least-squares solution.
    method : {'auto', 'primal', 'dual'}, optional
        ``primal`` diagonalises ``F^T F`` (p x p), ``dual`` diagonalises ``F F^T`` (n x n);
        ``auto`` picks the smaller one.

    Returns
    -------
    ndarray of shape (n_ridges, n_test), float64
    """
    F = _matrix(F_train, "F_train")
    n, p = F.shape
    y = _vector(y_train, "y_train", length=n)
    Ft = _matrix(F_test, "F_test", cols=p)
    lam = _check_ridges(ridges)
    if method not in ("auto", "primal", "dual"):
        raise ValueError(f"method={method!r}: expected 'auto', 'primal' or 'dual'")
    if method == "dual" or (method == "auto" and n < p):
        return _dual_predict(F @ F.T, y, Ft @ F.T, lam)
    evals, vecs = np.linalg.eigh(F.T @ F)
    # Same pseudo-inverse cutoff scale as the dual path (nonzero spectra of F^T F, F F^T agree).
    coef = _spectral_filter(evals, n * lam, max(n, p)) * (vecs.T @ (F.T @ y))  # (n_ridges, p)
    return coef @ (Ft @ vecs).T


def test_mse(pred, y_test) -> np.ndarray:
    """Mean squared error over the last axis.

    Parameters
    ----------
    pred : array_like of shape (..., n_test)
    y_test : array_like of shape (n_test,)

    Returns
    -------
    ndarray of shape (...) (a 0-d array for 1-D ``pred``), float64
    """
    pred = np.asarray(pred, dtype=np.float64)
    y = np.asarray(y_test, dtype=np.float64)
    if y.ndim != 1 or pred.ndim < 1 or pred.shape[-1] != y.shape[0]:
        raise ValueError(f"y_test: shape {y.shape} does not match pred shape {pred.shape}")
    return np.mean((pred - y) ** 2, axis=-1)


test_mse.__test__ = False  # not a pytest test despite the name


def best_linear_mse(
    X_train, y_train, X_test, y_test, *, ridges, fit_intercept: bool = True
) -> np.ndarray:
    """Test MSE of ridge regression on the raw inputs (the linear baseline).

    With ``fit_intercept`` the intercept is unpenalised: ``X`` and ``y`` are centred by their
    *training* means, ridge (same ``lambda`` convention) is fitted on the centred data and the
    training mean of ``y`` is added back, i.e. slope ``(Xc^T Xc + n lambda I)^{-1} Xc^T yc``.

    Parameters
    ----------
    X_train : array_like of shape (n, d)
    y_train : array_like of shape (n,)
    X_test : array_like of shape (n_test, d)
    y_test : array_like of shape (n_test,)
    ridges : array_like of shape (n_ridges,)
    fit_intercept : bool, optional

    Returns
    -------
    ndarray of shape (n_ridges,)
    """
    X = _matrix(X_train, "X_train")
    y = _vector(y_train, "y_train", length=X.shape[0])
    Xt = _matrix(X_test, "X_test", cols=X.shape[1])
    yt = _vector(y_test, "y_test", length=Xt.shape[0])
    x_mean = X.mean(axis=0) if fit_intercept else np.zeros(X.shape[1])
    y_mean = y.mean() if fit_intercept else 0.0
    pred = ridge_features(X - x_mean, y - y_mean, Xt - x_mean, ridges=ridges) + y_mean
    return test_mse(pred, yt)


def population_linear_mse(*, teacher: str, tau: float = 0.0, fit_intercept: bool = True) -> float:
    """Exact error of the best linear predictor of ``y = s*(<beta, x>) + tau eps``, x ~ N(0, I).

    With ``|beta| = 1`` and Hermite coefficients ``mu*_k = E[s*(G) He_k(G)]``, the best predictor
    ``a + b^T x`` is ``mu*_0 + mu*_1 <beta, x>``, with error

        E[s*(G)^2] + tau^2 - mu*_1^2 - mu*_0^2       (fit_intercept=True)
        E[s*(G)^2] + tau^2 - mu*_1^2                 (fit_intercept=False, predictor b^T x)

    i.e. ``E[y^2] - mu*_1^2`` for centred labels. This is the ``n -> infinity`` limit of
    :func:`best_linear_mse` at fixed ``d`` and vanishing ridge (Gaussian inputs only; for inputs
    on the sphere it holds as ``d -> infinity``).

    Parameters
    ----------
    teacher : str
        Activation name of ``s*`` (see :func:`onestep.activations.get_activation`).
    tau : float, optional
        Label-noise standard deviation.
    fit_intercept : bool, optional

    Returns
    -------
    float
    """
    if not np.isfinite(tau) or tau < 0:
        raise ValueError(f"tau={tau!r}: expected a finite value >= 0")
    act = get_activation(teacher, key="teacher")
    mu0, mu1 = hermite_coefficients(act, 1)
    err = second_moment(act) + tau**2 - mu1**2 - (mu0**2 if fit_intercept else 0.0)
    return float(max(err, 0.0))  # clip quadrature rounding for linear teachers
