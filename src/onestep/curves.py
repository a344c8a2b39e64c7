"""Learning curves on fresh data: post-step vs initial features vs kernels (docs/THEORY.md 5).

For one simulated network (W0, W1) and one seed, draws ``max(alpha) d`` fresh training points and
``n_test`` test points (a stream independent of the step's data), and for every ``alpha`` fits on
the first ``n = round(alpha d)`` training points (nested designs give smooth curves and let one
Gram matrix serve every alpha):

(a) ``rf_post``: ridge on s(W1 x)/sqrt(N)      (b) ``rf_init``: ridge on s(W0 x)/sqrt(N)
(c) ``krr_k1``: KRR with the spiked kernel of the estimated (c_hat, theta_hat, h_hat)
(d) ``krr_k0``: KRR with the isotropic kernel    (e) ``krr_beta``: (c) with the spike along beta
and ``linear``: ridge on the raw inputs with an intercept. Same data, same ridge for all.

Cost (d = N = 2000, n up to 6000, 5000 test points, tanh): every method is solved for all alphas
at once on the nested prefixes (:func:`onestep.ridge.nested_ridge_features`,
:func:`onestep.ridge.nested_kernel_ridge`: Cholesky, one factorisation per (method, alpha), or
one per method in the ``sum`` convention); s(X W^T) is computed once per (W, X); the two products
``X_train X_train^T`` and ``X_test X_train^T`` serve every kernel; one kernel's Grams are held at
a time. ``methods`` selects a subset (e.g. skip the kernels). Measured side by side in one
process (``python -m onestep.bench``; 1 BLAS thread, 2 cores shared with a load of 12-16):
at d = 400 the whole job takes 0.14x the time of the former per-alpha eigendecompositions (same
test MSEs to 4e-14); at d = 2000, rf_post alone takes 0.18x the authors' plain-NumPy protocol,
and the whole job (every method, tanh, sum convention) 88 +- 24 s per seed.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .activations import get_activation
from .covariance import SpikedCovariance
from .kernels.gram import gaussian_kernel_train_test
from .kernels.series import fast_numpy
from .model import sample_inputs, teacher_labels
from .ridge import nested_kernel_ridge, nested_ridge_features, test_mse

__all__ = ["METHODS", "learning_curve"]

METHODS = ("rf_post", "rf_init", "krr_k1", "krr_k0", "krr_beta", "linear")


def _features(W, X, activation):
    """``s(X W^T) / sqrt(N)``, evaluated in place (one (n, N) array)."""
    Z = X @ W.T
    Z[...] = fast_numpy(activation)(Z)
    Z /= np.sqrt(W.shape[0])
    return Z


def _check_methods(methods, spiked_beta: bool) -> list[str]:
    if methods is None:
        return [m for m in METHODS if spiked_beta or m != "krr_beta"]
    methods = [methods] if isinstance(methods, str) else list(methods)
    bad = [m for m in methods if m not in METHODS]
    if bad or not methods or len(set(methods)) != len(methods):
        raise ValueError(f"methods={methods!r}: expected distinct names among {METHODS}")
    if "krr_beta" in methods and not spiked_beta:
        raise ValueError("methods: 'krr_beta' requested with spiked_beta=False")
    return [m for m in METHODS if m in methods]


def _check_data(data, n_max: int, d: int):
    X_train, y_train, X_test, y_test = (np.asarray(a, dtype=np.float64) for a in data)
    if X_train.ndim != 2 or X_train.shape[0] < n_max or X_train.shape[1] != d:
        raise ValueError(f"data: X_train has shape {X_train.shape}, expected (>= {n_max}, {d})")
    if X_test.ndim != 2 or X_test.shape[1] != d or y_train.shape != X_train.shape[:1] \
            or y_test.shape != X_test.shape[:1]:
        raise ValueError("data: expected (X_train, y_train, X_test, y_test) of shapes (n, d), "
                         "(n,), (n_test, d), (n_test,)")
    return X_train[:n_max], y_train[:n_max], X_test, y_test


def learning_curve(*, W0, W1, beta, h_hat, c_hat, theta_hat, student, teacher, tau, input_law,
                   alphas, ridge, n_test, rng, spiked_beta=True,
                   ridge_convention="mean", methods=None, data=None) -> pd.DataFrame:
    """Test MSE of every method at every ``alpha`` for one network and one data draw.

    Parameters
    ----------
    W0, W1 : ndarray of shape (N, d)
        Initial and post-step first-layer weights.
    beta, h_hat : ndarray of shape (d,)
        Teacher direction and spike direction (unit vectors).
    c_hat, theta_hat : float
        Estimated bulk and spike of the post-step weights (define k1, through
        :meth:`SpikedCovariance.from_estimate`: a negative ``theta_hat`` is clipped to 0).
    student, teacher : str
        Activation names.
    tau : float
        Label-noise standard deviation (test labels are noisy too).
    input_law : {'gaussian', 'sphere'}
    alphas : sequence of float
        ``n_train / d`` values.
    ridge : float
        Ridge ``lambda`` (0: minimum-norm interpolants, by the eigendecomposition fallback).
    ridge_convention : {'mean', 'sum'}, optional
        ``mean``: the loss is (1/n) sum of squares + lambda |w|^2 (:mod:`onestep.ridge`).
        ``sum``: the loss is the plain sum of squares + lambda |w|^2, i.e. ``lambda / n`` in the
        ``mean`` convention.
    n_test : int
    rng : numpy.random.Generator
        Source of the fresh data.
    spiked_beta : bool, optional
        Include method (e) in the default ``methods``.
    methods : sequence of str, optional
        Subset of :data:`METHODS` (default: all, without ``krr_beta`` unless ``spiked_beta``).
    data : tuple (X_train, y_train, X_test, y_test), optional
        Use these points instead of drawing them from ``rng`` (the first ``max(n)`` training
        rows are used; ``n_test`` is then ignored).

    Returns
    -------
    pandas.DataFrame with columns alpha, n_train, ridge_mean_convention, method, test_mse.
    """
    if ridge_convention not in ("mean", "sum"):
        raise ValueError(f"ridge_convention={ridge_convention!r}: expected 'mean' or 'sum'")
    methods = _check_methods(methods, spiked_beta)
    act = get_activation(student, key="student")
    d = W0.shape[1]
    sizes = np.array([max(1, round(a * d)) for a in alphas])
    n_max = int(sizes.max())
    if data is None:
        X = sample_inputs(n_max + n_test, d, law=input_law, rng=rng)
        y = teacher_labels(X, beta, teacher=teacher, tau=tau, rng=rng)
        data = (X[:n_max], y[:n_max], X[n_max:], y[n_max:])
    X_train, y_train, X_test, y_test = _check_data(data, n_max, d)
    lam = np.full(sizes.size, float(ridge)) if ridge_convention == "mean" else ridge / sizes

    errors = {}
    for name, W in (("rf_post", W1), ("rf_init", W0)):
        if name in methods:
            pred = nested_ridge_features(_features(W, X_train, act), y_train,
                                         _features(W, X_test, act), sizes=sizes, ridges=lam)
            errors[name] = test_mse(pred, y_test)
    spikes = {"krr_k1": lambda: SpikedCovariance.from_estimate(c_hat, theta_hat, h_hat),
              "krr_k0": SpikedCovariance,
              "krr_beta": lambda: SpikedCovariance.from_estimate(c_hat, theta_hat, beta)}
    kernels = [m for m in methods if m in spikes]
    if kernels:
        inner = {"inner_train": X_train @ X_train.T, "inner_test": X_test @ X_train.T}
        for name in kernels:  # one kernel's Grams at a time
            K, K_test = gaussian_kernel_train_test(X_train, X_test, activation=act,
                                                   **spikes[name]().kernel_params(), **inner)
            pred = nested_kernel_ridge(K, y_train, K_test, sizes=sizes, ridges=lam,
                                       overwrite=True)
            errors[name] = test_mse(pred, y_test)
            del K, K_test
    if "linear" in methods:
        pred = nested_ridge_features(X_train, y_train, X_test, sizes=sizes, ridges=lam,
                                     fit_intercept=True)
        errors["linear"] = test_mse(pred, y_test)

    rows = [{"alpha": float(alpha), "n_train": int(n), "ridge_mean_convention": float(r),
             "method": m, "test_mse": float(errors[m][i])}
            for i, (alpha, n, r) in enumerate(zip(alphas, sizes, lam, strict=True))
            for m in methods]
    return pd.DataFrame(rows)
