"""learning_curve (nested Cholesky solvers, shared Grams) against a per-alpha recomputation with the
eigendecomposition solvers and separately built Gram matrices and features."""

import numpy as np
import pandas as pd
import pytest

from onestep.covariance import SpikedCovariance
from onestep.curves import METHODS, learning_curve
from onestep.kernels.gram import gaussian_kernel_gram
from onestep.model import sample_inputs, teacher_labels
from onestep.ridge import best_linear_mse, kernel_ridge, ridge_features, test_mse


def _setup(d=60, N=45, seed=0):
    rng = np.random.default_rng(seed)
    W0 = rng.standard_normal((N, d)) / np.sqrt(d)
    beta = rng.standard_normal(d)
    beta /= np.linalg.norm(beta)
    h = beta + 0.5 * rng.standard_normal(d) / np.sqrt(d)
    h /= np.linalg.norm(h)
    W1 = W0 + 0.8 * np.outer(rng.standard_normal(N), h)
    return dict(W0=W0, W1=W1, beta=beta, h_hat=h, c_hat=1.1, theta_hat=0.6, student="tanh",
                teacher="tanh", tau=0.1, input_law="gaussian")


def _direct(net, alphas, ridge, convention, data):
    """Per-alpha refit from scratch: eigh solvers, Grams and features built independently."""
    X, y, Xt, yt = data
    d = X.shape[1]
    out = {}
    feats = {"rf_post": net["W1"], "rf_init": net["W0"]}
    covs = {"krr_k1": SpikedCovariance(net["c_hat"], net["theta_hat"], net["h_hat"]),
            "krr_k0": SpikedCovariance(),
            "krr_beta": SpikedCovariance(net["c_hat"], net["theta_hat"], net["beta"])}
    for alpha in alphas:
        n = max(1, round(alpha * d))
        lam = ridge if convention == "mean" else ridge / n
        for name, W in feats.items():
            F, Ft = (np.tanh(Z @ W.T) / np.sqrt(W.shape[0]) for Z in (X[:n], Xt))
            out[alpha, name] = test_mse(ridge_features(F, y[:n], Ft, ridges=[lam],
                                                       solver="eigh"), yt)[0]
        for name, cov in covs.items():
            kw = dict(activation="tanh", **cov.kernel_params())
            pred = kernel_ridge(gaussian_kernel_gram(X[:n], **kw), y[:n],
                                gaussian_kernel_gram(Xt, X[:n], **kw), ridges=[lam],
                                solver="eigh")
            out[alpha, name] = test_mse(pred, yt)[0]
        out[alpha, "linear"] = best_linear_mse(X[:n], y[:n], Xt, yt, ridges=[lam])[0]
    return out


@pytest.mark.parametrize(("convention", "ridge"), [("mean", 0.02), ("sum", 0.05)])
def test_learning_curve_matches_per_alpha_eigh_refits(convention, ridge):
    net = _setup()
    rng = np.random.default_rng(1)
    alphas = [0.25, 0.6, 0.75, 1.0, 2.0]  # n = 15, 36, 45 (= N), 60, 120: dual and primal
    X = sample_inputs(120 + 40, 60, law="gaussian", rng=rng)
    y = teacher_labels(X, net["beta"], teacher="tanh", tau=0.1, rng=rng)
    data = (X[:120], y[:120], X[120:], y[120:])
    curve = learning_curve(**net, alphas=alphas, ridge=ridge, ridge_convention=convention,
                           n_test=40, rng=None, data=data)
    assert list(curve.columns) == ["alpha", "n_train", "ridge_mean_convention", "method",
                                   "test_mse"]
    assert list(curve["method"][: len(METHODS)]) == list(METHODS)
    ref = _direct(net, alphas, ridge, convention, data)
    got = {(r.alpha, r.method): r.test_mse for r in curve.itertuples()}
    assert got.keys() == ref.keys()
    # Cholesky vs eigh on systems with condition number <= ~1e6: agreement ~1e-12 relative.
    for key, value in ref.items():
        assert got[key] == pytest.approx(value, rel=1e-9), key


def test_learning_curve_draws_like_before_and_selects_methods():
    net = _setup(seed=2)
    kw = dict(**net, alphas=[0.25, 1.0], ridge=0.01, n_test=25, spiked_beta=False)
    full = learning_curve(**kw, rng=np.random.default_rng(5))
    assert set(full["method"]) == set(METHODS) - {"krr_beta"}
    part = learning_curve(**kw, rng=np.random.default_rng(5), methods=["linear", "rf_post"])
    assert list(part["method"]) == ["rf_post", "linear"] * 2  # canonical order
    merged = part.merge(full, on=["alpha", "method"], suffixes=("", "_full"))
    np.testing.assert_array_equal(merged["test_mse"], merged["test_mse_full"])  # same draw
    # The draw: max(n) training points then n_test test points from one stream.
    rng = np.random.default_rng(5)
    X = sample_inputs(60 + 25, 60, law="gaussian", rng=rng)
    y = teacher_labels(X, net["beta"], teacher="tanh", tau=0.1, rng=rng)
    explicit = learning_curve(**kw, rng=None, methods=["linear", "rf_post"],
                              data=(X[:60], y[:60], X[60:], y[60:]))
    pd.testing.assert_frame_equal(explicit, part)


@pytest.mark.parametrize(("methods", "match"), [(["svm"], "methods"), ([], "methods"),
                                                (["krr_beta"], "krr_beta")])
def test_bad_methods_raise(methods, match):
    net = _setup()
    with pytest.raises(ValueError, match=match):
        learning_curve(**net, alphas=[1.0], ridge=0.1, n_test=5, rng=np.random.default_rng(0),
                       spiked_beta=False, methods=methods)
