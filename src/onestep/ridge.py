"""Ridge / kernel ridge solvers and linear baselines for the learning curves (docs/THEORY.md 5).

Ridge convention, used by every solver here and by :mod:`onestep.eigenlearning`: with ``n``
training samples and ridge ``lambda >= 0``,

    ridge on features   w = argmin_w (1/n) ||F w - y||^2 + lambda ||w||^2
                          = (F^T F + n lambda I_p)^{-1} F^T y = F^T (F F^T + n lambda I_n)^{-1} y
    kernel ridge        f(x) = k(x, X) (K + n lambda I_n)^{-1} y

so ridge on features ``F`` and kernel ridge with the Gram ``K = F F^T`` (and ``K_test_train =
F_test F^T``) give identical predictions for the same ``lambda``. ``lambda = 0`` is the ridgeless
limit: the least-squares solution of minimum norm (pseudo-inverse, eigenvalues below
``max(n, p) * eps * max_eigenvalue`` treated as zero).

Solvers: one Cholesky (LAPACK ``potrf``) per ridge, of the smaller side (``F^T F + n lambda I``
when n > p, else ``F F^T + n lambda I``); ``lambda = 0``, or a system Cholesky rejects as not
positive definite, falls back to one ``eigh`` with the cutoff above (:mod:`onestep.linalg`).
``solver='eigh'`` forces one eigendecomposition shared by all ridges (the tests' reference).
Nested designs (:func:`nested_ridge_features`, :func:`nested_kernel_ridge`: fits on the first n
rows for several n) accumulate ``F^T F``, ``F^T y`` over the prefixes and, where ``n lambda`` is
the same for several n (the ``sum`` convention), factor only the largest block: a leading block
of a Cholesky factor is the factor of the leading block. float64 throughout (inputs converted).
No intercept is fitted unless stated.
"""

from __future__ import annotations

import numpy as np

from .activations import get_activation
from .hermite import hermite_coefficients, second_moment
from .linalg import nested_shifted_solve, pinv_filter, shifted_solve

__all__ = [
    "best_linear_mse",
    "kernel_ridge",
    "nested_kernel_ridge",
    "nested_ridge_features",
    "population_linear_mse",
    "ridge_features",
    "test_mse",
]

SOLVERS = ("cholesky", "eigh")


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


def _dual_predict(K_train, y_train, K_test_train, lam) -> np.ndarray:
    n = K_train.shape[0]
    evals, vecs = np.linalg.eigh(0.5 * (K_train + K_train.T))  # one for every ridge
    coef = pinv_filter(evals, n * lam, n) * (vecs.T @ y_train)  # (n_ridges, n)
    return coef @ (K_test_train @ vecs).T  # (n_ridges, n_test)


def _kernel_inputs(K_train, y_train, K_test_train):
    """Validated ``(K_train (n, n), y_train (n,), K_test_train (n_test, n))`` as float64."""
    K = _matrix(K_train, "K_train")
    n = K.shape[0]
    if K.shape != (n, n):
        raise ValueError(f"K_train: expected a square matrix, got shape {K.shape}")
    return K, _vector(y_train, "y_train", length=n), _matrix(K_test_train, "K_test_train", cols=n)


def kernel_ridge(K_train, y_train, K_test_train, *, ridges, solver: str = "cholesky"):
    """Kernel ridge predictions ``f = K_test_train (K_train + n lambda I)^{-1} y`` for each ridge.

    Parameters
    ----------
    K_train : array_like of shape (n, n)
        Symmetric PSD Gram matrix ``k(x_i, x_j)`` (eigh path: symmetrised, rounding negatives
        clipped to 0; Cholesky path: lower triangle read).
    y_train : array_like of shape (n,)
    K_test_train : array_like of shape (n_test, n)
        ``k(x_test_a, x_i)``.
    ridges : array_like of shape (n_ridges,)
        ``lambda >= 0`` in the ``K + n lambda I`` convention; 0 means the min-norm interpolant.
    solver : {'cholesky', 'eigh'}, optional
        See the module docstring.

    Returns
    -------
    ndarray of shape (n_ridges, n_test), float64
    """
    K, y, Kt = _kernel_inputs(K_train, y_train, K_test_train)
    n = K.shape[0]
    lam = _check_ridges(ridges)
    if solver not in SOLVERS:
        raise ValueError(f"solver={solver!r}: expected one of {SOLVERS}")
    if solver == "eigh":
        return _dual_predict(K, y, Kt, lam)
    return np.stack([Kt @ shifted_solve(K, y, n * r) for r in lam])


def ridge_features(F_train, y_train, F_test, *, ridges, method: str = "auto",
                   solver: str = "cholesky") -> np.ndarray:
    """Ridge regression on fixed features, one factorisation per ridge.

    Solves ``w = argmin (1/n) ||F w - y||^2 + lambda ||w||^2 = (F^T F + n lambda I)^{-1} F^T y``
    and returns ``F_test w``; identical to :func:`kernel_ridge` with ``K = F F^T``.

    Parameters
    ----------
    F_train : array_like of shape (n, p)
    y_train : array_like of shape (n,)
    F_test : array_like of shape (n_test, p)
    ridges : array_like of shape (n_ridges,)
        ``lambda >= 0``; 0 gives the minimum-norm least-squares solution (eigh fallback).
    method : {'auto', 'primal', 'dual'}, optional
        ``primal`` factors ``F^T F`` (p x p), ``dual`` factors ``F F^T`` (n x n); ``auto`` picks
        the smaller one.
    solver : {'cholesky', 'eigh'}, optional
        ``eigh``: one eigendecomposition shared by all ridges (module docstring).

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
    if solver not in SOLVERS:
        raise ValueError(f"solver={solver!r}: expected one of {SOLVERS}")
    dual = method == "dual" or (method == "auto" and n < p)
    if solver == "eigh":
        if dual:
            return _dual_predict(F @ F.T, y, Ft @ F.T, lam)
        evals, vecs = np.linalg.eigh(F.T @ F)
        # Same pseudo-inverse cutoff scale as the dual path (nonzero spectra of F^T F, F F^T agree).
        coef = pinv_filter(evals, n * lam, max(n, p)) * (vecs.T @ (F.T @ y))
        return coef @ (Ft @ vecs).T
    if dual:
        K = F @ F.T
        return np.stack([Ft @ (F.T @ shifted_solve(K, y, n * r)) for r in lam])
    G, b = F.T @ F, F.T @ y
    return np.stack([Ft @ shifted_solve(G, b, n * r, size=max(n, p)) for r in lam])


def _check_sizes(sizes, ridges, n: int):
    sizes = np.asarray(sizes)
    if sizes.ndim != 1 or sizes.size == 0 or not np.all((sizes >= 1) & (sizes <= n)) \
            or not np.all(sizes == np.round(sizes)):
        raise ValueError(f"sizes={sizes!r}: expected integers between 1 and {n}")
    lam = _check_ridges(ridges)
    if lam.shape != sizes.shape:
        raise ValueError(f"ridges: expected one ridge per size ({sizes.size}), got {lam.size}")
    return sizes.astype(int), lam


def nested_kernel_ridge(K_train, y_train, K_test_train, *, sizes, ridges,
                        overwrite: bool = False) -> np.ndarray:
    """Kernel ridge on nested training sets: fit on the first ``n`` points for each ``n``.

    Parameters
    ----------
    K_train : ndarray of shape (m, m)
    y_train : array_like of shape (m,)
    K_test_train : array_like of shape (n_test, m)
    sizes : array_like of int, shape (n_sizes,)
        Training-set sizes ``1 <= n <= m`` (any order).
    ridges : array_like of shape (n_sizes,)
        ``lambda`` for each size (``K + n lambda I`` convention); equal ``n lambda`` for several
        sizes share one factorisation.
    overwrite : bool, optional
        Allow factoring ``K_train`` in place (it is then destroyed; saves an m x m copy).

    Returns
    -------
    ndarray of shape (n_sizes, n_test): the predictions for each size, in the order given.
    """
    K, y, Kt = _kernel_inputs(K_train, y_train, K_test_train)
    m = K.shape[0]
    sizes, lam = _check_sizes(sizes, ridges, m)
    shifts = sizes * lam
    coef = nested_shifted_solve(K, y, sizes, shifts, overwrite=overwrite)
    return np.stack([Kt[:, :n] @ coef[n, s] for n, s in zip(sizes, shifts, strict=True)])


def nested_ridge_features(F_train, y_train, F_test, *, sizes, ridges,
                          fit_intercept: bool = False) -> np.ndarray:
    """Ridge on features for nested training sets (the first ``n`` rows, for each ``n``).

    Sizes ``n > p`` use the primal normal equations, accumulated over the prefixes (each row
    block enters ``F^T F`` once); sizes ``n <= p`` the dual Gram ``F_n F_n^T``. With
    ``fit_intercept`` every fit is centred by its own training means (unpenalised intercept, as in
    :func:`best_linear_mse`); rows are first shifted by the mean of all rows so that the per-
    prefix rank-one centring does not cancel.

    Parameters
    ----------
    F_train : array_like of shape (m, p)
    y_train : array_like of shape (m,)
    F_test : array_like of shape (n_test, p)
    sizes, ridges
        As in :func:`nested_kernel_ridge`.
    fit_intercept : bool, optional

    Returns
    -------
    ndarray of shape (n_sizes, n_test)
    """
    F = _matrix(F_train, "F_train")
    m, p = F.shape
    y = _vector(y_train, "y_train", length=m)
    Ft = _matrix(F_test, "F_test", cols=p)
    sizes, lam = _check_sizes(sizes, ridges, m)
    shifts = sizes * lam
    if fit_intercept:
        c0 = F[: sizes.max()].mean(axis=0)
        F, Ft = F - c0, Ft - c0
    preds, dual = {}, sizes <= p
    if np.any(dual) and not fit_intercept:  # one Gram for every dual size
        top = int(sizes[dual].max())
        coef = nested_shifted_solve(F[:top] @ F[:top].T, y, sizes[dual], shifts[dual],
                                    overwrite=True)
        preds.update({key: Ft @ (F[: key[0]].T @ c) for key, c in coef.items()})
    for n, shift in zip(sizes[dual], shifts[dual], strict=True) if fit_intercept else ():
        mean, y_mean = F[:n].mean(axis=0), y[:n].mean()
        Fc = F[:n] - mean
        c = shifted_solve(Fc @ Fc.T, y[:n] - y_mean, float(shift))
        preds[n, shift] = (Ft - mean) @ (Fc.T @ c) + y_mean
    G, b, total, y_sum, done = np.zeros((p, p)), np.zeros(p), np.zeros(p), 0.0, 0
    for n, shift in sorted(zip(sizes[~dual], shifts[~dual], strict=True)):  # primal, ascending
        block = F[done:n]
        G += block.T @ block  # syrk
        b += block.T @ y[done:n]
        total += block.sum(axis=0)
        y_sum += float(y[done:n].sum())
        done = n
        if fit_intercept:
            mean, y_mean = total / n, y_sum / n
            w = shifted_solve(G - n * np.outer(mean, mean), b - n * y_mean * mean, shift, size=n)
            preds[n, shift] = (Ft - mean) @ w + y_mean
        else:
            preds[n, shift] = Ft @ shifted_solve(G, b, shift, size=n)
    return np.stack([preds[n, s] for n, s in zip(sizes, shifts, strict=True)])


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
